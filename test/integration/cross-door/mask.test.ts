// One mask configuration, every door: a table of door × principal × side × encoding → the
// `email` field as that principal finds it. Plain JSON values are masked by JSON pointer; Avro
// values (Confluent-framed, the writer schema in the real registry) by their `confluent:tags`
// tag. Produce side: the record alice writes is stored masked and the one bob (excepted) writes
// is stored clear, on every write door (HTTP produce, a request-reply request, Kafka Produce),
// read straight from the broker. Fetch side:
// the record is stored clear (written straight to the broker) and every read door (Kafka Fetch
// through kafkajs, WebSocket, SSE, long-poll, a view, a reply) shows it masked to alice and clear
// to bob, whom the policy excepts.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../../src/policy/secrets.ts'
import { within } from '../../support/deadline.ts'
import { startTestGateway, waitReady } from '../../support/gateway.ts'
import { createTopic, stack, testKafka, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'
import {
  connectSse,
  connectWs,
  Inbox,
  produceRecords,
  wsUrl,
} from '../../support/stream-clients.ts'
import { basic } from './doors.ts'

type Encoding = 'json' | 'avro'
type Side = 'produce' | 'fetch'
/** alice is masked; bob is excepted from the masks of both sides. */
type User = 'alice' | 'bob'

const EMAIL = 'jane@example.com'
const MASKED = 'j***@example.com'

const customer = {
  type: 'record',
  name: 'Customer',
  namespace: 'weir.mask',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'email', type: 'string', 'confluent:tags': ['PII'] },
  ],
}

interface Row {
  door: string
  user: User
  side: Side
  encoding: Encoding
  /** The email field as this principal finds it. */
  email: string
}

const writeDoors = ['HTTP produce', 'request-reply request', 'Kafka Produce'] as const
type WriteDoor = (typeof writeDoors)[number]

const readDoors = ['Kafka Fetch', 'WebSocket', 'SSE', 'long-poll', 'view', 'reply'] as const
type ReadDoor = (typeof readDoors)[number]

const users = ['alice', 'bob'] as const
const encodings = ['json', 'avro'] as const

/** Produce side: alice's writes stored masked, bob's clear. Fetch side: alice's reads masked. */
const table: Row[] = [
  ...writeDoors.flatMap((door) =>
    users.flatMap((user) =>
      encodings.map((encoding): Row => ({
        door,
        user,
        side: 'produce',
        encoding,
        email: user === 'alice' ? MASKED : EMAIL,
      }))
    )
  ),
  ...readDoors.flatMap((door) =>
    users.flatMap((user) =>
      encodings.map((encoding): Row => ({
        door,
        user,
        side: 'fetch',
        encoding,
        email: user === 'alice' ? MASKED : EMAIL,
      }))
    )
  ),
]

