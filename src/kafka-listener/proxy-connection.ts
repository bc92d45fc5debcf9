// One Kafka client connection and its connection to the backend broker it stands for. Requests
// are forwarded as they came (the bytes are not decoded unless a filter needs them); responses
// are matched to requests by correlation id, in order, as Kafka answers on one connection, and
// rewritten only where a filter changed something. Anything malformed ends this connection, and
// nothing else: the client reconnects, the other connections carry on.
import type { Socket } from 'node:net'
import {
  apiByKey,
  CodecError,
  decodeRequest,
  encodeRequest,
  encodeResponse,
  FrameSplitter,
  peekCorrelationId,
  peekRequestHeader,
} from '../protocol/index.ts'
import type { Principal } from '../core/principal.ts'
import type { Logger } from '../observability/logger.ts'
import type { Observability, RequestScope } from '../observability/observability.ts'
import { kafkaRequestTopic } from '../observability/kafka-topic.ts'
import { firstErrorCode, kafkaReason } from '../observability/observer.ts'
import type { BrokerMap } from './broker-map.ts'
import type {
  ConnectionState,
  FilterContext,
  RequestDecision,
  RequestFilter,
  ResponseEdit,
  ResponseFilter,
} from './filters/types.ts'
import { unsupportedApiVersionsResponse } from './local-responses.ts'
import { PreAuthGuard, type PreAuthLimits } from './pre-auth.ts'
import { expectsResponse } from './produce-acks.ts'
import { runRequestFilters } from './request-pipeline.ts'
import { rewriteResponse } from './response-path.ts'
import { undecodable } from './version-caps.ts'

const API_VERSIONS = 18

export interface ProxySettings {
  maxFrameBytes: number
  /** Longest a request may wait for its response before the connection is closed. */
  requestTimeoutMs: number
  /** A client connection with no traffic for this long is closed. */
  idleTimeoutMs: number
  /** Connections older than this (jittered) close between requests; unset: never. */
  maxConnectionAgeMs?: number
}

export interface ProxyContext {
  brokers: BrokerMap
  /** Response filters by API key, in order. */
  filters: ReadonlyMap<number, readonly ResponseFilter<unknown>[]>
  /** Request filters, in order (each says which requests it wants). */
  requestFilters?: readonly RequestFilter[]
  /** The connection's starting state (its principal when no authentication applies). */
  initialState?: (principal?: Principal) => ConnectionState
  settings: ProxySettings
  logger: Logger
  onClose(connection: ProxyConnection): void
  /** The limits on a connection until it authenticated; none where nobody authenticates. */
  preAuth?: PreAuthLimits
  /** Where requests are observed (spans, metrics, access log). */
  observed?: { observability: Observability; listener: string; virtualCluster: string }
}

interface InFlight {
  correlationId: number
  apiKey: number
  apiVersion: number
  sentAt: number
  /** A response the gateway makes itself, sent when its turn comes. */
  local?: Buffer
  /** Edits the request filters asked for on this request's response. */
  onResponse?: ResponseEdit
  /** End the connection once this (local) response is sent. */
  closeAfter?: boolean
  /** The request's observation scope, and its size. */
  scope?: RequestScope
  bytesIn?: number
  /** The first topic a Produce or Fetch names (the client's name). */
  topic?: string
}

export class ProxyConnection {
  readonly #client: Socket
  #upstream: Socket
  /**
   * Once the client authenticated: a broker connection logged in as its principal's backend
   * identity, or undefined when the one it has already is right. Asked once.
   */
  #switchUpstream: ((principal: Principal) => Promise<Socket> | undefined) | undefined
  /**
   * A response whose edit is under way (waiting for a key, say): responses after it, the
   * backend's and the gateway's own, wait in `#heldFrames` and behind it, in order.
   */
  #editing: Promise<void> | undefined
  readonly #heldFrames: Buffer[] = []
  /** Called once no forwarded request waits for the backend's response. */
  #onUpstreamIdle: (() => void) | undefined
  readonly #context: ProxyContext
  readonly #requests: FrameSplitter
  /** Responses can be large (a fetch of many partitions): the backend is trusted to 1 GiB. */
  readonly #responses = new FrameSplitter(1024 * 1024 * 1024)
  readonly #inFlight: InFlight[] = []
  readonly #logger: Logger
  readonly #filterContext: FilterContext
  /** Requests split from the stream, waiting their turn while an asynchronous filter runs. */
  readonly #queue: Buffer[] = []
  #waiting = false
  #closed = false
  /** When the connection has lived long enough (`maxConnectionAgeMs`, jittered), or never. */
  readonly #expiresAt: number
  /** Ending for age: what the client still sends is not forwarded. */
  #expiring = false
  /** Until the client authenticated: its smaller frame limit, share of memory and deadline. */
  #preAuth: PreAuthGuard | undefined

