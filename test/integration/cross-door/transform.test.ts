// One transform policy, every door. Write doors (HTTP produce, a batch, a request-reply request,
// Kafka Produce) store records with the header the policy sets and without the one it removes, as
// read straight from the broker. Read doors (WebSocket, SSE, long-poll, a view, reply fetch and
// reply push, Kafka Fetch) deliver the same records: the one the filter drops is absent, the same
// field is masked, and the removed header is gone while the others stay (views serve no headers).
// Each read door's source holds eu, us, eu in that order, so a record the filter did not drop
// would arrive between the two kept ones.
import { Kafka, logLevel, type Consumer } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, waitReady } from '../../support/gateway.ts'
import { createTopic, testKafka, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'
import {
  connectSse,
  connectWs,
  Inbox,
  produceRecords,
  wsUrl,
  type SseClient,
} from '../../support/stream-clients.ts'

const secret = 'cross-door-transform-secret-0123456789'
/** What every read door must deliver: the two eu records, masked. */
const KEPT = [
  { region: 'eu', n: 0, card: '***' },
  { region: 'eu', n: 2, card: '***' },
]
const order = (region: string, n: number) => ({ region, n, card: '4111-1111' })
const SOURCE = [order('eu', 0), order('us', 1), order('eu', 2)]
/** Headers every read door's records were written with: `internal` is removed on the way out. */
const READ_HEADERS = { internal: 'x', keep: 'k' }

interface Delivered {
  value: unknown
  /** Undefined where the door serves no headers (views). */
  headers: Record<string, unknown> | undefined
}

interface Topics {
  written: string
  read: string
  view: string
  replies: string
}

function gatewayConfig(topics: Topics, kafkaPort: number): string {
  return `virtualClusters:
  - name: shop
    backendCluster: main
    policies: [orders-transform]
policies:
  - name: orders-transform
    kind: transform
    topics: ['${topics.written}', '${topics.read}', '${topics.view}', '${topics.replies}']
    produce:
      setHeaders: { source: weir }
      removeHeaders: [secret]
    fetch:
      removeHeaders: [internal]
      mask: [/card]
      filter:
        json: [{ pointer: /region, equals: eu }]
listeners:
  - name: public
    kind: http
    port: 0
    requests: { secret: ${secret}, maxWaitMs: 10000 }
    routes:
      - path: /produce
        virtualCluster: shop
        topic: ${topics.written}
        headers: { forward: [secret, keep] }
      - path: /ask
        virtualCluster: shop
        topic: ${topics.written}
        headers: { forward: [secret, keep] }
        reply: { topic: ${topics.replies}, timeoutMs: 100 }
    streams:
      - path: /streams/{topic}
        virtualCluster: shop
        topics: { from: path, name: topic, allowed: ['*'] }
        start: earliest
    views:
      - { name: orders, virtualCluster: shop, topic: ${topics.view} }
  - name: kafka
    kind: kafka
    virtualCluster: shop
    port: ${kafkaPort}
`
}

const text = (headers: Record<string, unknown> | undefined) =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]))

/** Every record of a topic as the broker holds it, from a consumer started once. */
async function watchBackend(topic: string) {
  const records = new Inbox<Record<string, string>>()
  const consumer = testKafka('cross-door-transform').consumer({ groupId: uniqueName('backend') })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ message }) => records.push(text(message.headers)),
  })
  return { records, consumer }
}

