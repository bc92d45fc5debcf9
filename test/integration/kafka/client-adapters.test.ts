// The client port's producer on each adapter, against the real broker: one ack per record with
// its partition and offset, Kafka's default partitioner (the same partition for a key whichever
// library writes it), and a send refused before anything was written.
import { describe, expect, it } from 'vitest'
import { BackendCluster } from '../../../src/config/schema/clusters.ts'
import { ProduceFailure } from '../../../src/kafka/client/port.ts'
import { kafkaJsClient } from '../../../src/kafka/kafkajs/client.ts'
import { platformaticClient } from '../../../src/kafka/platformatic/client.ts'
import { toGatewayError } from '../../../src/kafka/producer/errors.ts'
import type { OutgoingRecord } from '../../../src/kafka/producer/record.ts'
import { createLogger } from '../../../src/observability/logger.ts'
import { createTopic, stack, testKafka } from '../../support/kafka.ts'

const adapters = { kafkajs: kafkaJsClient, platformatic: platformaticClient }
const logger = createLogger({ level: 'silent' })

function producerOf(adapter: keyof typeof adapters, idempotent = true) {
  const cluster = BackendCluster.parse({ name: 'main', bootstrapServers: stack().bootstrap })
  return adapters[adapter](cluster, logger).producer({ idempotent, retries: 2 })
}

const keyed = (topic: string, key: string, partition?: number): OutgoingRecord => ({
  topic,
  key: Buffer.from(key),
  value: Buffer.from(`value of ${key}`),
  headers: { source: Buffer.from('test') },
  partition,
  timestamp: 1_700_000_000_000,
})

/** Keys of which some have a negative murmur2: partitioned the Java way, not by murmur2 >>> 0. */
const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`)

async function withProducer<T>(
  producer: ReturnType<typeof producerOf>,
  run: () => Promise<T>
): Promise<T> {
  await producer.connect()
  try {
    return await run()
  } finally {
    await producer.disconnect()
  }
}

describe.each(['kafkajs', 'platformatic'] as const)('the %s adapter producer', (adapter) => {
  it('acknowledges each record with its partition and offset, in the records order', async () => {
    const topic = await createTopic('adapter-acks', 3)
    const producer = producerOf(adapter)
    const records = keys.map((key) => keyed(topic, key))
    const acks = await withProducer(producer, async () => {
      const first = await producer.send(records, { acks: 'all', compression: 'lz4' })
      const second = await producer.send(records.slice(0, 2), { acks: 'all', compression: 'zstd' })
      return [...first, ...second]
    })
    // Where kafkajs's consumer reads each record is where the ack said it went.
    const read = await readAll(topic, acks.length)
    for (const [i, ack] of acks.entries()) {
      const key = keys[i % keys.length]
      expect(
        read.get(`${ack.partition}@${ack.offset}`),
        `${key} at ${ack.partition}@${ack.offset}`
      ).toBe(key)
    }
    expect(new Set(acks.map((a) => a.partition))).toEqual(new Set([0, 1, 2]))
  })

  it('puts a key on the partition Kafka default partitioner gives it', async () => {
    const topic = await createTopic('adapter-partitions', 7)
    const producer = producerOf(adapter)
    const acks = await withProducer(producer, () =>
      producer.send(
        keys.map((key) => keyed(topic, key)),
        { acks: 'all', compression: 'none' }
      )
    )
    // The partitions kafkajs's DefaultPartitioner (Java's) gives these keys on 7 partitions.
    expect(acks.map((a) => a.partition)).toEqual(javaPartitions)
  })

  it('reports offset -1 for acks none', async () => {
    const topic = await createTopic('adapter-acks-none', 1)
    const producer = producerOf(adapter, false)
    const acks = await withProducer(producer, () =>
      producer.send([keyed(topic, 'a')], { acks: 'none', compression: 'gzip' })
    )
    expect(acks).toEqual([{ topic, partition: 0, offset: '-1', timestamp: '1700000000000' }])
  })

  it('refuses a missing topic as UNKNOWN_TOPIC_OR_PARTITION, having sent nothing', async () => {
    const producer = producerOf(adapter)
    const failed = withProducer(producer, () =>
      producer.send([keyed('adapter-no-such-topic-x', 'a')], { acks: 'all', compression: 'none' })
    )
    const error = await failed.then(
      () => undefined,
      (err: unknown) => err
    )
    expect(error).toBeInstanceOf(ProduceFailure)
    expect(error).toMatchObject({ attempted: false })
    // As the producer's error mapping reads it (the Kafka error name, however deep).
    expect(toGatewayError(error, 'main')).toMatchObject({
      code: 'not-found',
      detail: 'the topic or partition does not exist (UNKNOWN_TOPIC_OR_PARTITION)',
    })
  })
})

describe('the platformatic adapter producer', () => {
  it('refuses a partition the topic does not have, instead of wrapping it onto another', async () => {
    const topic = await createTopic('adapter-bad-partition', 2)
    const producer = producerOf('platformatic')
    const failed = withProducer(producer, () =>
      producer.send([keyed(topic, 'a', 5)], { acks: 'all', compression: 'none' })
    )
    await expect(failed).rejects.toMatchObject({
      name: 'ProduceFailure',
      attempted: false,
      cause: { type: 'UNKNOWN_TOPIC_OR_PARTITION' },
    })
  })
})

/** `count` records of `topic`, by `partition@offset`: their keys. */
async function readAll(topic: string, count: number): Promise<Map<string, string>> {
  const consumer = testKafka().consumer({ groupId: `${topic}-reader` })
  const seen = new Map<string, string>()
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            seen.set(`${partition}@${message.offset}`, message.key?.toString() ?? '')
            if (seen.size >= count) resolve()
          },
        })
        .catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  return seen
}

// kafkajs's DefaultPartitioner for `keys` on 7 partitions; @platformatic/kafka's own default
// (murmur2 >>> 0) puts 13 of these 40 keys elsewhere.
const javaPartitions = [
  0, 5, 4, 4, 5, 4, 5, 3, 4, 2, 3, 3, 2, 2, 2, 1, 0, 2, 6, 5, 5, 3, 0, 1, 3, 0, 0, 1, 3, 0, 5, 2, 2,
  5, 3, 2, 1, 4, 5, 0,
]
