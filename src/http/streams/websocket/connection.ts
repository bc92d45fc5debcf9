// One WebSocket client of a stream: its subscriptions (each a session of the stream service),
// the frames it sends, and the pump that moves deliveries to the socket no faster than the
// socket takes them. Everything the client may do wrong ends in an error frame (a refused
// subscribe) or a close code with a reason (a malformed frame, an overflowing buffer).
import type { WebSocket } from 'ws'
import { GatewayError, wsCloseCode } from '../../../core/errors.ts'
import type { Principal } from '../../../core/principal.ts'
import type { Logger } from '../../../observability/logger.ts'
import { parseClientStart } from '../../../stream/client-start.ts'
import { decodeCursor, type Cursor, type StreamStart } from '../../../stream/cursor.ts'
import { isGap } from '../../../stream/delivery-queue.ts'
import type { StreamEndpoint } from '../../../stream/endpoint.ts'
import type { StreamSession } from '../../../stream/session.ts'
import type { StreamService } from '../../../stream/stream-service.ts'
import { holdWritesForThisTurn, type Corkable } from '../batched-writes.ts'
import {
  closeReason,
  errorFrame,
  gapFrame,
  parseClientFrame,
  recordFrame,
  type ClientFrame,
  type SubscribeFrame,
} from './frames.ts'

/**
 * Bytes queued on the socket before the pump waits for it to drain. Small, so that a slow
 * client's backlog waits in its bounded session queue (where the overflow policy sees it), not
 * in socket buffers nobody counts.
 */
const HIGH_WATER = 64 * 1024
/** Record frames are Buffers of UTF-8 JSON: sent as text, as every weir.v1 frame is. */
const TEXT = { binary: false }
/** Subscriptions one connection may hold at once. */
const MAX_SUBSCRIPTIONS = 16

export interface ConnectionContext {
  service: StreamService
  endpoint: StreamEndpoint
  params: Readonly<Record<string, string>>
  principal: Principal
  /** The topics this connection may read (the URL's, already authorized). */
  topics: readonly string[]
  logger: Logger
  /**
   * The socket under `ws`: ws writes every message by itself, so the records of a batch are
   * held on it for one write (see batched-writes.ts).
   */
  socket?: Corkable
  /** The connection ended (gives back its connection slot). */
  onClose(): void
}

export interface InitialSubscription {
  topics: readonly string[]
  start?: StreamStart
  cursor?: Cursor
}

export class StreamConnection {
  readonly #ws: WebSocket
  readonly #context: ConnectionContext
  readonly #subscriptions = new Map<string, StreamSession>()
  #nextId = 1
  #blocked = false
  #closed = false
  #released = false
  /** Answered a ping since the last heartbeat. */
  alive = true
  /** A blocked write reached the socket since the last heartbeat: the client is reading. */
  #drained = false

  constructor(ws: WebSocket, context: ConnectionContext) {
    this.#ws = ws
    this.#context = context
    ws.on('message', (data: Buffer, isBinary) => this.#onFrame(data, isBinary))
    ws.on('pong', () => (this.alive = true))
    ws.on('close', () => this.#release())
    ws.on('error', (err) => context.logger.debug({ err }, 'websocket error'))
  }

  /** Greets the client and, unless it asked for none, subscribes it to the URL's topics. */
  async start(initial: InitialSubscription | undefined): Promise<void> {
    const { endpoint, principal } = this.#context
    this.#send(
      JSON.stringify({
        type: 'welcome',
        stream: endpoint.name,
        principal: principal.name,
        topics: this.#context.topics,
        delivery: endpoint.config.delivery,
      })
    )
    // The upgrade authorized the URL's topics already (and charged its rate limits once).
    if (initial !== undefined) await this.#subscribe('default', initial, true)
  }

  /** Sends a close frame (the node shuts down, or the service ended a session). */
  close(code: number, reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#ws.close(code, closeReason(reason))
    this.#release()
  }

  /** Heartbeat, every `heartbeatMs`: pings, and ends a client that has gone silent. */
  heartbeat(): void {
    // A client that reads a backlog is alive even if its pong waits behind the frames queued
    // before the ping; only one that neither answers nor reads is gone.
    if (!this.alive && !this.#drained) {
      this.#ws.terminate()
      return
    }
    this.alive = false
    this.#drained = false
    this.#ws.ping()
  }

  #onFrame(data: Buffer, isBinary: boolean): void {
    let frame: ClientFrame
    try {
      frame = parseClientFrame(data, isBinary)
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err
      this.close(wsCloseCode(err.code), err.message)
      return
    }
    switch (frame.type) {
      case 'subscribe':
        void this.#subscribeFrame(frame)
        return
      case 'unsubscribe':
        void this.#unsubscribe(frame.id)
        return
      case 'ack':
        this.#ack(frame.topic, frame.partition, String(frame.offset))
        return
    }
  }

