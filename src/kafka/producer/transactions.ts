// Requests written all-or-nothing: each goes through a Kafka transaction of its own, so that a
// read_committed consumer sees all of its records or none, across partitions, batches and backend
// failures. Used for `delivery.atomic` routes, and for any request too large for one record batch
// (it has to be split, and a split request must not be half written).
//
// A transactional producer runs one transaction at a time: each backend cluster has a few, taken
// in turn, and as many more for each tenant identity (../backend-identity.ts) writing there: a
// transaction is written as the tenant's own user, which then needs WRITE and DESCRIBE on the
// transactional ids (their prefix) at the broker. Their transactional ids are stable for a process (host, pid, pool), so a producer that
// replaces a failed one takes over its id, which fences the old one and aborts whatever it left
// open. A producer that failed is always replaced: kafkajs does not bump the epoch after an
// abort, so sequence numbers it rolled back could not be trusted.
import { hostname } from 'node:os'
import type { BackendClusterConfig } from '../../config/index.ts'
import { GatewayError } from '../../core/errors.ts'
import type { Logger } from '../../observability/logger.ts'
import type { BackendClusters } from '../backend-clusters.ts'
import { identityKey, type BackendIdentity } from '../backend-identity.ts'
import type { KafkaProducer } from '../client/port.ts'
import { toGatewayError } from './errors.ts'
import type { OutgoingRecord, RecordAck, SendOptions } from './record.ts'

/**
 * How long a transaction may stay open before the coordinator aborts it: what a read_committed
 * consumer may be held up by a transaction that a crashed node left behind.
 */
const TRANSACTION_TIMEOUT_MS = 15_000

interface Slot {
  id: string
  identity: BackendIdentity | undefined
  busy: boolean
  entry: { producer: KafkaProducer; ready: Promise<void> } | undefined
}

/** Pools in this process: part of each transactional id, so that two pools never share one. */
let pools = 0

export class TransactionalProducers {
  readonly #backends: BackendClusters
  readonly #settings: (cluster: string) => BackendClusterConfig['producer']
  readonly #logger: Logger
  readonly #pool = pools++
  readonly #slots = new Map<string, Slot[]>()
  readonly #waiting = new Map<string, (() => void)[]>()
  readonly #running = new Set<Promise<unknown>>()

  constructor(
    backends: BackendClusters,
    settings: (cluster: string) => BackendClusterConfig['producer'],
    logger: Logger
  ) {
    this.#backends = backends
    this.#settings = settings
    this.#logger = logger
  }

