// Server-Sent Events against the real broker and registry: event types, cursors as ids, exact
// resume with Last-Event-ID, heartbeats, filters, and registry-decoded values.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { beforeAll, describe, expect, it } from 'vitest'
import { hashApiKey } from '../../../../src/policy/secrets.ts'
import { startTestGateway } from '../../../support/gateway.ts'
import { createTopic, stack } from '../../../support/kafka.ts'
import { connectSse, produceRecords, type SseEvent } from '../../../support/stream-clients.ts'

interface Delivered {
  topic: string
  partition: number
  offset: string
  key: unknown
  value: unknown
}

const parse = (event: SseEvent) => JSON.parse(event.data) as Delivered
const ident = (r: Delivered) => `${r.partition}:${r.offset}`

describe('SSE streams', () => {
  let url = ''
  let topic = ''
  let filtered = ''
  let avro = ''
  const auth = { 'x-api-key': 'key-alice' }

  beforeAll(async () => {
    topic = await createTopic('sse', 3)
    filtered = await createTopic('sse-filtered')
    avro = await createTopic('sse-avro')
    const registry = new SchemaRegistry({ host: stack().registryUrl })
    await registry.register(
      {
        type: SchemaType.AVRO,
        schema: JSON.stringify({
          type: 'record',
          name: 'Click',
          namespace: 'web',
          fields: [
            { name: 'page', type: 'string' },
            { name: 'ms', type: 'long' },
          ],
        }),
      },
      { subject: `${avro}-value` }
    )
    const started = await startTestGateway(`virtualClusters:
  - name: vc
    backendCluster: main
    schemaRegistry: registry
    authentication:
      - kind: api-key
        keys:
          - { principal: alice, sha256: ${hashApiKey('key-alice')} }
    policies: [clicks-schema]
policies:
  - name: clicks-schema
    kind: schema
    topics: ['${avro}']
    value: { format: avro }
listeners:
  - name: public
    kind: http
    port: 0
    routes:
      - { path: /clicks, topic: ${avro}, virtualCluster: vc }
    streams:
      - name: all
        path: /events
        virtualCluster: vc
        topics: ['${topic}']
        heartbeatMs: 200
      - name: big-orders
        path: /big-orders
        virtualCluster: vc
        topics: ['${filtered}']
        start: earliest
        filters:
          keys: ['order-*']
          headers: { kind: created }
          json: [{ pointer: /amount, gt: 100 }]
      - name: clicks
        path: /clicks
        virtualCluster: vc
        topics: ['${avro}']
        start: earliest
`)
    url = started.url
  })

  it('sends a ready event with the starting cursor, then records with their cursor as id', async () => {
    const client = await connectSse(`${url}/events`, auth)
    expect(client.status).toBe(200)
    expect(client.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const ready = await client.events.next()
    expect(ready.event).toBe('ready')
    expect(ready.id).toMatch(/^1~/)
    expect(JSON.parse(ready.data)).toMatchObject({
      stream: 'all',
      principal: 'alice',
      topics: [topic],
    })
    await produceRecords(topic, [
      { key: 'a', value: { n: 1 }, partition: 0 },
      { key: 'b', value: null, partition: 1 },
    ])
    const events = await client.events.take(2)
    const kinds = Object.fromEntries(events.map((e) => [parse(e).key, e.event]))
    expect(kinds).toEqual({ a: 'record', b: 'tombstone' })
    for (const event of events) expect(event.id).toMatch(/^1~/)
    // Heartbeats keep proxies from timing the stream out.
    expect(await client.comments.next()).toBe('keep-alive')
    client.close()
  })

  it('resumes with Last-Event-ID exactly after the last record: no gap, no repeat', async () => {
    const first = await connectSse(`${url}/events`, auth)
    await first.events.next((e) => e.event === 'ready')
    const batch = (from: number) =>
      Array.from({ length: 12 }, (_, i) => ({
        key: `r${from + i}`,
        value: { n: from + i },
        partition: (from + i) % 3,
      }))
    await produceRecords(topic, batch(0))
    // The client stops after five records: the id of the fifth is where it resumes.
    const five = await first.events.take(5, (e) => e.event === 'record')
    const seen = five.map(parse)
    const lastId = five[4]?.id as string
    first.close()
    // Produced while the client is away, to partitions it has and has not read from.
    await produceRecords(topic, batch(12))
    const second = await connectSse(`${url}/events`, { ...auth, 'last-event-id': lastId })
    await second.events.next((e) => e.event === 'ready')
    const rest = (await second.events.take(19, (e) => e.event === 'record')).map(parse)
    const all = [...seen, ...rest]
    expect(new Set(all.map(ident)).size).toBe(24)
    expect(all.map((r) => (r.value as { n: number }).n).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 24 }, (_, i) => i)
    )
    // Nothing more than those 24.
    await expect(second.events.next((e) => e.event === 'record', 1000)).rejects.toThrow(/timed out/)
    second.close()
  })

  it('resumes from the ready id when no record came before the client left', async () => {
    const first = await connectSse(`${url}/events`, auth)
    const ready = await first.events.next((e) => e.event === 'ready')
    first.close()
    await produceRecords(topic, [{ key: 'while-away', value: 1, partition: 2 }])
    const second = await connectSse(`${url}/events`, { ...auth, 'last-event-id': ready.id ?? '' })
    const record = parse(await second.events.next((e) => e.event === 'record'))
    expect(record.key).toBe('while-away')
    second.close()
  })

  it('drops exactly what the filters reject before it leaves the node', async () => {
    const h = (kind: string) => ({ kind })
    await produceRecords(filtered, [
      { key: 'order-1', value: { amount: 150 }, headers: h('created') }, // passes
      { key: 'order-2', value: { amount: 50 }, headers: h('created') }, // amount too small
      { key: 'refund-3', value: { amount: 500 }, headers: h('created') }, // key
      { key: 'order-4', value: { amount: 500 }, headers: h('updated') }, // header
      { key: 'order-5', value: { amount: 500 } }, // header missing
      { key: 'order-6', value: 'not json', headers: h('created') }, // no document
      { key: null, value: { amount: 500 }, headers: h('created') }, // no key
      { key: 'order-8', value: { amount: 101 }, headers: h('created') }, // passes
    ])
    const client = await connectSse(`${url}/big-orders`, auth)
    const got = (await client.events.take(2, (e) => e.event === 'record')).map(parse)
    expect(got.map((r) => r.key)).toEqual(['order-1', 'order-8'])
    await expect(client.events.next((e) => e.event === 'record', 1000)).rejects.toThrow(/timed out/)
    client.close()
  })

  it('decodes Avro values through the registry into JSON', async () => {
    const posted = await fetch(`${url}/clicks`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ page: '/home', ms: 42 }),
    })
    expect(posted.status).toBe(202)
    const client = await connectSse(`${url}/clicks`, auth)
    const event = await client.events.next((e) => e.event === 'record')
    expect(JSON.parse(event.data)).toMatchObject({
      value: { page: '/home', ms: 42 },
      encoding: { value: 'avro' },
      schemaId: expect.any(Number),
    })
    client.close()
  })

  it('answers problem+json before streaming: 401, 400 for a bad cursor or start', async () => {
    const anonymous = await connectSse(`${url}/events`)
    expect(anonymous.status).toBe(401)
    const badCursor = await connectSse(`${url}/events`, { ...auth, 'last-event-id': 'nonsense' })
    expect(badCursor.status).toBe(400)
    expect(badCursor.body).toMatchObject({ detail: expect.stringContaining('cursor') })
    const badStart = await connectSse(`${url}/events?from=yesterday`, auth)
    expect(badStart.status).toBe(400)
  })
})
