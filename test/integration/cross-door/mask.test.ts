// One mask configuration, every door: a table of door × principal × side × encoding → the
// `email` field as that principal finds it. Plain JSON values are masked by JSON pointer; Avro
// values (Confluent-framed, the writer schema in the real registry) by their `confluent:tags`
// tag. Produce side: the record is stored masked whoever writes it, on every write door (HTTP
// produce, a request-reply request, Kafka Produce), read straight from the broker.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../../src/policy/secrets.ts'
import { within } from '../../support/deadline.ts'
import { startTestGateway, waitReady } from '../../support/gateway.ts'
import { createTopic, stack, testKafka, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'
import { Inbox } from '../../support/stream-clients.ts'
import { basic } from './doors.ts'

type Encoding = 'json' | 'avro'
type Side = 'produce' | 'fetch'
/** alice is named by every mask; bob by the produce side only (which masks for everyone). */
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

/** Produce side: stored masked, whoever wrote it. */
const table: Row[] = writeDoors.flatMap((door) =>
  (['alice', 'bob'] as const).flatMap((user) =>
    (['json', 'avro'] as const).map((encoding): Row => ({
      door,
      user,
      side: 'produce',
      encoding,
      email: MASKED,
    }))
  )
)

describe('one mask configuration on every door', () => {
  let url = ''
  let kafkaPort = 0
  let replies = ''
  let registry: SchemaRegistry
  const topics = {} as Record<`${Side}-${Encoding}`, string>
  const ids = {} as Record<string, number>
  const producers: Producer[] = []
  let backend: {
    inbox: Inbox<{ topic: string; value: Record<string, unknown> }>
    consumer: Consumer
  }

  beforeAll(async () => {
    for (const side of ['produce', 'fetch'] as const)
      for (const encoding of ['json', 'avro'] as const)
        topics[`${side}-${encoding}`] = await createTopic(`mask-${side}-${encoding}`)
    replies = await createTopic('mask-replies')
    registry = new SchemaRegistry({ host: stack().registryUrl })
    for (const side of ['produce', 'fetch'] as const) {
      const subject = `${topics[`${side}-avro`]}-value`
      ids[subject] = await within(
        `registering ${subject}`,
        15_000,
        registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(customer) }, { subject })
      ).then((r) => r.id)
    }
    const users = await Promise.all(
      (['alice', 'bob'] as const).map(
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
        users: [${users.join(', ')}]
    policies: [avro-values, stored-json, stored-avro]
policies:
  - name: avro-values
    kind: schema
    topics: ['${topics['produce-avro']}', '${topics['fetch-avro']}']
    value: { format: avro }
  - name: stored-json
    kind: mask
    topics: ['${topics['produce-json']}']
    side: produce
    fields: [{ pointers: [/email], strategy: email }]
  - name: stored-avro
    kind: mask
    topics: ['${topics['produce-avro']}']
    side: produce
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
  - name: kafka
    kind: kafka
    virtualCluster: shop
    port: ${kafkaPort}
`)
    url = started.url
    backend = await watchBackend([topics['produce-json'], topics['produce-avro']], registry)
    await waitReady(url)
  }, 60_000)

  afterAll(async () => {
    await Promise.all(producers.map((p) => p.disconnect()))
    await backend?.consumer.disconnect()
  })

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
