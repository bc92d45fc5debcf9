// kafkajs through the Kafka listener, against the real broker: everything it learns points at
// Weir, and produce, consume (in a group), admin and acks=0 work as they do direct.
import { Kafka, logLevel } from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Gateway } from '../../../src/gateway.ts'
import { startProxiedBroker } from '../../support/kafka-listener.ts'
import { uniqueName } from '../../support/kafka.ts'

describe('kafkajs through the Kafka listener', () => {
  let port = 0
  let gateway: Gateway
  let kafka: Kafka

  beforeAll(async () => {
    const proxied = await startProxiedBroker()
    port = proxied.port
    gateway = proxied.gateway
    kafka = new Kafka({
      clientId: 'through-weir',
      brokers: [proxied.bootstrap],
      logLevel: logLevel.NOTHING,
    })
  })

  it('learns only Weir addresses', async () => {
    const admin = kafka.admin()
    await admin.connect()
    try {
      const cluster = await admin.describeCluster()
      expect(cluster.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: port + 2 }])
    } finally {
      await admin.disconnect()
    }
    expect(gateway.kafkaListeners[0]?.brokers()?.nodes()).toEqual([1])
  })

  it('creates a topic, produces with keys and headers, consumes in a group, deletes it', async () => {
    const topic = uniqueName('proxied')
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({
      topic,
      messages: Array.from({ length: 30 }, (_, i) => ({
        key: `k${i}`,
        value: `v${i}`,
        headers: { n: String(i) },
      })),
    })
    // acks=0 has no response: the proxy must not wait for one (nor leak a slot for it).
    await producer.send({ topic, acks: 0, messages: [{ key: 'fire', value: 'forget' }] })
    await producer.disconnect()
    const consumer = kafka.consumer({ groupId: uniqueName('proxied-group') })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    const seen = new Map<string, string>()
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen.size} records`)), 30_000)
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.set(String(message.key), String(message.headers?.n ?? message.value))
          if (seen.size === 31) {
            clearTimeout(timer)
            resolve()
          }
        },
      })
    })
    await consumer.disconnect()
    expect(seen.get('k7')).toBe('7')
    expect(seen.get('fire')).toBe('forget')
    await admin.deleteTopics({ topics: [topic] })
    expect(await admin.listTopics()).not.toContain(topic)
    await admin.disconnect()
  })
})