  /**
   * Writes the chunks (each one produce request) in one transaction. Resolves once it committed;
   * rejects once it is certain never to commit (aborted, or no longer to be committed because
   * `timeoutMs` passed first), or, if the commit itself failed, saying that its outcome is unknown.
   */
  run(
    cluster: string,
    chunks: readonly OutgoingRecord[][],
    options: SendOptions,
    timeoutMs: number
  ): Promise<RecordAck[]> {
    return new Promise((resolve, reject) => {
      let state: 'pending' | 'committing' | 'expired' = 'pending'
      const timer = setTimeout(() => {
        if (state !== 'pending') return
        state = 'expired'
        reject(
          new GatewayError(
            'backend-timeout',
            `the brokers did not acknowledge within ${timeoutMs} ms; the transaction is aborted: nothing was written`
          )
        )
      }, timeoutMs)
      const work = this.#transact(cluster, chunks, options, {
        wanted: () => state === 'pending',
        commit: () => {
          if (state !== 'pending') return false
          state = 'committing'
          return true
        },
      })
      this.#running.add(work)
      void work.then(resolve, reject).finally(() => {
        clearTimeout(timer)
        this.#running.delete(work)
      })
    })
  }

  /** Waits for the transactions under way, then disconnects every producer. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#running])
    const entries = [...this.#slots.values()].flat().flatMap((s) => s.entry ?? [])
    await Promise.allSettled(entries.map((e) => e.producer.disconnect()))
    this.#slots.clear()
  }

  async #transact(
    cluster: string,
    chunks: readonly OutgoingRecord[][],
    options: SendOptions,
    decide: { wanted(): boolean; commit(): boolean }
  ): Promise<RecordAck[]> {
    const pool = poolKey(cluster, options.identity)
    const slot = await this.#acquire(cluster, options.identity)
    // Already answered (timed out while waiting for a producer): nothing to do.
    if (!decide.wanted()) {
      this.#release(pool, slot)
      return []
    }
    let committing = false
    try {
      const { producer } = await this.#connect(cluster, slot)
      const transaction = await producer.transaction()
      try {
        const acks: RecordAck[] = []
        for (const chunk of chunks) {
          const sent = await transaction.send(chunk, {
            acks: 'all', // a transaction needs every in-sync replica's acknowledgement
            compression: options.compression,
          })
          acks.push(...sent)
        }
        if (!decide.commit()) throw new Error('expired before its commit')
        committing = true
        await transaction.commit()
        return acks
      } catch (err) {
        if (!committing) await transaction.abort().catch(() => undefined)
        throw err
      }
    } catch (err) {
      const error = toGatewayError(err, cluster)
      this.#logger.warn({ err, backendCluster: cluster, committing }, 'transaction failed')
      await this.#replace(slot)
      throw new GatewayError(
        error.code,
        committing
          ? `${error.detail}; the transaction's commit failed and its outcome is unknown: the records may or may not have been written`
          : `${error.detail}; the transaction was aborted: nothing was written`,
        {
          extensions: error.extensions,
          retryAfterSeconds: error.retryAfterSeconds,
          cause: err,
        }
      )
    } finally {
      this.#release(pool, slot)
    }
  }

  async #acquire(cluster: string, identity: BackendIdentity | undefined): Promise<Slot> {
    const pool = poolKey(cluster, identity)
    let slots = this.#slots.get(pool)
    if (!slots) {
      const { transactionalIdPrefix, transactionalProducers } = this.#settings(cluster)
      const base = `${transactionalIdPrefix}-${hostname()}-${process.pid}-${this.#pool}-${pool}`
      slots = Array.from({ length: transactionalProducers }, (_, n) => ({
        id: `${base}-${n}`,
        identity,
        busy: false,
        entry: undefined,
      }))
      this.#slots.set(pool, slots)
    }
    for (;;) {
      const free = slots.find((s) => !s.busy)
      if (free) {
        free.busy = true
        return free
      }
      await new Promise<void>((resolve) => {
        const waiting = this.#waiting.get(pool) ?? []
        waiting.push(resolve)
        this.#waiting.set(pool, waiting)
      })
    }
  }

  #release(pool: string, slot: Slot): void {
    slot.busy = false
    this.#waiting.get(pool)?.shift()?.()
  }

  async #connect(cluster: string, slot: Slot): Promise<NonNullable<Slot['entry']>> {
    if (!slot.entry) {
      const settings = this.#settings(cluster)
      const producer = this.#backends.client(cluster, slot.identity).producer({
        transactional: { id: slot.id, timeoutMs: TRANSACTION_TIMEOUT_MS },
        idempotent: true,
        maxInFlightRequests: 1,
        // The usual retry here is CONCURRENT_TRANSACTIONS: the previous transaction's markers are
        // still being written. It clears in milliseconds; Java's producer retries it after 20 ms.
        retries: settings.retries,
        retryBackoffMs: Math.min(settings.retryBackoffMs, 20),
      })
      // connect() also registers the transactional id (InitProducerId).
      slot.entry = { producer, ready: producer.connect() }
    }
    await slot.entry.ready
    return slot.entry
  }

  /** A failed producer makes way for a new one with the same transactional id. */
  async #replace(slot: Slot): Promise<void> {
    const entry = slot.entry
    slot.entry = undefined
    await entry?.producer.disconnect().catch(() => undefined)
  }
}

/**
 * The producers of one cluster and identity; part of their transactional ids, so that two
 * identities never take over each other's (the backend cluster's own keeps its plain ids).
 */
function poolKey(cluster: string, identity: BackendIdentity | undefined): string {
  return identity === undefined ? cluster : `${cluster}-${identityKey(identity)}`
}