  async #subscribeFrame(frame: SubscribeFrame): Promise<void> {
    const id = frame.id ?? `s${this.#nextId++}`
    try {
      const { endpoint, params, topics } = this.#context
      const wanted = endpoint.topicsFor(params, frame.topics ?? topics)
      if (frame.from !== undefined && !endpoint.config.clientStart) {
        throw new GatewayError('bad-request', `stream "${endpoint.name}" does not take "from"`)
      }
      await this.#subscribe(id, {
        topics: wanted,
        start: frame.from === undefined ? undefined : parseClientStart(frame.from),
        cursor: frame.cursor === undefined ? undefined : decodeCursor(frame.cursor),
      })
    } catch (err) {
      this.#refuse(err, id)
    }
  }

  async #subscribe(id: string, wanted: InitialSubscription, authorized = false): Promise<void> {
    try {
      if (this.#subscriptions.has(id)) {
        throw new GatewayError('bad-request', `subscription "${id}" already exists`)
      }
      if (this.#subscriptions.size >= MAX_SUBSCRIPTIONS) {
        throw new GatewayError(
          'bad-request',
          `a connection may hold ${MAX_SUBSCRIPTIONS} subscriptions`
        )
      }
      for (const [other, session] of this.#subscriptions) {
        const shared = wanted.topics.find((t) => session.topics.includes(t))
        if (shared !== undefined) {
          throw new GatewayError(
            'bad-request',
            `topic "${shared}" is already in subscription "${other}"`
          )
        }
      }
      const { service, endpoint, principal } = this.#context
      // Later subscriptions are authorized as they come (policies may have changed since).
      if (!authorized) await service.authorize(endpoint, 'websocket', principal, wanted.topics)
      const session = await service.open({
        endpoint,
        door: 'websocket',
        principal,
        topics: wanted.topics,
        start: wanted.start,
        cursor: wanted.cursor,
        ackOnTake: false,
        seedCursor: false,
      })
      if (this.#closed) {
        await session.close()
        return
      }
      this.#subscriptions.set(id, session)
      this.#send(JSON.stringify({ type: 'subscribed', id, topics: wanted.topics }))
      session.onWake(() => this.#pump())
      this.#pump()
    } catch (err) {
      this.#refuse(err, id)
    }
  }

  async #unsubscribe(id: string): Promise<void> {
    const session = this.#subscriptions.get(id)
    if (session === undefined) {
      this.#refuse(new GatewayError('not-found', `there is no subscription "${id}"`), id)
      return
    }
    this.#subscriptions.delete(id)
    session.onWake(undefined)
    await session.close()
    this.#send(JSON.stringify({ type: 'unsubscribed', id }))
  }

  #ack(topic: string, partition: number, offset: string): void {
    for (const session of this.#subscriptions.values()) {
      if (session.ack(topic, partition, offset)) return
    }
  }

  /** Sends what the sessions hold, round robin, while the socket keeps up. */
  #pump(): void {
    if (this.#blocked || this.#closed) return
    if (this.#context.socket !== undefined) holdWritesForThisTurn(this.#context.socket)
    let progressed = true
    while (progressed) {
      progressed = false
      for (const [id, session] of this.#subscriptions) {
        const delivery = session.take()
        if (delivery !== undefined) {
          progressed = true
          const frame = isGap(delivery) ? gapFrame(delivery) : recordFrame(delivery)
          if (this.#ws.bufferedAmount + frame.length > HIGH_WATER) {
            // Wait until this frame reached the socket before sending more.
            this.#blocked = true
            this.#ws.send(frame, TEXT, () => {
              this.#blocked = false
              this.#drained = true
              this.#pump()
            })
            return
          }
          this.#ws.send(frame, TEXT)
        } else if (session.ended !== undefined) {
          this.#ended(id, session)
          if (this.#closed) return
        }
      }
    }
  }

  #ended(id: string, session: StreamSession): void {
    this.#subscriptions.delete(id)
    const end = session.ended
    if (end === undefined || end.kind === 'closed') return
    if (end.kind === 'shutdown') {
      this.close(1001, 'the gateway is shutting down; reconnect')
      return
    }
    this.#send(errorFrame(end.error, id))
    this.close(wsCloseCode(end.error.code), end.error.detail)
  }

  #refuse(err: unknown, id: string): void {
    if (err instanceof GatewayError) {
      this.#send(errorFrame(err, id))
      return
    }
    this.#context.logger.error({ err, stream: this.#context.endpoint.name }, 'subscribe failed')
    this.close(wsCloseCode('internal'), 'the gateway failed to subscribe')
  }

  #send(text: string): void {
    if (!this.#closed && this.#ws.readyState === this.#ws.OPEN) this.#ws.send(text)
  }

  /** The socket is gone: end every session (at-least-once: unacked records come again). */
  #release(): void {
    if (this.#released) return
    this.#released = true
    this.#closed = true
    this.#context.onClose()
    for (const session of this.#subscriptions.values()) {
      session.onWake(undefined)
      void session.close()
    }
    this.#subscriptions.clear()
  }
}
