// The port's producer on @platformatic/kafka. Weir chooses each record's partition itself (Kafka's
// default partitioner: an explicit partition, else murmur2 of the key, else round-robin), from
// the cluster metadata it asks for first, and hands the library explicit partitions: the
// library's own default partitioner differs from Java's and kafkajs's for keys whose murmur2 is
// negative, and it wraps a partition past the topic's last one instead of refusing it. A record's
// offset then follows from its partition's base offset and its place in it. A send that failed
// before the metadata answered, or on a partition the topic does not have, sent nothing.
//
// Idempotence is asked per send (acks=all only), not of the library's constructor, which would
// turn a retry count of 0 or 1 into unbounded retries; one request in flight per connection keeps
// the sequence numbers in order. After a failed send the library starts a new producer id, and
// the producer pool replaces the producer as it does for every adapter.
import {
  ProduceAcks,
  Producer,
  murmur2,
  type ClusterMetadata,
  type MessageToProduce,
  type ProduceResult,
} from '@platformatic/kafka'
import type { BackendClusterConfig } from '../../config/index.ts'
import type { BackendIdentity } from '../backend-identity.ts'
import type { ProducerOptions, RecordSender } from '../client/port.ts'
import { ProduceFailure } from '../client/port.ts'
import type { Acks, OutgoingRecord, RecordAck } from '../producer/record.ts'
import { platformaticConfig } from './config.ts'
import { PlatformaticKafkaError, toPortError } from './errors.ts'

const acksValue: Record<Acks, number> = {
  all: ProduceAcks.ALL,
  leader: ProduceAcks.LEADER,
  none: ProduceAcks.NO_RESPONSE,
}

type Message = MessageToProduce<Buffer, Buffer, string, Buffer>

/** A non-transactional producer: connect() and disconnect() besides the sender. */
export interface PlatformaticProducer extends RecordSender {
  connect(): Promise<void>
  disconnect(): Promise<void>
}

export function platformaticProducer(
  cluster: BackendClusterConfig,
  options: ProducerOptions,
  identity?: BackendIdentity
): PlatformaticProducer {
  const producer = new Producer<Buffer, Buffer, string, Buffer>({
    ...platformaticConfig(cluster, identity),
    idempotent: false,
    retries: options.retries,
    ...(options.retryBackoffMs === undefined ? {} : { retryDelay: options.retryBackoffMs }),
    maxInflights: options.idempotent ? 1 : (options.maxInFlightRequests ?? 5),
    autocreateTopics: false,
    // Header names are strings in Weir's records; the library writes Buffers.
    serializers: { headerKey: (name) => (name === undefined ? undefined : Buffer.from(name)) },
  })
  const roundRobin = new Map<string, number>()
  return {
    // The library connects on first use; asking for the brokers makes a dead cluster fail here.
    connect: async () => {
      try {
        await producer.metadata({ topics: [] })
      } catch (err) {
        throw toPortError(err)
      }
    },
    disconnect: () => producer.close(true),
    async send(records, request) {
      let metadata: ClusterMetadata
      try {
        metadata = await producer.metadata({ topics: [...new Set(records.map((r) => r.topic))] })
      } catch (err) {
        throw new ProduceFailure(toPortError(err), false)
      }
      const messages = records.map((record) => toMessage(record, metadata, roundRobin))
      let result: ProduceResult
      try {
        result = await producer.send({
          messages,
          acks: acksValue[request.acks],
          idempotent: options.idempotent && request.acks === 'all',
          ...(request.compression === 'none' ? {} : { compression: request.compression }),
        })
      } catch (err) {
        throw new ProduceFailure(toPortError(err), true)
      }
      return acknowledgements(records, messages, result)
    },
  }
}

/** The record as the library takes it, on the partition Kafka's default partitioner gives it. */
function toMessage(
  record: OutgoingRecord,
  metadata: ClusterMetadata,
  roundRobin: Map<string, number>
): Message {
  const partitions = metadata.topics.get(record.topic)?.partitionsCount ?? 0
  let partition = record.partition
  if (partition === undefined && record.key !== null) {
    partition = (murmur2(record.key, false) & 0x7fffffff) % partitions
  } else if (partition === undefined) {
    const next = roundRobin.get(record.topic) ?? 0
    roundRobin.set(record.topic, next + 1)
    partition = next % partitions
  }
  if (!(partition >= 0 && partition < partitions)) {
    const problem = `partition ${partition} of topic "${record.topic}" does not exist`
    const error = new PlatformaticKafkaError(
      'KafkaJSProtocolError',
      problem,
      'UNKNOWN_TOPIC_OR_PARTITION',
      undefined
    )
    throw new ProduceFailure(error, false)
  }
  return {
    topic: record.topic,
    partition,
    ...(record.key === null ? {} : { key: record.key }),
    ...(record.value === null ? {} : { value: record.value }),
    headers: record.headers,
    timestamp: BigInt(record.timestamp ?? Date.now()),
  }
}

/** One ack per record, in order: its partition's base offset plus its place among its records. */
function acknowledgements(
  records: readonly OutgoingRecord[],
  messages: readonly Message[],
  result: ProduceResult
): RecordAck[] {
  const bases = new Map<string, bigint>()
  for (const { topic, partition, offset } of result.offsets ?? []) {
    bases.set(`${topic}|${partition}`, offset)
  }
  const seen = new Map<string, bigint>()
  return records.map((record, i) => {
    const message = messages[i] as Message
    const partition = message.partition as number
    const id = `${record.topic}|${partition}`
    const index = seen.get(id) ?? 0n
    seen.set(id, index + 1n)
    const base = bases.get(id)
    // acks=none: the brokers answer nothing, so there is no offset to report.
    const offset = base !== undefined && base >= 0n ? String(base + index) : '-1'
    return { topic: record.topic, partition, offset, timestamp: String(message.timestamp) }
  })
}
