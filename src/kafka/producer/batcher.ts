// Gathers records from many concurrent requests into batches, the way Kafka's own producer does:
// a batch leaves when it is full or has lingered long enough, and while `maxInFlight` batches are
// on the wire the next one keeps filling. This is what lets many single-event HTTP requests share
// one produce request to the broker.
import { recordBytes, type OutgoingRecord, type RecordAck } from './record.ts'

export interface BatcherOptions {
  lingerMs: number
  maxRecords: number
  maxBytes: number
  /** 1 keeps batches strictly ordered (needed by kafkajs's idempotent producer). */
  maxInFlight: number
  /**
   * Sends one batch; resolves with one ack per record, in order, or with that record's own error
   * where only some records failed. Rejects when they all failed alike.
   */
  flush(records: OutgoingRecord[]): Promise<(RecordAck | Error)[]>
}

interface Pending {
  record: OutgoingRecord
  bytes: number
  resolve(ack: RecordAck): void
  reject(err: unknown): void
}

export class RecordBatcher {
  readonly #options: BatcherOptions
  #queue: Pending[] = []
  #queuedBytes = 0
  #inFlight = 0
  #inFlightRecords = 0
  #timer: NodeJS.Timeout | undefined
  readonly #idle = new Set<() => void>()

  constructor(options: BatcherOptions) {
    this.#options = options
  }

  add(record: OutgoingRecord): Promise<RecordAck> {
    return new Promise((resolve, reject) => {
      const bytes = recordBytes(record)
      this.#queue.push({ record, bytes, resolve, reject })
      this.#queuedBytes += bytes
      this.#schedule()
    })
  }

  /** Records waiting for a batch or on the wire. */
  get pending(): number {
    return this.#queue.length + this.#inFlightRecords
  }

  /** Sends everything queued now and resolves when nothing is left in flight. */
  drain(): Promise<void> {
    this.#sendNow()
    if (this.#queue.length === 0 && this.#inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.add(resolve))
  }

  #full(): boolean {
    return (
      this.#queue.length >= this.#options.maxRecords || this.#queuedBytes >= this.#options.maxBytes
    )
  }

  #schedule(): void {
    if (this.#full() || this.#options.lingerMs === 0) {
      this.#sendNow()
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined
        this.#sendNow()
      }, this.#options.lingerMs)
    }
  }

  #sendNow(): void {
    while (this.#queue.length > 0 && this.#inFlight < this.#options.maxInFlight) {
      clearTimeout(this.#timer)
      this.#timer = undefined
      this.#send(this.#take())
    }
  }

  #take(): Pending[] {
    let count = 0
    let bytes = 0
    // Always take at least one record, even one larger than maxBytes: the broker decides.
    while (count < this.#queue.length && count < this.#options.maxRecords) {
      const next = this.#queue[count] as Pending
      if (count > 0 && bytes + next.bytes > this.#options.maxBytes) break
      bytes += next.bytes
      count++
    }
    this.#queuedBytes -= bytes
    return this.#queue.splice(0, count)
  }

  #send(batch: Pending[]): void {
    this.#inFlight++
    this.#inFlightRecords += batch.length
    this.#options
      .flush(batch.map((p) => p.record))
      .then(
        (results) =>
          batch.forEach((p, i) => {
            const result = results[i]
            if (result instanceof Error) p.reject(result)
            else p.resolve(result as RecordAck)
          }),
        (err: unknown) => batch.forEach((p) => p.reject(err))
      )
      .finally(() => {
        this.#inFlight--
        this.#inFlightRecords -= batch.length
        // Records that queued up meanwhile have waited a round trip already: send them now.
        this.#sendNow()
        if (this.#queue.length === 0 && this.#inFlight === 0) {
          for (const resolve of this.#idle) resolve()
          this.#idle.clear()
        }
      })
  }
}
