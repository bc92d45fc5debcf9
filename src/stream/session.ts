// One subscription of one connection to a stream, between the consumer hub (which pushes consumed
// records in) and a door (which pulls deliveries out when its socket has room). The pipeline per
// record: render (format, filter; shared by the stream's subscribers) → bounded delivery queue →
// the door. Order is kept per partition even when schema decoding makes rendering asynchronous.
// The session also keeps the client's cursor (SSE ids, long-poll cursors) and its acknowledgements.
import { GatewayError } from '../core/errors.ts'
import type { Principal } from '../core/principal.ts'
import type {
  ClosedReason,
  ConsumedRecord,
  DeliverResult,
  Subscriber,
  Subscription,
} from '../kafka/consumer/types.ts'
import type { Logger } from '../observability/logger.ts'
import { MovingCursor, nextOffset, type Cursor } from './cursor.ts'
import { DeliveryQueue, isGap, type Delivery, type OverflowPolicy } from './delivery-queue.ts'
import type { Rendered, StreamEndpoint } from './endpoint.ts'
import { serializeRecord } from './record-json.ts'

/** Why a session ended. */
export type SessionEnd =
  /** The door closed it (the client went away, or unsubscribed). */
  | { kind: 'closed' }
  /** The client read too slowly for the stream's buffer (`onOverflow: close`). */
  | { kind: 'overflow'; error: GatewayError }
  /** The node is shutting down. */
  | { kind: 'shutdown' }
  /** The backend failed for good. */
  | { kind: 'failed'; error: GatewayError }

export interface SessionOptions {
  endpoint: StreamEndpoint
  /** Who reads: records are rendered with the masks that apply to them. */
  principal: Principal
  /** Client topic names. */
  topics: readonly string[]
  cursor: Cursor
  buffer: { maxRecords: number; maxBytes: number; onOverflow: OverflowPolicy }
  /**
   * Acknowledge each record as the door takes it: for doors without client acknowledgements
   * (SSE). Others ack themselves (WebSocket frames, long-poll's next cursor).
   */
  ackOnTake: boolean
  logger: Logger
  /** Called once when the session ends, however it ends. */
  onEnd?: (session: StreamSession, end: SessionEnd) => void
  /** Told of each record the door takes (counts, delivery spans). */
  observer?: SessionObserver
}

/** What observability needs of a session (see observability/observability.ts SessionScope). */
export interface SessionObserver {
  /** Whether `delivered` wants the consumed record (its headers carry the trace context). */
  readonly tracing: boolean
  delivered(bytes: number, record?: ConsumedRecord): void
}

interface Staged {
  record: ConsumedRecord
  rendered: Rendered | Promise<Rendered>
}

type Position = [topic: string, partition: number, offset: string]

export class StreamSession implements Subscriber {
  readonly endpoint: StreamEndpoint
  readonly #principal: Principal
  readonly topics: readonly string[]
  readonly #options: SessionOptions
  readonly #queue: DeliveryQueue
  /** Records waiting for their rendering (schema decoding), in arrival order. */
  readonly #staging: Staged[] = []
  readonly #cursor: MovingCursor
  #subscription: Subscription | undefined
  /** Acks to send once subscribed (records can arrive before subscribe() resolves). */
  #earlyAcks: Position[] = []
  /** Taken and not yet acknowledged (for ackTaken), in order. */
  #taken: Position[] = []
  #toldFull = false
  /** The consumed records behind queued deliveries, while tracing (for their trace context). */
  readonly #sources = new WeakMap<object, ConsumedRecord>()
  #wake: (() => void) | undefined
  #end: SessionEnd | undefined

  constructor(options: SessionOptions) {
    this.#options = options
    this.endpoint = options.endpoint
    this.#principal = options.principal
    this.topics = options.topics
    this.#cursor = new MovingCursor(options.cursor)
    this.#queue = new DeliveryQueue({ ...options.buffer, onRoom: () => this.#roomAgain() })
  }

  // --- the hub's side ---

