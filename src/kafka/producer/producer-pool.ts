// The producers of one node: per backend cluster, backend identity (the tenant's credentials at
// the broker, see ../backend-identity.ts) and acks/compression pair, a producer, idempotent for
// acks=all; per topic of it, a lane: the batcher that feeds it. Producers connect on
// first use; the client reconnects and refreshes metadata on demand.
//
// Lanes are per topic so that one topic's trouble never holds another's records: a batch waits
// for every record in it, and an idempotent lane has one batch in flight at a time, so a topic
// whose sends are slow or failing would otherwise stall everything queued behind it. (A missing
// topic never gets here: produce asks the topic cache first, see backend/topic-cache.ts.)
//
// A producer whose send or connect failed is replaced by a new one. kafkajs (the client port's
// adapter, ../kafkajs/) rolls an idempotent
// producer's sequence numbers back on any failure, even when the brokers did write the batch (a
// timeout, or another partition of the same request failing). The next batch then reuses those
// numbers: the brokers refuse it with OUT_OF_ORDER_SEQUENCE_NUMBER, forever, or, when it has as many
// records as the batch they took, drop it as a duplicate and answer success: acknowledged records
// that are not in the log. A new producer has a new producer id and numbers from zero. Sequence
// numbers are per partition, and a partition belongs to one lane, which has one batch in flight:
// no batch can pick up numbers that a failing one is about to give back. And a connect that timed
// out (a stalled broker) can leave kafkajs with an open socket it never finished setting up,
// failing every request with "Broker not connected", forever.
//
// A request's records share one batch (see batcher.ts); a request too large for one batch of its
// topic, and any request of an atomic route, is written in a transaction instead (transactions.ts).
import type { BackendClusterConfig } from '../../config/index.ts'
import { GatewayError } from '../../core/errors.ts'
import type { Logger } from '../../observability/logger.ts'
import type { BackendClusters } from '../backend-clusters.ts'
import { identityKey } from '../backend-identity.ts'
import { ProduceFailure, type KafkaProducer } from '../client/port.ts'
import { RecordBatcher } from './batcher.ts'
import { toGatewayError } from './errors.ts'
import type { OutgoingRecord, RecordAck, SendOptions } from './record.ts'
import { chunks, planRequest, withTimeout, type RequestPlan } from './request.ts'
import { TopicLimits } from './topic-limits.ts'
import { TransactionalProducers } from './transactions.ts'

/** One batcher and the producer it feeds. */
interface Lane {
  /** The producer's id: cluster, identity, acks and compression. */
  id: string
  cluster: string
  idempotent: boolean
  options: SendOptions
}

interface ProducerEntry {
  producer: KafkaProducer
  connecting: Promise<void> | undefined
  /** Sends under way on this producer. */
  sending: number
  /** Replaced after a failure: disconnects once its last send is over. */
  retired: boolean
}

export class ProducerPool {
  readonly #backends: BackendClusters
  readonly #configs: Map<string, BackendClusterConfig>
  readonly #logger: Logger
  readonly #producers = new Map<string, ProducerEntry>()
  readonly #batchers = new Map<string, RecordBatcher>()
  /** Disconnects of retired producers, awaited by close(). */
  readonly #retiring = new Set<Promise<void>>()
  readonly #limits: TopicLimits
  readonly #transactions: TransactionalProducers

