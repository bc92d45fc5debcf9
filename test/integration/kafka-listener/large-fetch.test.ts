// Megabytes of records through the Kafka listener, straight and through a namespace: Fetch
// responses of many socket reads, gathered in buffers the listener lends and takes back once
// written, and (namespaced) re-encoded with the records as views of the broker's frame. Every
// value must arrive as it was produced: a buffer taken back too early would be overwritten by the
// next response while the socket still sent it.
import { createHash, randomBytes } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { testKafka, uniqueName } from '../../support/kafka.ts'
import { startProxiedBroker } from '../../support/kafka-listener.ts'

const RECORDS = 2400
const VALUE_BYTES = 4096

const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

describe.each(['', 'big.'])(
  'a consumer fetching megabytes through Weir (namespace %j)',
  (prefix) => {
    it('gets every value as it was produced', async () => {
      // The gateway stops with the test file (test/support/gateway.ts).
      const started = await startProxiedBroker(prefix)
      const topic = uniqueName('large-fetch')
      const direct = testKafka()
      const admin = direct.admin()
      await admin.connect()
      await admin.createTopics({ topics: [{ topic: `${prefix}${topic}` }], waitForLeaders: true })
      const kafka = new Kafka({ brokers: [started.bootstrap], logLevel: logLevel.NOTHING })
      const producer = kafka.producer()
      await producer.connect()
      const sent = new Map<string, string>()
      for (let from = 0; from < RECORDS; from += 200) {
        const messages = Array.from({ length: 200 }, (_, i) => {
          const value = randomBytes(VALUE_BYTES)
          sent.set(String(from + i), digest(value))
          return { key: String(from + i), value }
        })
        await producer.send({ topic, messages })
      }
      await producer.disconnect()
      const consumer = kafka.consumer({ groupId: uniqueName('large-fetch-group') })
      await consumer.connect()
      await consumer.subscribe({ topic, fromBeginning: true })
      const received = new Map<string, string>()
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${received.size} records`)), 60_000)
        void consumer.run({
          eachMessage: async ({ message }) => {
            received.set(String(message.key), digest(message.value as Buffer))
            if (received.size === RECORDS) {
              clearTimeout(timer)
              resolve()
            }
          },
        })
      })
      await consumer.disconnect()
      expect(received).toEqual(sent)
      await admin.deleteTopics({ topics: [`${prefix}${topic}`] })
      await admin.disconnect()
    })
  }
)
