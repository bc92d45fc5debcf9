// The producers of one node: per backend cluster and acks/compression pair, a producer,
// idempotent for acks=all; per topic of it, a lane: the batcher that feeds it. Producers connect on
// first use; kafkajs reconnects and refreshes metadata on demand.
//
// Lanes are per topic so that one topic's trouble never holds another's records: a batch waits
// for every record in it, and an idempotent lane has one batch in flight at a time, so a topic
// whose sends are slow or failing would otherwise stall everything queued behind it. (A missing
// topic never gets here: produce asks the topic cache first, see backend/topic-cache.ts.)
//
// A producer whose send or connect failed is replaced by a new one. kafkajs rolls an idempotent
// producer's sequence numbers back on any failure, even when the brokers did write the batch (a
// timeout, or another partition of the same request failing). The next batch then reuses those
// numbers: the brokers refuse it with OUT_OF_ORDER_SEQUENCE_NUMBER, forever, or, when it has as many
// records as the batch they took, drop it as a duplicate and answer success: acknowledged records
// that are not in the log. A new producer has a new producer id and numbers from zero. Sequence
// numbers are per partition, and a partition belongs to one lane, which has one batch in flight:
// no batch can pick up numbers that a failing one is about to give back. And a connect that timed
// out (a stalled broker) can leave kafkajs with an open socket it never finished setting up,
// failing every request with "Broker not connected", forever.
import { CompressionTypes, type Producer } from 'kafkajs'
import type { BackendClusterConfig } from '../../config/index.ts'
import type { Logger } from '../../observability/logger.ts'
import type { BackendClusters } from '../backend-clusters.ts'
import { compressionType, registerCompressionCodecs } from '../compression.ts'
import { RecordBatcher } from './batcher.ts'
import { toGatewayError } from './errors.ts'
import { partitionTracker, type PartitionTracker } from './partitions.ts'
import type { Acks, OutgoingRecord, RecordAck, SendOptions } from './record.ts'

const acksValue: Record<Acks, number> = { all: -1, leader: 1, none: 0 }

/** One batcher and the producer it feeds. */
interface Lane {
  /** The producer's id: cluster, acks and compression. */
  id: string
  cluster: string
  idempotent: boolean
  options: SendOptions
}

/** A record as kafkajs takes it; the partitioner remembers where each one went. */
interface KafkaMessage {
  key: Buffer | null
  value: Buffer | null
  headers: Record<string, Buffer>
  partition?: number
  timestamp: string
}

interface ProducerEntry {
  producer: Producer
  tracker: PartitionTracker
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

  constructor(backends: BackendClusters, configs: readonly BackendClusterConfig[], logger: Logger) {
    registerCompressionCodecs()
    this.#backends = backends
    this.#configs = new Map(configs.map((c) => [c.name, c]))
    this.#logger = logger
  }

  /** Sends one record through the batcher; resolves once the brokers acknowledged it. */
  send(cluster: string, record: OutgoingRecord, options: SendOptions): Promise<RecordAck> {
    return this.#batcher(cluster, record.topic, options).add(record)
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
    const id = `${cluster}|${options.acks}|${options.compression}`
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
      const tracker = partitionTracker()
      const producer = this.#backends.kafka(lane.cluster).producer({
        idempotent: lane.idempotent,
        createPartitioner: tracker.createPartitioner,
        allowAutoTopicCreation: false,
        retry: { retries: settings.retries, initialRetryTime: settings.retryBackoffMs },
      })
      entry = { producer, tracker, connecting: undefined, sending: 0, retired: false }
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
    const messages: KafkaMessage[] = []
    try {
      let current = await this.#producer(lane)
      // Replaced while this batch waited for it to connect: take the new one.
      while (current.retired) current = await this.#producer(lane)
      entry = current
      entry.sending++
      const { producer, tracker } = entry
      const byTopic = new Map<string, KafkaMessage[]>()
      for (const record of records) {
        const message: KafkaMessage = {
          key: record.key,
          value: record.value,
          headers: record.headers,
          partition: record.partition,
          timestamp: String(record.timestamp ?? Date.now()),
        }
        let list = byTopic.get(record.topic)
        if (!list) byTopic.set(record.topic, (list = []))
        list.push(message)
        messages.push(message)
      }
      const results = await producer.sendBatch({
        acks: acksValue[options.acks],
        compression:
          options.compression === 'none'
            ? CompressionTypes.None
            : compressionType(options.compression),
        topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
      })
      // acks=0: the broker answers nothing, so there are no offsets to report.
      const bases = new Map(
        results.map((r) => [
          `${r.topicName}|${r.partition}`,
          { base: BigInt(r.baseOffset ?? '-1'), logAppendTime: r.logAppendTime ?? '-1' },
        ])
      )
      const seen = new Map<string, bigint>()
      const acks = records.map((record, i): RecordAck => {
        const message = messages[i] as (typeof messages)[number]
        const partition = message.partition ?? tracker.partitionOf(message) ?? -1
        const id = `${record.topic}|${partition}`
        const index = seen.get(id) ?? 0n
        seen.set(id, index + 1n)
        const result = bases.get(id)
        const offset = result && result.base >= 0n ? String(result.base + index) : '-1'
        const appendTime =
          result?.logAppendTime && result.logAppendTime !== '-1'
            ? result.logAppendTime
            : message.timestamp
        return { topic: record.topic, partition, offset, timestamp: appendTime }
      })
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
      // A topic missing from the metadata says nothing about the producer: kafkajs fails it before
      // partitioning, so nothing was sent. Any other failure, or a missing topic reported by the
      // produce response itself (other partitions of that request may have been written, and
      // kafkajs rolled their sequence numbers back), takes the producer out of use.
      const sent =
        entry !== undefined && messages.some((m) => entry?.tracker.partitionOf(m) !== undefined)
      if (entry && (error.code !== 'not-found' || sent)) {
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
