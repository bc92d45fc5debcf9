// The producers of one node: per backend cluster, an idempotent producer for acks=all and a plain
// one for weaker acks, each fed by batchers (one per acks/compression pair). Producers connect on
// first use and reconnect after failures by themselves (kafkajs refreshes metadata on demand).
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

interface ProducerEntry {
  producer: Producer
  tracker: PartitionTracker
  connecting: Promise<void> | undefined
}

export class ProducerPool {
  readonly #backends: BackendClusters
  readonly #configs: Map<string, BackendClusterConfig>
  readonly #logger: Logger
  readonly #producers = new Map<string, ProducerEntry>()
  readonly #batchers = new Map<string, RecordBatcher>()

  constructor(backends: BackendClusters, configs: readonly BackendClusterConfig[], logger: Logger) {
    registerCompressionCodecs()
    this.#backends = backends
    this.#configs = new Map(configs.map((c) => [c.name, c]))
    this.#logger = logger
  }

  /** Sends one record through the batcher; resolves once the brokers acknowledged it. */
  send(cluster: string, record: OutgoingRecord, options: SendOptions): Promise<RecordAck> {
    return this.#batcher(cluster, options).add(record)
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
    this.#producers.clear()
    this.#batchers.clear()
  }

  #config(cluster: string): BackendClusterConfig {
    const config = this.#configs.get(cluster)
    if (!config) throw new Error(`unknown backend cluster "${cluster}"`)
    return config
  }

  #batcher(cluster: string, options: SendOptions): RecordBatcher {
    const id = `${cluster}|${options.acks}|${options.compression}`
    let batcher = this.#batchers.get(id)
    if (!batcher) {
      const settings = this.#config(cluster).producer
      const idempotent = settings.idempotent && options.acks === 'all'
      batcher = new RecordBatcher({
        lingerMs: settings.lingerMs,
        maxRecords: settings.maxBatchRecords,
        maxBytes: settings.maxBatchBytes,
        // kafkajs's idempotent producer numbers batches as it builds them: keep them in order.
        maxInFlight: idempotent ? 1 : 5,
        flush: (records) => this.#flush(cluster, idempotent, options, records),
      })
      this.#batchers.set(id, batcher)
    }
    return batcher
  }

  async #producer(cluster: string, idempotent: boolean): Promise<ProducerEntry> {
    const id = `${cluster}|${idempotent}`
    let entry = this.#producers.get(id)
    if (!entry) {
      const settings = this.#config(cluster).producer
      const tracker = partitionTracker()
      const producer = this.#backends.kafka(cluster).producer({
        idempotent,
        createPartitioner: tracker.createPartitioner,
        allowAutoTopicCreation: false,
        retry: { retries: settings.retries, initialRetryTime: settings.retryBackoffMs },
      })
      entry = { producer, tracker, connecting: undefined }
      this.#producers.set(id, entry)
    }
    if (!entry.connecting) {
      const current = entry
      current.connecting = current.producer.connect().catch((err: unknown) => {
        current.connecting = undefined // try again on the next batch
        throw err
      })
    }
    await entry.connecting
    return entry
  }

  async #flush(
    cluster: string,
    idempotent: boolean,
    options: SendOptions,
    records: OutgoingRecord[]
  ): Promise<RecordAck[]> {
    try {
      const { producer, tracker } = await this.#producer(cluster, idempotent)
      const byTopic = new Map<
        string,
        {
          key: Buffer | null
          value: Buffer | null
          headers: Record<string, Buffer>
          partition?: number
          timestamp: string
        }[]
      >()
      const messages = records.map((record) => {
        const message = {
          key: record.key,
          value: record.value,
          headers: record.headers,
          partition: record.partition,
          timestamp: String(record.timestamp ?? Date.now()),
        }
        let list = byTopic.get(record.topic)
        if (!list) byTopic.set(record.topic, (list = []))
        list.push(message)
        return message
      })
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
      return records.map((record, i) => {
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
    } catch (err) {
      const error = toGatewayError(err, cluster)
      this.#logger.warn({ err, backendCluster: cluster, records: records.length }, 'produce failed')
      throw error
    }
  }
}
