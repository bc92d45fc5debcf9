// Fire-and-forget delivery that still never loses what it accepted. Records are answered 202 as
// soon as they are in this bounded buffer; they leave it only when the brokers acknowledged them.
// A failed send is retried with backoff. That is at least once: when the outcome of the failed
// send is unknown (a timeout) and the brokers did take it, the retry writes the record again
// (the producer that failed is replaced, so the brokers cannot tell it is a retry). Every record
// sent again is counted (`resent`), so the duplicates it may cause are accounted for. While the
// backend is failing, records keep being buffered within the bounds: that is what the buffer is
// for. While it is full, or the node is draining, new records are refused with 503 so the client
// knows to retry; nothing is dropped silently.
import { GatewayError, shuttingDown } from '../../core/errors.ts'
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
  /** Sends repeated after a failure: each may have written its record twice (at least once). */
  resent: number
  /** Records still undelivered when the drain deadline passed (logged as errors). */
  undelivered: number
}

interface Usage {
  records: number
  bytes: number
}

export class AsyncDelivery {
  readonly #pool: ProducerPool
  readonly #limits: (cluster: string) => AsyncDeliveryOptions
  readonly #logger: Logger
  /** Per backend cluster, since each has its own bounds. */
  readonly #usage = new Map<string, Usage>()
  #total = 0
  #delivered = 0
  #resent = 0
  #draining = false
  /** Backend clusters whose last send failed; cleared by the next success. */
  readonly #failing = new Map<string, string>()
  readonly #settled = new Set<() => void>()

  constructor(
    pool: ProducerPool,
    limits: (cluster: string) => AsyncDeliveryOptions,
    logger: Logger
  ) {
    this.#pool = pool
    this.#limits = limits
    this.#logger = logger
  }

  /** Sends repeated after a failure whose outcome may have been a write. */
  get resent(): number {
    return this.#resent
  }

  /** Records accepted and not yet acknowledged, across clusters. */
  get buffered(): number {
    return this.#total
  }

  /** Takes all the records or none: throws a 503 GatewayError when they cannot be accepted. */
  accept(cluster: string, records: readonly OutgoingRecord[], options: SendOptions): void {
    if (this.#draining) {
      throw shuttingDown()
    }
    const limits = this.#limits(cluster)
    const usage = this.#usage.get(cluster) ?? { records: 0, bytes: 0 }
    this.#usage.set(cluster, usage)
    const sizes = records.map(recordBytes)
    const bytes = sizes.reduce((sum, n) => sum + n, 0)
    if (
      usage.records + records.length > limits.maxRecords ||
      usage.bytes + bytes > limits.maxBytes
    ) {
      throw new GatewayError('overloaded', 'the async delivery buffer is full', {
        retryAfterSeconds: 1,
      })
    }
    usage.records += records.length
    usage.bytes += bytes
    this.#total += records.length
    records.forEach(
      (record, i) => void this.#deliver(cluster, record, options, sizes[i] ?? 0, usage, limits)
    )
  }

  async #deliver(
    cluster: string,
    record: OutgoingRecord,
    options: SendOptions,
    bytes: number,
    usage: Usage,
    limits: AsyncDeliveryOptions
  ): Promise<void> {
    let backoff = limits.retryBackoffMs
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) this.#resent++
      try {
        await this.#pool.send(cluster, record, options)
        if (this.#failing.delete(cluster)) {
          this.#logger.info(
            { backendCluster: cluster, resent: this.#resent },
            'async delivery recovered'
          )
        }
        this.#delivered++
        break
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err)
        if (backendFault(err)) {
          // One line when the cluster starts failing, not one per buffered record and retry.
          if (!this.#failing.has(cluster)) {
            this.#logger.warn(
              { backendCluster: cluster, topic: record.topic, reason, buffered: this.#total },
              'async delivery failed: retrying every buffered record with backoff'
            )
          }
          this.#failing.set(cluster, reason)
        } else {
          // The record itself is refused (a topic that does not exist...): the backend is fine,
          // so other records keep being accepted; this one is kept and tried again.
          this.#logger.error(
            { backendCluster: cluster, topic: record.topic, retryInMs: backoff, reason },
            'async delivery refused by the brokers, retrying'
          )
        }
        await new Promise((resolve) => setTimeout(resolve, backoff))
        backoff = Math.min(backoff * 2, limits.maxBackoffMs ?? 5000)
      }
    }
    usage.records--
    usage.bytes -= bytes
    this.#total--
    if (this.#total === 0) {
      for (const resolve of this.#settled) resolve()
      this.#settled.clear()
    }
  }

  /**
   * Refuses new records (503) from now on. Call it as soon as shutdown begins: requests that still
   * arrive on open keep-alive connections while the listeners close must not be accepted.
   */
  stopAccepting(): void {
    this.#draining = true
  }

  /** Refuses new records and waits (up to `timeoutMs`) until every accepted one is delivered. */
  async drain(timeoutMs: number): Promise<DrainResult> {
    this.#draining = true
    if (this.#total > 0) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        new Promise<void>((resolve) => this.#settled.add(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ])
      clearTimeout(timer)
    }
    if (this.#total > 0) {
      this.#logger.error(
        { undelivered: this.#total },
        'shutdown deadline passed with accepted records still undelivered'
      )
    }
    return { delivered: this.#delivered, resent: this.#resent, undelivered: this.#total }
  }
}

/** Whether a failed send says the backend is failing, rather than that this record is refused. */
function backendFault(err: unknown): boolean {
  if (!(err instanceof GatewayError)) return true
  return err.code === 'backend-unavailable' || err.code === 'backend-timeout'
}