  deliver(record: ConsumedRecord): DeliverResult {
    if (this.#end !== undefined) return 'ok'
    const rendered = this.endpoint.render(record, this.#principal)
    if (this.#staging.length === 0 && !(rendered instanceof Promise)) {
      this.#accept(record, rendered)
    } else {
      // A session that ends on one record's failure drops the records staged behind it: their
      // failures must not go unhandled (an unhandled rejection ends the process).
      if (rendered instanceof Promise) rendered.catch(() => undefined)
      this.#staging.push({ record, rendered })
      if (this.#staging.length === 1) void this.#drainStaging()
    }
    if (this.#hasRoom()) return 'ok'
    this.#toldFull = true
    return 'full'
  }

  closed(reason: ClosedReason): void {
    this.#finish(reason.kind === 'shutdown' ? reason : { kind: 'failed', error: reason.error })
  }

  // --- the service's side ---

  attach(subscription: Subscription): void {
    this.#subscription = subscription
    for (const [topic, partition, offset] of this.#earlyAcks) {
      subscription.ack(topic, partition, offset)
    }
    this.#earlyAcks = []
    if (this.#end !== undefined) void subscription.unsubscribe()
  }

  /**
   * Next offsets (backend topic names) for partitions not yet in the cursor: where a `latest`
   * start began, so that a client that resumes before its first record misses nothing.
   */
  seed(positions: readonly { topic: string; partition: number; offset: string }[]): void {
    for (const { topic, partition, offset } of positions) {
      const client = this.endpoint.clientTopic(topic)
      if (!this.#cursor.has(client, partition)) this.#cursor.set(client, partition, offset)
    }
  }

  /** Ends the session as the node shuts down. */
  shutdown(): void {
    this.#finish({ kind: 'shutdown' })
  }

  // --- the door's side ---

  /** Called whenever a delivery became available or the session ended; one door at a time. */
  onWake(wake: (() => void) | undefined): void {
    this.#wake = wake
  }

  /** The next record or gap notice for the client; undefined when there is none now. */
  take(): Delivery | undefined {
    const delivery = this.#queue.shift()
    if (delivery === undefined) return undefined
    if (isGap(delivery)) {
      for (const range of delivery.ranges) this.#move(range.topic, range.partition, range.to)
      return delivery
    }
    this.#move(delivery.topic, delivery.partition, delivery.offset)
    const observer = this.#options.observer
    if (observer !== undefined) {
      observer.delivered(serializeRecord(delivery).bytes, this.#sources.get(delivery))
    }
    const position: Position = [delivery.topic, delivery.partition, delivery.offset]
    if (this.#options.ackOnTake) this.#ack(position)
    else this.#taken.push(position)
    return delivery
  }

  /** Deliveries waiting. */
  get pending(): number {
    return this.#queue.length
  }

  /** Positions after the last delivery taken: what a client resumes from. */
  get cursor(): Cursor {
    return this.#cursor.value
  }

  /** The cursor as a client hands it back (encodeCursor), made once per move. */
  get cursorText(): string {
    return this.#cursor.text
  }

  get ended(): SessionEnd | undefined {
    return this.#end
  }

  /** The client acknowledges one record it received (client topic name). */
  ack(topic: string, partition: number, offset: string): boolean {
    if (!this.topics.includes(topic)) return false
    this.#ack([topic, partition, offset])
    return true
  }

  /** Acknowledges everything taken so far (long-poll: the client came back with the cursor). */
  ackTaken(): void {
    for (const position of this.#taken) this.#ack(position)
    this.#taken = []
  }

  /** Ends the session (the client left); resolves once the hub let go of it. */
  async close(): Promise<void> {
    this.#finish({ kind: 'closed' })
    await this.#subscription?.unsubscribe()
  }

  // --- inside ---

  #accept(record: ConsumedRecord, rendered: Rendered): void {
    if (rendered === null) {
      // Filtered out: nothing for the client, so it is acknowledged at once, and a cursor with
      // nothing queued before it may move past it (a resume need not read it again).
      const client = this.endpoint.clientTopic(record.topic)
      this.#ack([client, record.partition, record.offset])
      if (this.#queue.length === 0) this.#move(client, record.partition, record.offset)
      return
    }
    if (this.#options.observer?.tracing === true) this.#sources.set(rendered, record)
    const outcome = this.#queue.offer(rendered, serializeRecord(rendered).bytes)
    if (outcome === 'skipped') {
      this.#ack([rendered.topic, rendered.partition, rendered.offset])
    } else if (outcome === 'overflow') {
      const { maxRecords, maxBytes } = this.#options.buffer
      const detail = `the client reads more slowly than stream "${this.endpoint.name}" delivers: more than ${maxRecords} records or ${maxBytes} bytes waited for it`
      this.#finish({ kind: 'overflow', error: new GatewayError('overloaded', detail) })
    }
    if (this.#queue.length > 0) this.#wake?.()
  }

  async #drainStaging(): Promise<void> {
    const staging = this.#staging
    while (staging.length > 0 && this.#end === undefined) {
      const head = staging[0] as Staged
      let rendered: Rendered
      try {
        rendered = await head.rendered
      } catch (err) {
        if (err instanceof GatewayError) {
          // A record the engine could not edit yet (a KMS or registry that did not answer): the
          // session ends on it, retriable, and the record is read again by the next session;
          // dropping it would move the cursor past a record the client never saw.
          this.#finish({ kind: 'failed', error: err })
          break
        }
        // Rendering falls back to base64 by itself; this is a bug, not bad data: drop the record.
        this.#options.logger.error({ err, stream: this.endpoint.name }, 'a record failed to render')
        rendered = null
      }
      if (this.#end !== undefined) break
      staging.shift()
      this.#accept(head.record, rendered)
    }
    staging.length = 0
    if (this.#hasRoom()) this.#roomAgain()
  }

  /** The cursor past `offset`, a record delivered (or dropped, or filtered out). */
  #move(topic: string, partition: number, offset: string): void {
    this.#cursor.set(topic, partition, nextOffset(offset))
  }

  #hasRoom(): boolean {
    return !this.#queue.full && this.#staging.length < this.#options.buffer.maxRecords
  }

  #roomAgain(): void {
    if (!this.#toldFull || !this.#hasRoom()) return
    this.#toldFull = false
    this.#subscription?.ready()
  }

  #ack(position: Position): void {
    const backend: Position = [this.endpoint.backendTopic(position[0]), position[1], position[2]]
    if (this.#subscription === undefined) this.#earlyAcks.push(backend)
    else this.#subscription.ack(...backend)
  }

  #finish(end: SessionEnd): void {
    if (this.#end !== undefined) return
    this.#end = end
    this.#staging.length = 0
    // Unacknowledged records of a session that overflowed come again to whoever reads next.
    if (end.kind === 'overflow') this.#queue.clear()
    if (end.kind !== 'closed') void this.#subscription?.unsubscribe()
    try {
      this.#options.onEnd?.(this, end)
    } finally {
      this.#wake?.()
    }
  }
}
