// Fire-and-forget delivery that still never loses what it accepted. Records are answered 202 as
// soon as they are in this bounded buffer; they leave it only when the brokers acknowledged them.
// A failed send is retried with backoff (the idempotent producer makes retries safe). While the
// buffer is full, the backend is failing, or the node is draining, new records are refused with
// 503 so the client knows to retry; nothing is dropped silently.
import { GatewayError } from '../../core/errors.ts'
import type { Logger } from '../../observability/logger.ts'
import type { ProducerPool } from './producer-pool.ts'
import { recordBytes, type OutgoingRecord, type SendOptions } from './record.ts'

export interface AsyncDeliveryOptions {
  maxRecords: number
  maxBytes: number
  retryBackoffMs: number
  /** Longest wait between retries of one record. */
  maxBackoffMs?: number
}

export interface DrainResult {
  delivered: number
  /** Records still undelivered when the drain deadline passed (logged as errors). */
  undelivered: number
}

export class AsyncDelivery {
  readonly #pool: ProducerPool
  readonly #options: AsyncDeliveryOptions
  readonly #logger: Logger
  #records = 0
  #bytes = 0
  #delivered = 0
  #draining = false
  /** Backend clusters whose last send failed; cleared by the next success. */
  readonly #failing = new Map<string, string>()
  readonly #settled = new Set<() => void>()

  constructor(pool: ProducerPool, options: AsyncDeliveryOptions, logger: Logger) {
    this.#pool = pool
    this.#options = options
    this.#logger = logger
  }

  get buffered(): { records: number; bytes: number } {
    return { records: this.#records, bytes: this.#bytes }
  }

  /** Takes all the records or none: throws a 503 GatewayError when they cannot be accepted. */
  accept(cluster: string, records: readonly OutgoingRecord[], options: SendOptions): void {
    if (this.#draining) {
      throw new GatewayError(
        'backend-unavailable',
        'this node is shutting down; send to another node',
        { retryAfterSeconds: 1 }
      )
    }
    const failure = this.#failing.get(cluster)
    if (failure) {
      throw new GatewayError(
        'backend-unavailable',
        `backend cluster "${cluster}" is failing: ${failure}`,
        { retryAfterSeconds: 2 }
      )
    }
    const bytes = records.reduce((sum, r) => sum + recordBytes(r), 0)
    if (
      this.#records + records.length > this.#options.maxRecords ||
      this.#bytes + bytes > this.#options.maxBytes
    ) {
      throw new GatewayError('overloaded', 'the async delivery buffer is full', {
        retryAfterSeconds: 1,
      })
    }
    this.#records += records.length
    this.#bytes += bytes
    for (const record of records) void this.#deliver(cluster, record, options, recordBytes(record))
  }

  async #deliver(
    cluster: string,
    record: OutgoingRecord,
    options: SendOptions,
    bytes: number
  ): Promise<void> {
    let backoff = this.#options.retryBackoffMs
    for (;;) {
      try {
        await this.#pool.send(cluster, record, options)
        this.#failing.delete(cluster)
        this.#delivered++
        break
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err)
        this.#failing.set(cluster, reason)
        this.#logger.warn(
          { backendCluster: cluster, topic: record.topic, retryInMs: backoff },
          'async delivery failed, retrying'
        )
        await new Promise((resolve) => setTimeout(resolve, backoff))
        backoff = Math.min(backoff * 2, this.#options.maxBackoffMs ?? 5000)
      }
    }
    this.#records--
    this.#bytes -= bytes
    if (this.#records === 0) {
      for (const resolve of this.#settled) resolve()
      this.#settled.clear()
    }
  }

  /** Refuses new records and waits (up to `timeoutMs`) until every accepted one is delivered. */
  async drain(timeoutMs: number): Promise<DrainResult> {
    this.#draining = true
    if (this.#records > 0) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        new Promise<void>((resolve) => this.#settled.add(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ])
      clearTimeout(timer)
    }
    if (this.#records > 0) {
      this.#logger.error(
        { undelivered: this.#records },
        'shutdown deadline passed with accepted records still undelivered'
      )
    }
    return { delivered: this.#delivered, undelivered: this.#records }
  }
}
