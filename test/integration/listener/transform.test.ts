// Transform policies on the Kafka listener, with kafkajs against the real broker: produced
// records get the configured header (and lose the removed one) as the broker stores them; fetched
// records lose a header, have a field masked, and records the filter drops never arrive, while
// the consumer group still commits past them (a dropped tail, and a batch with nothing kept).
import { Kafka, logLevel, type IHeaders } from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, testKafka, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'

interface Seen {
  offset: string
  headers: Record<string, string>
  value: unknown
}

function headerText(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]))
}

async function consume(kafka: Kafka, topic: string, groupId: string, count: number) {
  const consumer = kafka.consumer({ groupId })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen: Seen[] = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.length} records`)), 30_000)
    void consumer.run({
      // Commit every resolved offset (kafkajs otherwise waits out its interval for a new batch).
      autoCommitThreshold: 1,
      eachMessage: async ({ message }) => {
        const value: unknown = JSON.parse(String(message.value))
        seen.push({ offset: message.offset, headers: headerText(message.headers), value })
        if (seen.length === count) {
          clearTimeout(timer)
          resolve()
        }
      },
    })
  })
  return { consumer, seen }
}

async function committed(groupId: string, topic: string): Promise<string | undefined> {
  const admin = testKafka().admin()
  await admin.connect()
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
    return offsets?.partitions[0]?.offset
  } finally {
    await admin.disconnect()
  }
}

describe('transform policies on the Kafka listener', () => {
  let topic = ''
  let kafka: Kafka

  beforeAll(async () => {
    topic = await createTopic('transformed')
    const port = await freePortRange(3)
    await startTestGateway(`virtualClusters:
  - name: vc
    backendCluster: main
    policies: [orders-transform]
policies:
  - name: orders-transform
    kind: transform
    topics: ['${topic}']
    produce:
      setHeaders: { source: weir }
      removeHeaders: [secret]
    fetch:
      removeHeaders: [internal]
      mask: [/card]
      filter:
        json: [{ pointer: /region, equals: eu }]
listeners:
  - name: health
    kind: http
    port: 0
  - name: kafka
    kind: kafka
    virtualCluster: vc
    port: ${port}
`)
    kafka = new Kafka({
      clientId: 'transform',
      brokers: [`127.0.0.1:${port}`],
      retry: { retries: 2 },
      logLevel: logLevel.NOTHING,
    })
    const producer = kafka.producer()
    await producer.connect()
    const order = (region: string, n: number) => ({
      key: `k${n}`,
      value: JSON.stringify({ region, n, card: '4111-1111' }),
      headers: { internal: 'x', secret: 's', keep: `h${n}` },
    })
    // Offsets 0-5 in one batch (its last three dropped on fetch), then 6-7 (all dropped).
    const regions = ['eu', 'us', 'eu', 'us', 'us', 'us']
    await producer.send({ topic, messages: regions.map((r, n) => order(r, n)) })
    await producer.send({ topic, messages: [order('us', 6), order('us', 7)] })
    await producer.disconnect()
  })

  it('stores produced records with the set header and without the removed one', async () => {
    const { consumer, seen } = await consume(testKafka(), topic, uniqueName('direct'), 8)
    await consumer.disconnect()
    for (const record of seen) {
      expect(record.headers).toMatchObject({ source: 'weir', internal: 'x' })
      expect(record.headers.secret).toBeUndefined()
    }
  })

  it('fetches filtered, masked records and commits past the dropped ones', async () => {
    const groupId = uniqueName('transformed-group')
    const { consumer, seen } = await consume(kafka, topic, groupId, 2)
    try {
      expect(seen).toEqual([
        {
          offset: '0',
          headers: { keep: 'h0', source: 'weir' },
          value: { region: 'eu', n: 0, card: '***' },
        },
        {
          offset: '2',
          headers: { keep: 'h2', source: 'weir' },
          value: { region: 'eu', n: 2, card: '***' },
        },
      ])
      // The group's position moves past the dropped records: to the end of the partition.
      const deadline = Date.now() + 20_000
      while ((await committed(groupId, topic)) !== '8' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
      expect(await committed(groupId, topic)).toBe('8')
    } finally {
      await consumer.disconnect()
    }
  })
})
