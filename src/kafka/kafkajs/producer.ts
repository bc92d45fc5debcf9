// The port's producer on kafkajs. kafkajs picks partitions inside send() and reports offsets per
// partition only. To give every record its own offset, the partitioner installed here remembers
// which partition each message got; offsets then follow from the partition's base offset and the
// message's place in it. The same memory tells, after a failure, whether any record was on its way.
import {
  CompressionTypes,
  Partitioners,
  type ICustomPartitioner,
  type Kafka,
  type Message,
  type Producer,
  type Transaction,
} from 'kafkajs'
import type {
  KafkaProducer,
  KafkaTransaction,
  ProduceRequestOptions,
  ProducerOptions,
} from '../client/port.ts'
import { ProduceFailure } from '../client/port.ts'
import type { Acks, OutgoingRecord, RecordAck } from '../producer/record.ts'
import { compressionType } from './compression.ts'

const acksValue: Record<Acks, number> = { all: -1, leader: 1, none: 0 }

/** A record as kafkajs takes it; the partitioner remembers where each one went. */
interface KafkaJsMessage {
  key: Buffer | null
  value: Buffer | null
  headers: Record<string, Buffer>
  partition?: number
  timestamp: string
}

interface PartitionTracker {
  createPartitioner: ICustomPartitioner
  partitionOf(message: Message): number | undefined
}

function partitionTracker(): PartitionTracker {
  const assigned = new WeakMap<Message, number>()
  const createPartitioner: ICustomPartitioner = () => {
    // Kafka's default: an explicit partition, else murmur2 of the key, else round-robin.
    const choose = Partitioners.DefaultPartitioner()
    return (args) => {
      const partition = choose(args)
      assigned.set(args.message, partition)
      return partition
    }
  }
  return { createPartitioner, partitionOf: (message) => assigned.get(message) }
}

export function kafkaJsProducer(kafka: Kafka, options: ProducerOptions): KafkaProducer {
  const tracker = partitionTracker()
  const { transactional } = options
  const producer = kafka.producer({
    idempotent: options.idempotent,
    createPartitioner: tracker.createPartitioner,
    allowAutoTopicCreation: false,
    retry: {
      retries: options.retries,
      ...(options.retryBackoffMs === undefined ? {} : { initialRetryTime: options.retryBackoffMs }),
    },
    ...(transactional === undefined
      ? {}
      : { transactionalId: transactional.id, transactionTimeout: transactional.timeoutMs }),
    ...(options.maxInFlightRequests === undefined
      ? {}
      : { maxInFlightRequests: options.maxInFlightRequests }),
  })
  return {
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    send: (records, request) => sendRecords(producer, tracker, records, request),
    async transaction(): Promise<KafkaTransaction> {
      const transaction: Transaction = await producer.transaction()
      return {
        send: (records, request) => sendRecords(transaction, tracker, records, request),
        commit: () => transaction.commit(),
        abort: () => transaction.abort(),
      }
    },
  }
}

/** Sends `records` in one sendBatch; one ack per record, in order. */
async function sendRecords(
  sender: Pick<Producer, 'sendBatch'>,
  tracker: PartitionTracker,
  records: readonly OutgoingRecord[],
  options: ProduceRequestOptions
): Promise<RecordAck[]> {
  // Kept to learn the records' partitions, after a failure too.
  const messages: KafkaJsMessage[] = records.map((record) => ({
    key: record.key,
    value: record.value,
    headers: record.headers,
    partition: record.partition,
    timestamp: String(record.timestamp ?? Date.now()),
  }))
  const byTopic = new Map<string, KafkaJsMessage[]>()
  records.forEach((record, i) => {
    let list = byTopic.get(record.topic)
    if (!list) byTopic.set(record.topic, (list = []))
    list.push(messages[i] as KafkaJsMessage)
  })
  let results: Awaited<ReturnType<Producer['sendBatch']>>
  try {
    results = await sender.sendBatch({
      acks: acksValue[options.acks],
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      compression:
        options.compression === 'none'
          ? CompressionTypes.None
          : compressionType(options.compression),
      topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
    })
  } catch (err) {
    // kafkajs fails a topic missing from its metadata before partitioning: nothing was sent.
    const attempted = messages.some((m) => tracker.partitionOf(m) !== undefined)
    throw new ProduceFailure(err, attempted)
  }
  // acks=0: the broker answers nothing, so there are no offsets to report.
  const bases = new Map(
    results.map((r) => [
      `${r.topicName}|${r.partition}`,
      { base: BigInt(r.baseOffset ?? '-1'), logAppendTime: r.logAppendTime ?? '-1' },
    ])
  )
  const seen = new Map<string, bigint>()
  return records.map((record, i) => {
    const message = messages[i] as KafkaJsMessage
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
}