describe('one mask configuration on every door', () => {
  let url = ''
  let kafkaPort = 0
  let replies = ''
  let asks = ''
  const replyTopics = {} as Record<Encoding, string>
  /** Request ids of each user's request whose reply holds the clear record, by encoding. */
  const replyIds = {} as Record<`${User}-${Encoding}`, string>
  let registry: SchemaRegistry
  const topics = {} as Record<`${Side}-${Encoding}`, string>
  const ids = {} as Record<string, number>
  const producers: Producer[] = []
  let backend: {
    inbox: Inbox<{ topic: string; value: Record<string, unknown> }>
    consumer: Consumer
  }

  beforeAll(async () => {
    for (const encoding of encodings) {
      topics[`produce-${encoding}`] = await createTopic(`mask-produce-${encoding}`)
      topics[`fetch-${encoding}`] = await createTopic(`mask-fetch-${encoding}`, 1, {
        'cleanup.policy': 'compact',
      })
      replyTopics[encoding] = await createTopic(`mask-replies-${encoding}`)
    }
    replies = await createTopic('mask-replies')
    asks = await createTopic('mask-asks')
    registry = new SchemaRegistry({ host: stack().registryUrl })
    for (const topic of [topics['produce-avro'], topics['fetch-avro'], replyTopics.avro]) {
      const subject = `${topic}-value`
      ids[subject] = await within(
        `registering ${subject}`,
        15_000,
        registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(customer) }, { subject })
      ).then((r) => r.id)
    }
    const userList = await Promise.all(
      users.map(
        async (u) => `{ username: ${u}, passwordHash: '${await hashPassword(`${u}-password`)}' }`
      )
    )
    kafkaPort = await freePortRange(3)
    const started = await startTestGateway(`virtualClusters:
  - name: shop
    backendCluster: main
    schemaRegistry: registry
    authentication:
      - kind: basic
        users: [${userList.join(', ')}]
    policies: [avro-values, stored-json, stored-avro, shown-json, shown-avro]
policies:
  - name: avro-values
    kind: schema
    topics: ['${topics['produce-avro']}', '${topics['fetch-avro']}']
    value: { format: avro }
  - name: stored-json
    kind: mask
    topics: ['${topics['produce-json']}']
    side: produce
    except: [bob]
    fields: [{ pointers: [/email], strategy: email }]
  - name: stored-avro
    kind: mask
    topics: ['${topics['produce-avro']}']
    side: produce
    except: [bob]
    fields: [{ tags: [PII], strategy: email }]
  - name: shown-json
    kind: mask
    topics: ['${topics['fetch-json']}', '${replyTopics.json}']
    side: fetch
    except: [bob]
    fields: [{ pointers: [/email], strategy: email }]
  - name: shown-avro
    kind: mask
    topics: ['${topics['fetch-avro']}', '${replyTopics.avro}']
    side: fetch
    except: [bob]
    fields: [{ tags: [PII], strategy: email }]
listeners:
  - name: public
    kind: http
    port: 0
    topicsEndpoint: { virtualCluster: shop, allowed: ['*'] }
    requests: { secret: cross-door-mask-secret-0123456789abcdef }
    routes:
      - { path: /ask-json, virtualCluster: shop, topic: '${topics['produce-json']}', reply: { topic: '${replies}' } }
      - { path: /ask-avro, virtualCluster: shop, topic: '${topics['produce-avro']}', reply: { topic: '${replies}' } }
      - { path: /reply-json, virtualCluster: shop, topic: '${asks}', reply: { topic: '${replyTopics.json}' } }
      - { path: /reply-avro, virtualCluster: shop, topic: '${asks}', reply: { topic: '${replyTopics.avro}' } }
    streams:
      - path: /streams/{topic}
        virtualCluster: shop
        topics: { from: path, name: topic, allowed: ['*'] }
        start: earliest
    views:
      - { name: view-json, virtualCluster: shop, topic: '${topics['fetch-json']}' }
      - { name: view-avro, virtualCluster: shop, topic: '${topics['fetch-avro']}' }
  - name: kafka
    kind: kafka
    virtualCluster: shop
    port: ${kafkaPort}
`)
    url = started.url
    backend = await watchBackend([topics['produce-json'], topics['produce-avro']], registry)
    // Stored clear, straight to the broker.
    for (const encoding of encodings) {
      await produceRecords(topics[`fetch-${encoding}`], [
        { key: 'k1', value: await clear(encoding, topics[`fetch-${encoding}`]) },
      ])
    }
    await waitReady(url)
    for (const user of users) {
      for (const encoding of encodings) {
        const asked = await fetch(`${url}/reply-${encoding}`, {
          method: 'POST',
          headers: { ...basic(user), 'content-type': 'application/json', prefer: 'respond-async' },
          body: '{"ask":1}',
        })
        expect(asked.status).toBe(202)
        const id = ((await asked.json()) as { id: string }).id
        replyIds[`${user}-${encoding}`] = id
        await produceRecords(replyTopics[encoding], [
          {
            value: await clear(encoding, replyTopics[encoding]),
            headers: { 'weir-correlation-id': id },
          },
        ])
      }
    }
  }, 60_000)

  afterAll(async () => {
    await Promise.all(producers.map((p) => p.disconnect()))
    await backend?.consumer.disconnect()
  })

  /** The clear record: JSON text, or Avro in the wire format of the topic's subject. */
  const clear = async (encoding: Encoding, topic: string): Promise<Buffer | string> =>
    encoding === 'json'
      ? JSON.stringify({ name: 'source', email: EMAIL })
      : registry.encode(ids[`${topic}-value`] as number, { name: 'source', email: EMAIL })

  const kafka = (user: User) =>
    new Kafka({
      clientId: `cross-door-mask-${user}`,
      brokers: [`127.0.0.1:${kafkaPort}`],
      sasl: { mechanism: 'plain', username: user, password: `${user}-password` },
      retry: { retries: 2 },
      logLevel: logLevel.NOTHING,
    })

  const post = async (path: string, user: User, body: unknown, extra = {}) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { ...basic(user), 'content-type': 'application/json', ...extra },
      body: JSON.stringify(body),
    })
    expect(res.status, await res.clone().text()).toBe(202)
  }

  const write: Record<WriteDoor, (user: User, encoding: Encoding, name: string) => Promise<void>> =
    {
      'HTTP produce': (user, encoding, name) =>
        post(`/topics/${topics[`produce-${encoding}`]}`, user, { name, email: EMAIL }),
      'request-reply request': (user, encoding, name) =>
        post(`/ask-${encoding}`, user, { name, email: EMAIL }, { prefer: 'respond-async' }),
      'Kafka Produce': async (user, encoding, name) => {
        const producer = kafka(user).producer()
        producers.push(producer)
        await producer.connect()
        const topic = topics[`produce-${encoding}`]
        const value =
          encoding === 'json'
            ? JSON.stringify({ name, email: EMAIL })
            : await registry.encode(ids[`${topic}-value`] as number, { name, email: EMAIL })
        await producer.send({ topic, messages: [{ value }] })
      },
    }

  const streamPath = (encoding: Encoding) => `/streams/${topics[`fetch-${encoding}`]}`

  const read: Record<ReadDoor, (user: User, encoding: Encoding) => Promise<Shown>> = {
    'Kafka Fetch': async (user, encoding) => {
      const consumer = kafka(user).consumer({ groupId: uniqueName('mask-fetch') })
      const delivered = new Inbox<Shown>()
      await consumer.connect()
      try {
        await consumer.subscribe({ topic: topics[`fetch-${encoding}`], fromBeginning: true })
        await consumer.run({
          eachMessage: async ({ message }) => {
            const bytes = message.value as Buffer
            delivered.push(
              (encoding === 'avro'
                ? await registry.decode(bytes)
                : JSON.parse(String(bytes))) as Shown
            )
          },
        })
        return await delivered.next(undefined, 30_000)
      } finally {
        await consumer.disconnect()
      }
    },
    WebSocket: async (user, encoding) => {
      const client = await connectWs(wsUrl(url, streamPath(encoding)), { headers: basic(user) })
      try {
        return (await client.frames.next((f) => f.type === 'record')).value as Shown
      } finally {
        client.ws.close()
      }
    },
    SSE: async (user, encoding) => {
      const client = await connectSse(`${url}${streamPath(encoding)}`, basic(user))
      try {
        const event = await client.events.next((e) => e.event === 'record')
        return (JSON.parse(event.data) as { value: Shown }).value
      } finally {
        client.close()
      }
    },
    'long-poll': async (user, encoding) => {
      const res = await fetch(`${url}${streamPath(encoding)}?wait=5000`, { headers: basic(user) })
      const body = (await res.json()) as { records: { value: Shown }[] }
      expect(body.records.length, JSON.stringify(body)).toBeGreaterThan(0)
      return (body.records[0] as { value: Shown }).value
    },
    view: async (user, encoding) => {
      const res = await fetch(`${url}/views/view-${encoding}/k1`, { headers: basic(user) })
      expect(res.status).toBe(200)
      // Answers differ per principal: no shared cache may keep one for another.
      expect(res.headers.get('cache-control')).toBe('private, no-cache')
      return (await res.json()) as Shown
    },
    reply: async (user, encoding) => {
      const res = await fetch(`${url}/requests/${replyIds[`${user}-${encoding}`]}`, {
        headers: basic(user),
      })
      expect(res.status).toBe(200)
      return (await res.json()) as Shown
    },
  }

  it.each(table.filter((row) => row.side === 'fetch'))(
    '$door by $user, $encoding: shown $email',
    async ({ door, user, encoding, email }) => {
      const shown = await read[door as ReadDoor](user, encoding)
      expect(shown).toMatchObject({ name: 'source', email })
    },
    40_000
  )

  it.each(table.filter((row) => row.side === 'produce'))(
    '$door by $user, $encoding: stored $email',
    async ({ door, user, encoding, email }) => {
      const name = uniqueName(`${door}-${user}`.replaceAll(/\W+/g, '-'))
      await write[door as WriteDoor](user, encoding, name)
      const stored = await backend.inbox.next((r) => r.value.name === name, 20_000)
      expect(stored.topic).toBe(topics[`produce-${encoding}`])
      expect(stored.value.email).toBe(email)
    },
    30_000
  )
})

/** The value a door delivered: decoded JSON, or what the registry decodes Avro bytes into. */
type Shown = Record<string, unknown>

/** Every record of the topics as the broker holds them (Avro decoded with the registry). */
async function watchBackend(watched: string[], registry: SchemaRegistry) {
  const inbox = new Inbox<{ topic: string; value: Record<string, unknown> }>()
  const consumer = testKafka('cross-door-mask').consumer({ groupId: uniqueName('backend') })
  await consumer.connect()
  await consumer.subscribe({ topics: watched, fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const bytes = message.value as Buffer
      const value = (
        bytes[0] === 0 ? await registry.decode(bytes) : JSON.parse(String(bytes))
      ) as Record<string, unknown>
      inbox.push({ topic, value })
    },
  })
  return { inbox, consumer }
}