describe('one transform policy on every door', () => {
  let url = ''
  let kafka: Kafka
  let topics: Topics
  let backend: { records: Inbox<Record<string, string>>; consumer: Consumer }
  let push: SseClient
  /** Reply ids of the three requests whose replies hold SOURCE, in order. */
  const replyIds: string[] = []

  beforeAll(async () => {
    topics = {
      written: await createTopic('transform-written'),
      read: await createTopic('transform-read'),
      view: await createTopic('transform-view', 1, { 'cleanup.policy': 'compact' }),
      replies: await createTopic('transform-replies'),
    }
    const kafkaPort = await freePortRange(3)
    url = (await startTestGateway(gatewayConfig(topics, kafkaPort))).url
    kafka = new Kafka({
      clientId: 'cross-door-transform',
      brokers: [`127.0.0.1:${kafkaPort}`],
      retry: { retries: 2 },
      logLevel: logLevel.NOTHING,
    })
    backend = await watchBackend(topics.written)
    await produceRecords(
      topics.read,
      SOURCE.map((value, n) => ({ key: `k${n}`, value, headers: READ_HEADERS }))
    )
    await produceRecords(
      topics.view,
      SOURCE.map((value, n) => ({ key: `k${n}`, value }))
    )
    await waitReady(url)
    // Reply push listens before any reply exists; the replies are written straight to the topic.
    push = await connectSse(`${url}/requests`)
    await push.events.next((e) => e.event === 'ready')
    for (let n = 0; n < SOURCE.length; n++) {
      const asked = await fetch(`${url}/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', prefer: 'respond-async' },
        body: JSON.stringify({ n }),
      })
      expect(asked.status).toBe(202)
      replyIds.push(((await asked.json()) as { id: string }).id)
    }
    await produceRecords(
      topics.replies,
      SOURCE.map((value, n) => ({
        value,
        headers: { 'weir-correlation-id': replyIds[n] as string, ...READ_HEADERS },
      }))
    )
  }, 60_000)

  afterAll(async () => {
    push?.close()
    await backend?.consumer.disconnect()
  })

  const post = (path: string, tag: string, body: unknown, extra: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', secret: 's', keep: tag, ...extra },
      body: JSON.stringify(body),
    })

  const writeDoors: { door: string; records: number; write(tag: string): Promise<void> }[] = [
    {
      door: 'HTTP produce',
      records: 1,
      write: async (tag) => expect((await post('/produce', tag, { n: 1 })).status).toBe(202),
    },
    {
      door: 'HTTP produce, a batch',
      records: 2,
      write: async (tag) =>
        expect((await post('/produce', tag, [{ n: 1 }, { n: 2 }])).status).toBe(202),
    },
    {
      door: 'request-reply request',
      records: 1,
      write: async (tag) =>
        expect((await post('/ask', tag, { n: 1 }, { prefer: 'respond-async' })).status).toBe(202),
    },
    {
      door: 'Kafka Produce',
      records: 1,
      write: async (tag) => {
        const producer = kafka.producer()
        await producer.connect()
        try {
          await producer.send({
            topic: topics.written,
            messages: [{ value: '{"n":1}', headers: { secret: 's', keep: tag } }],
          })
        } finally {
          await producer.disconnect()
        }
      },
    },
  ]

  it.each(writeDoors)(
    '$door: the backend record has the set header, not the removed one',
    async ({ door, records, write }) => {
      const tag = uniqueName(door.replaceAll(/\W+/g, '-'))
      await write(tag)
      const stored = await backend.records.take(records, (headers) => headers.keep === tag)
      for (const headers of stored) {
        expect(headers).toMatchObject({ source: 'weir', keep: tag })
        expect(headers).not.toHaveProperty('secret')
      }
    }
  )

  const streamRecords = (records: { value: unknown; headers: Record<string, string> }[]) =>
    records.map(({ value, headers }): Delivered => ({ value, headers }))

  const readDoors: { door: string; servesHeaders: boolean; read(): Promise<Delivered[]> }[] = [
    {
      door: 'WebSocket',
      servesHeaders: true,
      read: async () => {
        const client = await connectWs(wsUrl(url, `/streams/${topics.read}`))
        try {
          const frames = await client.frames.take(2, (f) => f.type === 'record')
          return streamRecords(frames as never)
        } finally {
          client.ws.close()
        }
      },
    },
    {
      door: 'SSE',
      servesHeaders: true,
      read: async () => {
        const client = await connectSse(`${url}/streams/${topics.read}`)
        try {
          const events = await client.events.take(2, (e) => e.event === 'record')
          return streamRecords(events.map((e) => JSON.parse(e.data) as never))
        } finally {
          client.close()
        }
      },
    },
    {
      door: 'long-poll',
      servesHeaders: true,
      read: async () => {
        const records: { value: unknown; headers: Record<string, string> }[] = []
        let cursor = ''
        for (let round = 0; round < 10 && records.length < 2; round++) {
          const res = await fetch(`${url}/streams/${topics.read}?wait=2000${cursor}`)
          const body = (await res.json()) as { cursor: string; records: typeof records }
          records.push(...body.records)
          cursor = `&cursor=${body.cursor}`
        }
        return streamRecords(records)
      },
    },
    {
      door: 'view',
      servesHeaders: false,
      read: async () => {
        const listing = (await (await fetch(`${url}/views/orders`)).json()) as { keys: string[] }
        expect((await fetch(`${url}/views/orders/k1`)).status).toBe(404)
        const values = listing.keys.map(async (key) => {
          const res = await fetch(`${url}/views/orders/${key}`)
          return { value: await res.json(), headers: undefined }
        })
        return Promise.all(values)
      },
    },
    {
      door: 'reply fetch',
      servesHeaders: true,
      read: async () => {
        const delivered: Delivered[] = []
        for (const id of replyIds) {
          const res = await fetch(`${url}/requests/${id}`)
          // The filtered reply is never delivered: its request stays pending.
          if (res.status === 202) continue
          delivered.push({ value: await res.json(), headers: Object.fromEntries(res.headers) })
        }
        return delivered
      },
    },
    {
      door: 'reply push',
      servesHeaders: true,
      read: async () => {
        const events = await push.events.take(2, (e) => e.event === 'reply')
        return events.map((e) => {
          const reply = JSON.parse(e.data) as { body: unknown; headers: Record<string, string> }
          return { value: reply.body, headers: reply.headers }
        })
      },
    },
    {
      door: 'Kafka Fetch',
      servesHeaders: true,
      read: async () => {
        const consumer = kafka.consumer({ groupId: uniqueName('transform-fetch') })
        const delivered = new Inbox<Delivered>()
        await consumer.connect()
        try {
          await consumer.subscribe({ topic: topics.read, fromBeginning: true })
          await consumer.run({
            eachMessage: async ({ message }) =>
              delivered.push({
                value: JSON.parse(String(message.value)),
                headers: text(message.headers),
              }),
          })
          return await delivered.take(2, undefined, 30_000)
        } finally {
          await consumer.disconnect()
        }
      },
    },
  ]

  it.each(readDoors)(
    '$door: the filtered record is absent, the field masked, the header removed',
    async ({ servesHeaders, read }) => {
      const delivered = await read()
      const seen = delivered.map(({ value, headers }) => ({
        value,
        keep: headers?.keep,
        internal: headers?.internal,
      }))
      // A view serves values alone: neither header shows there.
      const keep = servesHeaders ? 'k' : undefined
      expect(seen).toEqual(KEPT.map((value) => ({ value, keep, internal: undefined })))
    },
    40_000
  )
})