  /** `principal`: who the client is before any request (a verified client certificate). */
  constructor(
    client: Socket,
    upstream: Socket,
    context: ProxyContext,
    principal?: Principal,
    switchUpstream?: (principal: Principal) => Promise<Socket> | undefined
  ) {
    this.#client = client
    this.#upstream = upstream
    this.#switchUpstream = switchUpstream
    this.#context = context
    this.#filterContext = {
      brokers: context.brokers,
      state: context.initialState?.(principal) ?? { principal, scratch: new Map() },
    }
    this.#requests = new FrameSplitter(context.settings.maxFrameBytes)
    this.#expiresAt = expiryOf(context.settings.maxConnectionAgeMs, Date.now())
    const preAuth = context.preAuth
    if (preAuth !== undefined && !preAuth.authenticated(this.#filterContext.state)) {
      this.#preAuth = new PreAuthGuard(preAuth, Date.now())
      this.#requests.maxFrameBytes = Math.min(preAuth.maxFrameBytes, this.#requests.maxFrameBytes)
    }
    this.#logger = context.logger.child({
      client: `${client.remoteAddress}:${client.remotePort}`,
    })
    context.observed?.observability.metrics.connectionOpened('kafka')
    client.setNoDelay(true)
    client.setTimeout(context.settings.idleTimeoutMs, () =>
      this.close('idle', `no traffic for ${context.settings.idleTimeoutMs} ms`)
    )
    client.on('data', (chunk: Buffer) => this.#fromClient(chunk))
    client.on('error', (err) => this.close('client error', err.message))
    client.on('close', () => this.close('client closed'))
    this.#attach(upstream)
  }

  #attach(upstream: Socket): void {
    upstream.setNoDelay(true)
    upstream.on('data', (chunk: Buffer) => this.#fromUpstream(chunk))
    upstream.on('error', (err) => this.close('backend error', err.message))
    upstream.on('close', () => this.close('backend closed'))
  }

  /**
   * Before the first request after authentication: moves to a broker connection logged in as
   * the principal's backend identity (a broker never lets a connection change principal), once
   * the old one has answered what it was sent. Undefined when there is nothing to do.
   */
  #identitySwitch(): Promise<void> | undefined {
    const switchUpstream = this.#switchUpstream
    const principal = this.#filterContext.state.principal
    if (switchUpstream === undefined || principal === undefined) return undefined
    this.#switchUpstream = undefined
    const opening = switchUpstream(principal)
    if (opening === undefined) return undefined
    const idle = new Promise<void>((resolve) => {
      if (!this.#inFlight.some((entry) => entry.local === undefined)) resolve()
      else this.#onUpstreamIdle = resolve
    })
    return Promise.all([opening, idle]).then(
      ([upstream]) => {
        if (this.#closed) {
          upstream.destroy()
          return
        }
        const old = this.#upstream
        for (const event of ['data', 'close', 'error']) old.removeAllListeners(event)
        old.on('error', () => undefined)
        old.destroy()
        this.#upstream = upstream
        this.#attach(upstream)
      },
      (err: unknown) => this.close('backend login failed', (err as Error).message)
    )
  }

  /** Requests waiting for a response (for the listener's timeout sweep and stats). */
  get pending(): number {
    return this.#inFlight.length
  }

  /**
   * Closes the connection if its oldest request has waited past the request timeout, or when it
   * has lived past its age and no request is in flight.
   */
  checkTimeout(now: number): void {
    this.#expireIfIdle(now)
    const refusal = this.#stillUnauthenticated()?.expired(now)
    if (refusal !== undefined) {
      this.close(refusal.why, refusal.detail)
      return
    }
    const oldest = this.#inFlight[0]
    if (oldest !== undefined && now - oldest.sentAt > this.#context.settings.requestTimeoutMs) {
      const name = apiByKey.get(oldest.apiKey)?.name ?? `API ${oldest.apiKey}`
      this.close(
        'request timeout',
        `${name} got no response in ${this.#context.settings.requestTimeoutMs} ms`
      )
    }
  }

  /**
   * Past its age, a connection with nothing in flight ends (its answers sent first): the client
   * reconnects, through the load balancer, to whichever node it picks. A request that crosses the
   * close on the wire was never forwarded, so the client's retry cannot apply it twice.
   */
  #expireIfIdle(now: number): void {
    if (this.#expiring || this.#closed || now < this.#expiresAt) return
    if (this.#inFlight.length > 0 || this.#queue.length > 0 || this.#waiting) return
    if (this.#editing !== undefined) return
    if (this.#requests.buffered > 0) return
    this.#expiring = true
    const age = this.#context.settings.maxConnectionAgeMs
    this.#client.end(() => this.close('expired', `older than maxConnectionAgeMs ${age} ms`))
  }

  close(why: string, detail?: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#context.observed?.observability.metrics.connectionClosed('kafka')
    // A client that left mid-request (or a peer that never spoke Kafka) is worth a warning even
    // when it closed the connection itself.
    const partial = this.#requests.buffered
    const quiet = (why === 'client closed' || why === 'idle' || why === 'expired') && partial === 0
    this.#logger[quiet ? 'debug' : 'warn'](
      {
        why,
        detail,
        pending: this.#inFlight.length,
        ...(partial > 0 && { partialRequestBytes: partial }),
      },
      'kafka connection closed'
    )
    this.#client.destroy()
    this.#upstream.destroy()
    for (const onClose of this.#filterContext.state.onClose ?? []) onClose()
    // Nothing this connection read stays referenced, whoever still holds the object.
    this.#preAuth?.release()
    this.#preAuth = undefined
    this.#requests.clear()
    this.#responses.clear()
    this.#queue.length = 0
    this.#heldFrames.length = 0
    this.#context.onClose(this)
  }

  /** The principal and whatever else this connection established. */
  get state(): ConnectionState {
    return this.#filterContext.state
  }

  #fromClient(chunk: Buffer): void {
    if (this.#expiring) return
    const preAuth = this.#stillUnauthenticated()
    let frames: Buffer[]
    try {
      frames = this.#requests.push(chunk)
    } catch (err) {
      if (preAuth !== undefined && err instanceof CodecError) {
        // As Kafka's InvalidReceiveException before SASL completes: closed on the size prefix.
        this.close('malformed request', `${err.message}, the limit before authentication`)
        return
      }
      this.#malformed(err)
      return
    }
    const refusal = preAuth?.hold(this.#requests.buffered)
    if (refusal !== undefined) {
      this.close(refusal.why, refusal.detail)
      return
    }
    for (const frame of frames) this.#queue.push(frame)
    this.#drain()
  }

  /** The pre-authentication guard while it applies; lifts it once the client authenticated. */
  #stillUnauthenticated(): PreAuthGuard | undefined {
    const guard = this.#preAuth
    if (guard === undefined || !guard.authenticated(this.#filterContext.state)) return guard
    guard.release()
    this.#preAuth = undefined
    this.#requests.maxFrameBytes = this.#context.settings.maxFrameBytes
    return undefined
  }

  /** Handles queued requests in order; stops at one whose filters are still deciding. */
  #drain(): void {
    if (this.#waiting) return
    this.#upstream.cork()
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const switching = this.#identitySwitch()
        if (switching !== undefined) {
          this.#wait(switching)
          return
        }
        const outcome = this.#request(this.#queue.shift() as Buffer)
        if (outcome !== undefined) {
          this.#wait(outcome)
          return
        }
      }
    } catch (err) {
      this.#malformed(err)
    } finally {
      this.#upstream.uncork()
    }
  }

  /** Holds the queue (and the client's reads) until an asynchronous filter decided. */
  #wait(outcome: Promise<void>): void {
    this.#waiting = true
    this.#client.pause()
    outcome.then(
      () => {
        this.#waiting = false
        if (this.#closed) return
        this.#client.resume()
        this.#drain()
      },
      (err: unknown) => {
        this.#waiting = false
        if (err instanceof CodecError) this.#malformed(err)
        else {
          this.#logger.error({ err }, 'a request filter failed')
          this.close('filter error', (err as Error).message)
        }
      }
    )
  }

  /** Forwards, answers or refuses one request; a promise while a filter is deciding. */
  #request(payload: Buffer): Promise<void> | undefined {
    const { apiKey, apiVersion, correlationId } = peekRequestHeader(payload)
    const api = apiByKey.get(apiKey)
    const entry: InFlight = { correlationId, apiKey, apiVersion, sentAt: Date.now() }
    if (apiKey === API_VERSIONS && (api === undefined || apiVersion > api.maxVersion)) {
      // As a broker does: answer in v0 with the versions it speaks, and the client retries.
      entry.local = unsupportedApiVersionsResponse(correlationId)
      this.#enqueueLocal(entry)
      return undefined
    }
    if (api === undefined) throw new CodecError(`unknown API key ${apiKey}`)
    const observed = this.#context.observed
    if (observed !== undefined) {
      entry.scope = observed.observability.request('kafka', api.name, {
        'weir.listener': observed.listener,
        'weir.kafka.api': api.name,
        'weir.kafka.api_version': apiVersion,
      })
      entry.bytesIn = payload.length + 4
      entry.topic = kafkaRequestTopic(payload, apiKey, apiVersion)
    }
    // Produce below the codec's range (v0-v2) still passes: only its acks are read (see
    // version-caps). Negative versions are no version at all.
    const known =
      apiVersion >= api.minVersion || (undecodable(apiKey, apiVersion) && apiVersion >= 0)
    if (!known || apiVersion > api.maxVersion) {
      throw new CodecError(`${api.name} v${apiVersion} is not supported`)
    }
    const responds = expectsResponse(payload, apiKey, apiVersion)
    const filters = this.#context.requestFilters ?? []
    const state = this.#filterContext.state
    if (!filters.some((f) => f.wants(apiKey, apiVersion, state))) {
      this.#forward(entry, responds, payload)
      return undefined
    }
    const decoded = decodeRequest(payload)
    const decision = runRequestFilters(filters, decoded.body, decoded.header, this.#filterContext)
    const apply = (d: RequestDecision): void => {
      if (this.#closed) return
      if (d.kind === 'close') {
        // A connection closed before authentication is an authentication refusal.
        this.#observe(entry, 0, { reason: state.principal === undefined ? 'auth' : 'request' })
        this.close('refused', d.reason)
        return
      }
      if (d.kind === 'respond') {
        const code = firstErrorCode(d.body)
        // acks=0 has no way to carry an error: a broker closes the connection instead.
        if (!responds) {
          this.#observe(entry, 0, { code, reason: code === 0 ? 'request' : kafkaReason(code) })
          this.close('refused', `${api.name} with acks=0 refused`)
          return
        }
        entry.local = encodeResponse(api, apiVersion, { correlationId }, d.body)
        entry.closeAfter = d.closeAfter
        this.#observe(
          entry,
          entry.local.length,
          code === 0 ? undefined : { code, reason: kafkaReason(code) }
        )
        this.#enqueueLocal(entry)
        return
      }
      entry.onResponse = d.onResponse
      const bytes = d.changed ? encodeRequest(api, decoded.header, decoded.body) : undefined
      // encodeRequest frames it (size prefix included).
      this.#forward(entry, responds, payload, bytes)
    }
    if (decision instanceof Promise) return decision.then(apply)
    apply(decision)
    return undefined
  }

  #forward(entry: InFlight, responds: boolean, payload: Buffer, framed?: Buffer): void {
    if (responds) this.#inFlight.push(entry)
    else this.#observe(entry, 0)
    if (framed !== undefined) {
      send(this.#upstream, this.#client, framed)
      return
    }
    send(this.#upstream, this.#client, sizePrefix(payload.length))
    send(this.#upstream, this.#client, payload)
  }

  #fromUpstream(chunk: Buffer): void {
    let frames: Buffer[]
    try {
      frames = this.#responses.push(chunk)
    } catch (err) {
      this.close('backend protocol error', (err as Error).message)
      return
    }
    if (frames.length === 0) return
    this.#responsesInOrder(frames)
  }

  /** Sends responses on, in order, until one's edit has to wait; the rest are held behind it. */
  #responsesInOrder(frames: Buffer[]): void {
    if (this.#editing !== undefined) {
      this.#heldFrames.push(...frames)
      return
    }
    this.#client.cork()
    try {
      for (let i = 0; i < frames.length; i++) {
        if (!this.#response(frames[i] as Buffer)) return
        if (this.#editing !== undefined) {
          this.#heldFrames.push(...frames.slice(i + 1))
          return
        }
      }
    } finally {
      this.#client.uncork()
    }
    // The moment a busy connection (a consumer always has a Fetch waiting) is between requests.
    if (this.#inFlight.length === 0) this.#expireIfIdle(Date.now())
  }

  /** Holds every later response until `edited` is sent; the backend is not read meanwhile. */
  #holdFor(edited: Promise<Buffer>): void {
    this.#upstream.pause()
    this.#editing = edited.then(
      (framed) => {
        if (this.#closed) return
        send(this.#client, this.#upstream, framed)
        this.#editing = undefined
        this.#afterResponse()
        this.#upstream.resume()
        this.#responsesInOrder(this.#heldFrames.splice(0))
      },
      (err: unknown) => {
        this.#editing = undefined
        const reason = err instanceof CodecError ? 'backend protocol error' : 'response edit failed'
        this.close(reason, (err as Error).message)
      }
    )
  }

  /** Sends one backend response on; false when the connection had to close. */
  #response(payload: Buffer): boolean {
    const entry = this.#inFlight[0]
    let correlationId: number
    try {
      correlationId = peekCorrelationId(payload)
    } catch (err) {
      this.close('backend protocol error', (err as Error).message)
      return false
    }
    if (entry === undefined || entry.local !== undefined || entry.correlationId !== correlationId) {
      this.close('backend protocol error', `unexpected response to correlation id ${correlationId}`)
      return false
    }
    this.#inFlight.shift()
    if (entry.scope !== undefined) this.#observe(entry, payload.length + 4, undefined, true)
    let rewritten: ReturnType<typeof rewriteResponse>
    try {
      rewritten = rewriteResponse(
        entry,
        payload,
        this.#context.filters.get(entry.apiKey),
        this.#filterContext
      )
    } catch (err) {
      if (!(err instanceof CodecError)) throw err
      // Versions are capped to what the codec reads, so this is a backend bug or corruption.
      this.close(
        'backend protocol error',
        `${err.message} (API ${entry.apiKey} v${entry.apiVersion})`
      )
      return false
    }
    if (rewritten instanceof Promise) {
      this.#holdFor(rewritten)
      return true
    }
    if (rewritten === undefined) this.#toClient(payload)
    else send(this.#client, this.#upstream, rewritten)
    this.#afterResponse()
    return true
  }

  /** A response went out: the gateway's own answers behind it go too. */
  #afterResponse(): void {
    this.#flushLocal()
    if (this.#onUpstreamIdle && !this.#inFlight.some((e) => e.local === undefined)) {
      this.#onUpstreamIdle()
      this.#onUpstreamIdle = undefined
    }
  }

  /** Finishes the request's observation (refused with a Kafka error code, or not). */
  #observe(
    entry: InFlight,
    bytesOut: number,
    refused?: { code?: number; reason: ReturnType<typeof kafkaReason> },
    fromBackend = false
  ): void {
    const scope = entry.scope
    const observed = this.#context.observed
    if (scope === undefined || observed === undefined) return
    entry.scope = undefined
    scope.finish({
      listener: observed.listener,
      virtualCluster: observed.virtualCluster,
      route: apiByKey.get(entry.apiKey)?.name,
      topic: entry.topic,
      principal: this.#filterContext.state.principal?.name,
      outcome: refused === undefined ? 'accepted' : 'rejected',
      reason: refused?.reason,
      status: refused?.code ?? 0,
      bytesIn: entry.bytesIn ?? 0,
      bytesOut,
      backendMs: fromBackend ? Date.now() - entry.sentAt : undefined,
      client: this.#client.remoteAddress,
    })
  }

  #enqueueLocal(entry: InFlight): void {
    this.#inFlight.push(entry)
    this.#flushLocal()
  }

  /** Sends the gateway's own responses that reached the head of the line. */
  #flushLocal(): void {
    // Behind a response still being edited, nothing may overtake it.
    if (this.#editing !== undefined) return
    while (this.#inFlight[0]?.local !== undefined && !this.#closed) {
      const entry = this.#inFlight.shift() as InFlight
      if (entry.closeAfter) {
        // Answered, then ended: nothing after it is read or sent.
        this.#queue.length = 0
        this.#client.end(entry.local as Buffer, () => this.close('refused after answering'))
        this.#upstream.destroy()
        return
      }
      send(this.#client, this.#upstream, entry.local as Buffer)
    }
  }

  #toClient(payload: Buffer): void {
    send(this.#client, this.#upstream, sizePrefix(payload.length))
    send(this.#client, this.#upstream, payload)
  }

  #malformed(err: unknown): void {
    if (!(err instanceof CodecError)) throw err
    this.close('malformed request', err.message)
  }
}

function sizePrefix(length: number): Buffer {
  const prefix = Buffer.allocUnsafe(4)
  prefix.writeInt32BE(length, 0)
  return prefix
}

/**
 * Writes to one side; when it cannot take more, stops reading the other until it drains, so a
 * slow client never makes the gateway buffer a fast broker's responses (or the other way).
 */
function send(to: Socket, from: Socket, bytes: Buffer): void {
  if (to.write(bytes) || from.isPaused()) return
  from.pause()
  to.once('drain', () => from.resume())
}

/** When a connection opened at `now` expires: `ageMs` ± 10 %, so connections do not all go at once. */
export function expiryOf(ageMs: number | undefined, now: number, random = Math.random): number {
  if (ageMs === undefined) return Number.POSITIVE_INFINITY
  return now + ageMs * (0.9 + 0.2 * random())
}
