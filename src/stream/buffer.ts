// One subscriber's bounded delivery queue: records wait here between the consumer that fans them
// out and the connection that writes them. Limits are by count and by bytes, so one slow reader
// holds at most maxRecords / maxBytes however fast the topic is, and pushing to it is O(1) and
// never waits, so it cannot slow the consumer or the subscribers beside it.
//
// A ring buffer rather than Array#shift (which moves every element on large arrays); it grows
// by doubling as needed, so idle subscribers of a stream with a large maxRecords stay small.

export interface BufferLimits {
  maxRecords: number
  maxBytes: number
}

export type PushResult = 'ok' | 'full'

const INITIAL_CAPACITY = 16

export class SubscriberBuffer<T> {
  readonly maxRecords: number
  readonly maxBytes: number
  #items: (T | undefined)[]
  #sizes: number[]
  #head = 0
  #count = 0
  #bytes = 0

  constructor(limits: BufferLimits) {
    for (const name of ['maxRecords', 'maxBytes'] as const) {
      if (!Number.isInteger(limits[name]) || limits[name] <= 0) {
        throw new RangeError(`${name} must be a positive integer, not ${limits[name]}`)
      }
    }
    this.maxRecords = limits.maxRecords
    this.maxBytes = limits.maxBytes
    const capacity = Math.min(INITIAL_CAPACITY, limits.maxRecords)
    this.#items = new Array<T | undefined>(capacity)
    this.#sizes = new Array<number>(capacity).fill(0)
  }

  /** Items waiting. */
  get length(): number {
    return this.#count
  }

  /** Bytes waiting (as their pushers counted them). */
  get bytes(): number {
    return this.#bytes
  }

  /** At a limit: no further record fits, whatever its size. */
  get full(): boolean {
    return this.#count >= this.maxRecords || this.#bytes >= this.maxBytes
  }

  /**
   * Whether a record of `bytes` would be accepted. An empty buffer takes any one record, even
   * one larger than maxBytes: refusing it would stall (or close) the stream on it forever.
   */
  fits(bytes: number): boolean {
    if (this.#count === 0) return true
    return this.#count < this.maxRecords && this.#bytes + bytes <= this.maxBytes
  }

  /** Appends when it fits; 'full' leaves the buffer unchanged, the caller applies its policy. */
  push(item: T, bytes: number): PushResult {
    checkSize(bytes)
    if (!this.fits(bytes)) return 'full'
    this.#append(item, bytes)
    return 'ok'
  }

  /**
   * Appends past the limits. Only for small control items (a gap notice) whose number the
   * caller bounds: the ring grows to take them.
   */
  pushAlways(item: T, bytes: number): void {
    checkSize(bytes)
    this.#append(item, bytes)
  }

  /** The oldest item, removed; undefined when empty. */
  shift(): T | undefined {
    if (this.#count === 0) return undefined
    const item = this.#items[this.#head]
    this.#items[this.#head] = undefined // let the record be collected
    this.#bytes -= this.#sizes[this.#head] as number
    this.#head = (this.#head + 1) % this.#items.length
    this.#count--
    return item
  }

  /** The oldest item, left in place. */
  peek(): T | undefined {
    return this.#count === 0 ? undefined : this.#items[this.#head]
  }

  /** Drops everything (a closed connection), releasing the records. */
  clear(): void {
    this.#items = new Array<T | undefined>(Math.min(INITIAL_CAPACITY, this.maxRecords))
    this.#sizes = new Array<number>(this.#items.length).fill(0)
    this.#head = 0
    this.#count = 0
    this.#bytes = 0
  }

  #append(item: T, bytes: number): void {
    if (this.#count === this.#items.length) this.#grow()
    const tail = (this.#head + this.#count) % this.#items.length
    this.#items[tail] = item
    this.#sizes[tail] = bytes
    this.#count++
    this.#bytes += bytes
  }

  /** Doubles the ring (capped at maxRecords until pushAlways goes past it), oldest item first. */
  #grow(): void {
    const capacity = this.#items.length
    const larger =
      capacity < this.maxRecords ? Math.min(capacity * 2, this.maxRecords) : capacity * 2
    const items = new Array<T | undefined>(larger)
    const sizes = new Array<number>(items.length).fill(0)
    for (let i = 0; i < this.#count; i++) {
      const from = (this.#head + i) % capacity
      items[i] = this.#items[from]
      sizes[i] = this.#sizes[from] as number
    }
    this.#items = items
    this.#sizes = sizes
    this.#head = 0
  }
}

function checkSize(bytes: number): void {
  if (!(bytes >= 0) || !Number.isFinite(bytes)) {
    throw new RangeError(`a record's size must be a finite number of bytes, not ${bytes}`)
  }
}
