// Gathers the records of many concurrent requests into batches, the way Kafka's own producer does:
// a batch leaves when it is full or has lingered long enough, and while `maxInFlight` batches are
// on the wire the next one keeps filling. This is what lets many single-event HTTP requests share
// one produce request to the broker.
//
// A request's records go in as one unit, never split across batches: a request sent in two
// batches could be answered an error for one while the other was written. Units join a batch only
// while each topic's records stay within the budget its max.message.bytes allows, so merging
// requests never makes a batch the brokers refuse.
import type { OutgoingRecord, RecordAck } from './record.ts'

/** The records of one request, all for one topic; they share a batch and an outcome. */
export interface BatchUnit {
  topic: string
  records: OutgoingRecord[]
  /** Their size in a record batch (encodedRecordBytes). */
  bytes: number
  /** Record bytes one batch may carry for this topic (batchBudget). A larger unit goes alone. */
  budget: number
}

export interface BatcherOptions {
  lingerMs: number
  maxRecords: number
  /** Record bytes of one flush across its topics: the size of the produce request. */
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
  unit: BatchUnit
  resolve(acks: RecordAck[]): void
  reject(err: unknown): void
}

export class RecordBatcher {
  readonly #options: BatcherOptions
  #queue: Pending[] = []
  #queuedRecords = 0
  #queuedBytes = 0
  #inFlight = 0
  #inFlightRecords = 0
  #timer: NodeJS.Timeout | undefined
  readonly #idle = new Set<() => void>()

  constructor(options: BatcherOptions) {
    this.#options = options
  }

  /** Resolves with the unit's acks once all its records are written; rejects if any was not. */
  add(unit: BatchUnit): Promise<RecordAck[]> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ unit, resolve, reject })
      this.#queuedRecords += unit.records.length
      this.#queuedBytes += unit.bytes
      this.#schedule()
    })
  }

  /** Records waiting for a batch or on the wire. */
  get pending(): number {
    return this.#queuedRecords + this.#inFlightRecords
  }

  /** Sends everything queued now and resolves when nothing is left in flight. */
  drain(): Promise<void> {
    this.#sendNow()
    if (this.#queue.length === 0 && this.#inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.add(resolve))
  }

  #full(): boolean {
    return (
      this.#queuedRecords >= this.#options.maxRecords || this.#queuedBytes >= this.#options.maxBytes
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

  /** The units of the next batch, in arrival order: at least one, even one over every bound. */
  #take(): Pending[] {
    let count = 0
    let records = 0
    let bytes = 0
    const byTopic = new Map<string, number>()
    for (const { unit } of this.#queue) {
      const topicBytes = (byTopic.get(unit.topic) ?? 0) + unit.bytes
      const oversize = unit.bytes > unit.budget
      if (
        count > 0 &&
        (oversize ||
          records + unit.records.length > this.#options.maxRecords ||
          bytes + unit.bytes > this.#options.maxBytes ||
          topicBytes > unit.budget)
      )
        break
      count++
      records += unit.records.length
      bytes += unit.bytes
      byTopic.set(unit.topic, topicBytes)
      // A unit over its topic's budget shares its batch with nothing: its refusal is its own.
      if (oversize) break
    }
    this.#queuedRecords -= records
    this.#queuedBytes -= bytes
    return this.#queue.splice(0, count)
  }

  #send(batch: Pending[]): void {
    const records = batch.flatMap((p) => p.unit.records)
    this.#inFlight++
    this.#inFlightRecords += records.length
    this.#options
      .flush(records)
      .then(
        (results) => {
          let at = 0
          for (const p of batch) {
            const own = results.slice(at, (at += p.unit.records.length))
            const failed = own.find((r) => r instanceof Error)
            if (failed) p.reject(failed)
            else p.resolve(own as RecordAck[])
          }
        },
        (err: unknown) => batch.forEach((p) => p.reject(err))
      )
      .finally(() => {
        this.#inFlight--
        this.#inFlightRecords -= records.length
        // Records that queued up meanwhile have waited a round trip already: send them now.
        this.#sendNow()
        if (this.#queue.length === 0 && this.#inFlight === 0) {
          for (const resolve of this.#idle) resolve()
          this.#idle.clear()
        }
      })
  }
}