  constructor(backends: BackendClusters, configs: readonly BackendClusterConfig[], logger: Logger) {
    this.#backends = backends
    this.#configs = new Map(configs.map((c) => [c.name, c]))
    this.#logger = logger
    this.#limits = new TopicLimits(backends, logger)
    this.#transactions = new TransactionalProducers(
      backends,
      (cluster) => this.#config(cluster).producer,
      logger
    )
  }

  /** Sends one record through the batcher; resolves once the brokers acknowledged it. */
  async send(cluster: string, record: OutgoingRecord, options: SendOptions): Promise<RecordAck> {
    const limit = await this.#limits.maxMessageBytes(cluster, record.topic)
    const plan = planRequest([record], limit, options.compression)
    const [ack] = await this.#sent(
      cluster,
      plan,
      this.#batcher(cluster, plan.unit.topic, options).add(plan.unit)
    )
    return ack as RecordAck
  }

  /**
   * Sends one request's records (one topic): all are written, or the promise rejects and none
   * were, except after a timeout or a backend failure of a batch that is not a transaction (the
   * error then says they may have been). A record too large for the topic is refused (413) before
   * anything is sent. Atomic requests, and requests too large for one batch, go through a
   * transaction: all or nothing for read_committed consumers.
   */
  sendRequest(
    cluster: string,
    records: readonly OutgoingRecord[],
    options: SendOptions,
    request: { atomic: boolean; timeoutMs: number }
  ): Promise<RecordAck[]> {
    const send = (limit: number) =>
      this.#sendPlanned(cluster, planRequest(records, limit, options.compression), options, request)
    const limit = this.#limits.maxMessageBytes(cluster, records[0]?.topic ?? '')
    if (typeof limit !== 'number') return limit.then(send)
    // Planned at once when the topic's limit is known (every request but the first in a while);
    // a refusal (413) is still a rejection, as from the promise.
    try {
      return send(limit)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  #sendPlanned(
    cluster: string,
    plan: RequestPlan,
    options: SendOptions,
    request: { atomic: boolean; timeoutMs: number }
  ): Promise<RecordAck[]> {
    if (request.atomic || plan.split) {
      const run = this.#transactions.run(cluster, chunks(plan), options, request.timeoutMs)
      return this.#sent(cluster, plan, run)
    }
    const sent = this.#sent(
      cluster,
      plan,
      this.#batcher(cluster, plan.unit.topic, options).add(plan.unit)
    )
    return withTimeout(sent, request.timeoutMs)
  }

  /** Throws 413 if one of the records is too large for its topic, as sendRequest would. */
  async checkSizes(
    cluster: string,
    records: readonly OutgoingRecord[],
    options: SendOptions
  ): Promise<void> {
    const limit = await this.#limits.maxMessageBytes(cluster, records[0]?.topic ?? '')
    planRequest(records, limit, options.compression)
  }

  /** A batch refused as too large was sized from a limit that has changed: ask it again. */
  #sent<T>(cluster: string, plan: RequestPlan, sending: Promise<T>): Promise<T> {
    return sending.catch((err: unknown) => {
      if (err instanceof GatewayError && err.code === 'payload-too-large')
        this.#limits.forget(cluster, plan.unit.topic)
      throw err
    })
  }

  /** Records queued or in flight, across all batchers. */
  get pending(): number {
    let total = 0
    for (const batcher of this.#batchers.values()) total += batcher.pending
    return total
  }

  /** Sends what is queued and waits for it; then disconnects every producer. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#batchers.values()].map((b) => b.drain()))
    await this.#transactions.close()
    await Promise.allSettled([...this.#producers.values()].map((e) => e.producer.disconnect()))
    await Promise.allSettled([...this.#retiring])
    this.#producers.clear()
    this.#batchers.clear()
  }

  #config(cluster: string): BackendClusterConfig {
    const config = this.#configs.get(cluster)
    if (!config) throw new Error(`unknown backend cluster "${cluster}"`)
    return config
  }

  #batcher(cluster: string, topic: string, options: SendOptions): RecordBatcher {
    const id = `${cluster}|${identityKey(options.identity)}|${options.acks}|${options.compression}`
    let batcher = this.#batchers.get(`${id}|${topic}`)
    if (!batcher) {
      const settings = this.#config(cluster).producer
      const idempotent = settings.idempotent && options.acks === 'all'
      batcher = new RecordBatcher({
        lingerMs: settings.lingerMs,
        maxRecords: settings.maxBatchRecords,
        maxBytes: settings.maxBatchBytes,
        // kafkajs's idempotent producer numbers batches as it builds them: keep them in order.
        maxInFlight: idempotent ? 1 : 5,
        flush: (records) => this.#send({ id, cluster, idempotent, options }, records),
      })
      this.#batchers.set(`${id}|${topic}`, batcher)
    }
    return batcher
  }

  async #producer(lane: Lane): Promise<ProducerEntry> {
    let entry = this.#producers.get(lane.id)
    if (!entry) {
      const settings = this.#config(lane.cluster).producer
      const producer = this.#backends.client(lane.cluster, lane.options.identity).producer({
        idempotent: lane.idempotent,
        retries: settings.retries,
        retryBackoffMs: settings.retryBackoffMs,
      })
      entry = { producer, connecting: undefined, sending: 0, retired: false }
      this.#producers.set(lane.id, entry)
    }
    if (!entry.connecting) {
      const current = entry
      current.connecting = current.producer.connect().catch((err: unknown) => {
        this.#retire(lane, current) // the next batch starts afresh
        throw err
      })
    }
    await entry.connecting
    return entry
  }

  async #send(lane: Lane, records: OutgoingRecord[]): Promise<RecordAck[]> {
    const { cluster, idempotent, options } = lane
    let entry: ProducerEntry | undefined
    try {
      let current = await this.#producer(lane)
      // Replaced while this batch waited for it to connect: take the new one.
      while (current.retired) current = await this.#producer(lane)
      entry = current
      entry.sending++
      const acks = await entry.producer.send(records, options)
      this.#backends.health(cluster).succeeded()
      return acks
    } catch (err) {
      const error = toGatewayError(err, cluster)
      // Tell the cluster's circuit breaker (it checks whether the cluster is down) or topic cache.
      if (error.code === 'backend-unavailable' || error.code === 'backend-timeout') {
        this.#backends.health(cluster).suspect()
      } else if (error.code === 'not-found') {
        for (const topic of new Set(records.map((r) => r.topic))) {
          this.#backends.topics(cluster).forget(topic)
        }
      }
      this.#logger.warn({ err, backendCluster: cluster, records: records.length }, 'produce failed')
      // A topic missing from the metadata, or one the broker refuses to describe to this identity,
      // says nothing about the producer: the client fails it before any record is on its way, so
      // nothing was sent. Any other failure, or one reported by the produce response itself
      // (other partitions of that request may have been written, and kafkajs rolled their
      // sequence numbers back), takes the producer out of use.
      const sent = err instanceof ProduceFailure && err.attempted
      const unsent = error.code === 'not-found' || error.code === 'forbidden'
      if (entry && (!unsent || sent)) {
        if (idempotent) {
          this.#logger.warn(
            { backendCluster: cluster },
            'idempotent producer replaced after a failed send; records of that send that are sent again may be written twice if the brokers took them the first time'
          )
        }
        this.#retire(lane, entry)
      }
      throw error
    } finally {
      if (entry) {
        entry.sending--
        if (entry.retired && entry.sending === 0) this.#disconnect(entry)
      }
    }
  }

  /**
   * Takes a failed producer out of use; the next batch gets a new one (for an idempotent producer,
   * a new producer id). Records of a failed send that are sent again (async delivery retries them)
   * may be written twice if the brokers did take them the first time: at least once, never lost.
   */
  #retire(lane: Lane, entry: ProducerEntry): void {
    if (entry.retired) return
    entry.retired = true
    if (this.#producers.get(lane.id) === entry) this.#producers.delete(lane.id)
    if (entry.sending === 0) this.#disconnect(entry)
  }

  #disconnect(entry: ProducerEntry): void {
    const done = entry.producer
      .disconnect()
      .catch(() => undefined)
      .finally(() => this.#retiring.delete(done))
    this.#retiring.add(done)
  }
}
