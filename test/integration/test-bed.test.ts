// Proves the test bed: a real broker and a real registry answer, and the clients Weir is built on
// work against them.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { Kafka, logLevel, type KafkaMessage, type SASLOptions } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { kafkaSaslUsers } from '../../scripts/local-stack/kafka.ts'
import { createTopic, stack, testKafka, uniqueName } from '../support/kafka.ts'

async function consumeOne(kafka: Kafka, topic: string): Promise<KafkaMessage> {
  const consumer = kafka.consumer({ groupId: uniqueName('test-bed') })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  try {
    return await new Promise<KafkaMessage>((resolve, reject) => {
      consumer.run({ eachMessage: async ({ message }) => resolve(message) }).catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
}

describe('test bed', () => {
  it('produces to and consumes from a topic of its own', async () => {
    const topic = await createTopic('bed')
    const kafka = testKafka()
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: [{ key: 'k1', value: 'hello', headers: { h: 'v' } }] })
    await producer.disconnect()

    const message = await consumeOne(kafka, topic)
    expect(message.key?.toString()).toBe('k1')
    expect(message.value?.toString()).toBe('hello')
    expect(message.headers?.h?.toString()).toBe('v')
  })

  it('registers an Avro schema and round-trips a record through Kafka', async () => {
    const topic = await createTopic('avro')
    const registry = new SchemaRegistry({ host: stack().registryUrl })
    const schema = {
      type: 'record',
      name: 'Order',
      namespace: 'weir.test',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'amount', type: 'double' },
        { name: 'note', type: ['null', 'string'], default: null },
      ],
    }
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject: `${topic}-value` }
    )
    expect(id).toBeGreaterThan(0)
    expect(await registry.getLatestSchemaId(`${topic}-value`)).toBe(id)

    const order = { id: 'o-1', amount: 12.5, note: 'rush' }
    const encoded = await registry.encode(id, order)
    // Confluent wire format: magic byte 0, then the schema id as a big-endian int32.
    expect(encoded[0]).toBe(0)
    expect(encoded.readInt32BE(1)).toBe(id)

    const kafka = testKafka()
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: [{ key: order.id, value: encoded }] })
    await producer.disconnect()

    const message = await consumeOne(kafka, topic)
    expect(await registry.decode(message.value as Buffer)).toEqual(order)
  })

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)(
    'authenticates on the SASL listener with %s',
    async (mechanism) => {
      const sasl = { mechanism, username: 'alice', password: kafkaSaslUsers.alice } as SASLOptions
      const admin = new Kafka({
        brokers: [stack().saslBootstrap],
        sasl,
        logLevel: logLevel.NOTHING,
      }).admin()
      await admin.connect()
      const cluster = await admin.describeCluster()
      await admin.disconnect()
      expect(cluster.brokers).toHaveLength(1)
    }
  )

  it('rejects a wrong SASL password', async () => {
    const sasl = { mechanism: 'plain', username: 'alice', password: 'wrong' } as const
    const admin = new Kafka({
      brokers: [stack().saslBootstrap],
      sasl,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin()
    await expect(admin.connect()).rejects.toThrow(
      /SASL PLAIN authentication failed|Authentication failed/i
    )
  })
})
