// Transform policies on the Kafka listener, with kafkajs against the real broker: produced
// records get the configured header (and lose the removed one) as the broker stores them; fetched
// records lose a header, have a field masked, and records the filter drops never arrive, while
// the consumer group still commits past them (a dropped tail, and a batch with nothing kept):
// Java's and librdkafka's auto-commit by themselves, kafkajs with the settings the README names.
import { Kafka, logLevel, type IHeaders } from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import { prepareJavaCompat, runJavaCompat } from '../../compat/java/run.ts'
import { runPythonCompat } from '../../compat/python/run.ts'
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

// A JVM and a Python process each start slowly on two cores.
const SLOW = { timeout: 120_000 }

async function consume(kafka: Kafka, topic: string, groupId: string, count: number) {
  const consumer = kafka.consumer({ groupId })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen: Seen[] = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.length} records`)), 30_000)
    void consumer.run({
      // Commit every resolved offset: kafkajs's eachMessage otherwise commits a position past a
      // dropped tail only with its next delivered record or a rebalance (see the README).
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

async function committedReaches(groupId: string, topic: string, offset: string) {
  const deadline = Date.now() + 20_000
  while ((await committed(groupId, topic)) !== offset && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return committed(groupId, topic)
}

const order = (region: string, n: number) => ({
  key: `k${n}`,
  value: JSON.stringify({ region, n, card: '4111-1111' }),
  headers: { internal: 'x', secret: 's', keep: `h${n}` },
})

async function send(kafka: Kafka, topic: string, regions: string[], from = 0) {
  const producer = kafka.producer()
  await producer.connect()
  try {
    await producer.send({ topic, messages: regions.map((r, n) => order(r, from + n)) })
  } finally {
    await producer.disconnect()
  }
}

describe('transform policies on the Kafka listener', () => {
  let topic = ''
  let port = 0
  let kafka: Kafka

  beforeAll(async () => {
    await prepareJavaCompat()
    topic = await createTopic('transformed')
    port = await freePortRange(3)
    await startTestGateway(`virtualClusters:
  - name: vc
    backendCluster: main
    policies: [orders-transform]
policies:
  - name: orders-transform
    kind: transform
    topics: ['${topic}', 'later-tail-*']
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
    // Offsets 0-5 in one batch (its last three dropped on fetch), then 6-7 (all dropped).
    await send(kafka, topic, ['eu', 'us', 'eu', 'us', 'us', 'us'])
    await send(kafka, topic, ['us', 'us'], 6)
  }, SLOW.timeout)

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
      expect(await committedReaches(groupId, topic, '8')).toBe('8')
    } finally {
      await consumer.disconnect()
    }
  })

  it('commits past a dropped tail fetched after the last delivered record (kafkajs)', async () => {
    const later = await createTopic('later-tail')
    await send(kafka, later, ['eu'])
    const groupId = uniqueName('later-tail-group')
    const { consumer, seen } = await consume(kafka, later, groupId, 1)
    try {
      expect(await committedReaches(groupId, later, '1')).toBe('1')
      // Fetched on their own: a response with nothing but the control record covering them.
      await send(kafka, later, ['us', 'us', 'us', 'us'], 1)
      expect(await committedReaches(groupId, later, '5')).toBe('5')
      expect(seen.map((s) => s.offset)).toEqual(['0'])
    } finally {
      await consumer.disconnect()
    }
  })

  it('Java auto-commit moves past a dropped tail by itself', SLOW, async () => {
    const group = uniqueName('java-tail')
    const out = await runJavaCompat(`127.0.0.1:${port}`, ['filtered-tail'], 100_000, {
      settings: { 'tail.topic': topic, 'tail.group': group, 'tail.end': '8' },
    })
    expect(out['filtered-tail']).toMatchObject({ delivered: [0, 2], position: 8, committed: 8 })
  })

  it('librdkafka auto-commit moves past a dropped tail by itself', SLOW, async () => {
    const group = uniqueName('librdkafka-tail')
    const out = await runPythonCompat(`127.0.0.1:${port}`, ['filtered-tail'], 100_000, {
      tail: { topic, group, end: 8 },
    })
    expect(out['filtered-tail']).toMatchObject({ delivered: [0, 2], position: 8, committed: 8 })
  })
})
