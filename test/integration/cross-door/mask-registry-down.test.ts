// A mask that needs a writer schema the registry cannot give (the virtual cluster's registry does
// not answer, and nothing is cached): no door hands the masked principal the clear value, and none
// skips the record. Each read door fails retriably, as for a KMS that is down: Kafka Fetch answers
// the partition KAFKA_STORAGE_ERROR, long-poll and views 503 backend-unavailable, a WebSocket
// closes 1011, an SSE stream ends with a problem event. Kafka Produce under a produce-side mask
// answers REQUEST_TIMED_OUT and writes nothing. bob, whom the masks except, reads on.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { Kafka, logLevel } from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../../src/policy/secrets.ts'
import { within } from '../../support/deadline.ts'
import { startTestGateway, waitReady } from '../../support/gateway.ts'
import { createTopic, endOffsetSum, stack, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'
import { connectWs, produceRecords, wsUrl } from '../../support/stream-clients.ts'
import { basic } from './doors.ts'
import { consumeUntilCrash, firstSseEvent, viewAnswerOnceHeld } from './unreadable.ts'

const BACKEND_UNAVAILABLE = 'https://weir.dev/problems/backend-unavailable'
const customer = {
  type: 'record',
  name: 'Customer',
  namespace: 'weir.mask.down',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'email', type: 'string', 'confluent:tags': ['PII'] },
  ],
}

describe('masks with the schema registry down', () => {
  let url = ''
  let kafkaPort = 0
  let shown = ''
  let stored = ''
  let framed: Buffer = Buffer.alloc(0)

  const kafka = (user: string) =>
    new Kafka({
      clientId: `mask-registry-down-${user}`,
      brokers: [`127.0.0.1:${kafkaPort}`],
      sasl: { mechanism: 'plain', username: user, password: `${user}-password` },
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    })

  beforeAll(async () => {
    shown = await createTopic('mask-down-shown', 1, { 'cleanup.policy': 'compact' })
    stored = await createTopic('mask-down-stored')
    // The record is written with the real registry; Weir's virtual cluster reads another one.
    const registry = new SchemaRegistry({ host: stack().registryUrl })
    const subject = `${shown}-value`
    const { id } = await within(
      `registering ${subject}`,
      15_000,
      registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(customer) }, { subject })
    )
    framed = await registry.encode(id, { name: 'source', email: 'jane@example.com' })
    await produceRecords(shown, [{ key: 'k1', value: framed }])
    const userList = await Promise.all(
      ['alice', 'bob'].map(
        async (u) => `{ username: ${u}, passwordHash: '${await hashPassword(`${u}-password`)}' }`
      )
    )
    kafkaPort = await freePortRange(3)
    const started = await startTestGateway(
      `virtualClusters:
  - name: shop
    backendCluster: main
    schemaRegistry: unreachable
    authentication:
      - kind: basic
        users: [${userList.join(', ')}]
    policies: [shown-avro, stored-avro]
policies:
  - { name: shown-avro, kind: mask, topics: ['${shown}'], except: [bob], fields: [{ tags: [PII], strategy: email }] }
  - { name: stored-avro, kind: mask, topics: ['${stored}'], side: produce, fields: [{ tags: [PII], strategy: email }] }
listeners:
  - name: public
    kind: http
    port: 0
    streams:
      - { path: '/streams/{topic}', virtualCluster: shop, topics: { from: path, name: topic, allowed: ['*'] }, start: earliest }
    views:
      - { name: customers, virtualCluster: shop, topic: '${shown}' }
  - name: kafka
    kind: kafka
    virtualCluster: shop
    port: ${kafkaPort}
`,
      {},
      '',
      // Nothing listens on port 9: every lookup fails at once.
      `  - { name: unreachable, url: 'http://127.0.0.1:9', requestTimeoutMs: 2000 }\n`
    )
    url = started.url
    await waitReady(url)
  }, 60_000)

  it('Kafka Fetch: alice is answered KAFKA_STORAGE_ERROR, bob is handed the record', async () => {
    const consumer = kafka('alice').consumer({
      groupId: uniqueName('mask-down'),
      retry: { retries: 0 },
    })
    const { error, delivered } = await consumeUntilCrash(consumer, shown)
    expect(error).toMatchObject({
      name: 'KafkaJSNumberOfRetriesExceeded',
      cause: { type: 'KAFKA_STORAGE_ERROR', retriable: true },
    })
    expect(delivered).toEqual([])
    const bob = kafka('bob').consumer({ groupId: uniqueName('mask-down-bob') })
    let handed: (value: Buffer | null) => void = () => {}
    const value = new Promise<Buffer | null>((resolve) => (handed = resolve))
    await bob.connect()
    try {
      await bob.subscribe({ topic: shown, fromBeginning: true })
      await bob.run({ eachMessage: async ({ message }) => handed(message.value) })
      expect(await value).toEqual(framed)
    } finally {
      await bob.disconnect()
    }
  }, 40_000)

  it('long-poll: 503 backend-unavailable with Retry-After', async () => {
    const res = await fetch(`${url}/streams/${shown}?wait=2000`, { headers: basic('alice') })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('1')
    expect(await res.json()).toMatchObject({ type: BACKEND_UNAVAILABLE })
  }, 20_000)

  it('WebSocket: closed 1011, no record', async () => {
    const client = await connectWs(wsUrl(url, `/streams/${shown}`), { headers: basic('alice') })
    expect((await client.closed).code).toBe(1011)
    expect(client.frames.items.filter((f) => f.type === 'record')).toEqual([])
  }, 20_000)

  it('SSE: a backend-unavailable problem event, no record', async () => {
    const event = await firstSseEvent(`${url}/streams/${shown}`, basic('alice'), 15_000)
    expect(event.event).toBe('problem')
    expect(JSON.parse(event.data)).toMatchObject({ type: BACKEND_UNAVAILABLE })
  }, 20_000)

  it('a view: 503 backend-unavailable once it holds the record', async () => {
    const res = await viewAnswerOnceHeld(`${url}/views/customers/k1`, basic('alice'))
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ type: BACKEND_UNAVAILABLE })
  }, 20_000)

  it('Kafka Produce under a produce-side mask: REQUEST_TIMED_OUT, nothing written', async () => {
    const producer = kafka('alice').producer()
    await producer.connect()
    try {
      await expect(
        producer.send({ topic: stored, messages: [{ value: framed }] })
      ).rejects.toMatchObject({ cause: { type: 'REQUEST_TIMED_OUT', retriable: true } })
    } finally {
      await producer.disconnect()
    }
    expect(await endOffsetSum(stored)).toBe(0)
  }, 20_000)
})
