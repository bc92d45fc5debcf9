// A subscriber's buffer with the stream's overflow policy (`buffer.onOverflow`) applied:
// - `close`: the first record that does not fit makes the queue overflowed; the door ends the
//   connection (WebSocket 1013) and the client reconnects from its cursor.
// - `skip`: records that do not fit are dropped, counted, and a gap notice takes their place in
//   the queue, so the client learns of the gap exactly where it is, once it has read everything
//   before it. Dropping goes on until the client has drained the queue to the low-water mark: one
//   gap per slow spell, not one every other record.
// The hub reads `full` (with the same hysteresis) to pause partitions only when every subscriber
// of a shared consumer is full, and `onRoom` tells it when one has room again.
import { SubscriberBuffer, type BufferLimits } from './buffer.ts'
import type { StreamRecord } from './record.ts'

export type OverflowPolicy = 'close' | 'skip'

/** The offsets of one partition that a subscriber did not get. */
export interface GapRange {
  topic: string
  partition: number
  /** First and last skipped offsets (filtered-out records in between were never queued). */
  from: string
  to: string
}

export interface GapNotice {
  type: 'gap'
  /** Records dropped for this subscriber. */
  skipped: number
  ranges: GapRange[]
}

export type Delivery = StreamRecord | GapNotice

export type OfferResult = 'queued' | 'skipped' | 'overflow'

export interface DeliveryQueueOptions extends BufferLimits {
  onOverflow: OverflowPolicy
  /** Fraction of both limits the queue must drain to before it takes records again. */
  lowWater?: number
  /** Called once each time a full queue has drained to the low-water mark. */
  onRoom?: () => void
}

export function isGap(delivery: Delivery): delivery is GapNotice {
  return (delivery as Partial<GapNotice>).type === 'gap'
}

export class DeliveryQueue {
  readonly policy: OverflowPolicy
  readonly #buffer: SubscriberBuffer<Delivery>
  readonly #lowRecords: number
  readonly #lowBytes: number
  readonly #onRoom: (() => void) | undefined
  #full = false
  #overflowed = false
  /** The open gap while skipping: still at the tail of the queue, so still countable. */
  #gap: GapNotice | undefined
  readonly #ranges = new Map<string, GapRange>()
  #skippedTotal = 0

  constructor(options: DeliveryQueueOptions) {
    const lowWater = options.lowWater ?? 0.5
    if (!(lowWater >= 0 && lowWater < 1)) {
      throw new RangeError(`lowWater must be at least 0 and below 1, not ${lowWater}`)
    }
    this.policy = options.onOverflow
    this.#buffer = new SubscriberBuffer(options)
    this.#lowRecords = Math.floor(options.maxRecords * lowWater)
    this.#lowBytes = Math.floor(options.maxBytes * lowWater)
    this.#onRoom = options.onRoom
  }

  /** Queues a record of `bytes` (its serialized size), or applies the overflow policy. */
  offer(record: StreamRecord, bytes: number): OfferResult {
    if (this.#overflowed) return 'overflow'
    if (this.#gap !== undefined) return this.#skip(record)
    if (this.#buffer.push(record, bytes) === 'ok') {
      if (this.#buffer.full) this.#full = true
      return 'queued'
    }
    this.#full = true
    if (this.policy === 'close') {
      this.#overflowed = true
      return 'overflow'
    }
    this.#gap = { type: 'gap', skipped: 0, ranges: [] }
    this.#buffer.pushAlways(this.#gap, 0)
    return this.#skip(record)
  }

  /** The next record or gap notice to send; undefined when the client has caught up. */
  shift(): Delivery | undefined {
    const item = this.#buffer.shift()
    if (item === undefined) return undefined
    // A gap handed out is final: later drops start a new one.
    if (item === this.#gap) this.#closeGap()
    if (
      this.#full &&
      this.#buffer.length <= this.#lowRecords &&
      this.#buffer.bytes <= this.#lowBytes
    ) {
      this.#full = false
      this.#closeGap()
      this.#onRoom?.()
    }
    return item
  }

  /** Full since reaching a limit, until drained to the low-water mark. */
  get full(): boolean {
    return this.#full
  }

  /** The close policy struck: the door must end the connection. */
  get overflowed(): boolean {
    return this.#overflowed
  }

  /** Dropping records (skip policy) until the client catches up. */
  get skipping(): boolean {
    return this.#gap !== undefined
  }

  /** Records dropped over this queue's life (for metrics). */
  get skippedTotal(): number {
    return this.#skippedTotal
  }

  get length(): number {
    return this.#buffer.length
  }

  get bytes(): number {
    return this.#buffer.bytes
  }

  /** Whether a record of `bytes` would be queued now (the hub may hold it and pause instead). */
  fits(bytes: number): boolean {
    return !this.#overflowed && this.#gap === undefined && this.#buffer.fits(bytes)
  }

  /** Releases everything queued (the connection is gone). */
  clear(): void {
    this.#buffer.clear()
    this.#closeGap()
    this.#full = false
  }

  #skip(record: StreamRecord): 'skipped' {
    const gap = this.#gap as GapNotice
    gap.skipped++
    this.#skippedTotal++
    // Bounded by the partitions of the stream: one range per partition and gap.
    const key = `${record.partition}\u0000${record.topic}`
    const range = this.#ranges.get(key)
    if (range === undefined) {
      const opened = {
        topic: record.topic,
        partition: record.partition,
        from: record.offset,
        to: record.offset,
      }
      this.#ranges.set(key, opened)
      gap.ranges.push(opened)
    } else {
      range.to = record.offset
    }
    return 'skipped'
  }

  #closeGap(): void {
    this.#gap = undefined
    this.#ranges.clear()
  }
}
