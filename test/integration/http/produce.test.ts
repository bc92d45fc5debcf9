// HTTP produce against the real broker: what lands in the topic is exactly what the route says.
import { describe, expect, it } from 'vitest'
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import type { KafkaMessage } from 'kafkajs'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, endOffsetSum, stack, testKafka, uniqueName } from '../../support/kafka.ts'

async function readAll(
  topic: string,
  count: number
): Promise<(KafkaMessage & { partition: number })[]> {
  const consumer = testKafka().consumer({ groupId: uniqueName('reader') })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen: (KafkaMessage & { partition: number })[] = []
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${seen.length} of ${count} records arrived`)),
        20_000
      )
      consumer
        .run({
          eachMessage: async ({ message, partition }) => {
            seen.push({ ...message, partition })
            if (seen.length >= count) {
              clearTimeout(timer)
              resolve()
            }
          },
        })
        .catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  return seen
}

function listener(routes: string): string {
  return `virtualClusters:
  - name: vc
    backendCluster: main
    schemaRegistry: registry
listeners:
  - name: public
    kind: http
    port: 0
    routes:
${routes.replace(/^( *)- path: (.*)$/gm, '$1- path: $2\n$1  virtualCluster: vc')}`
}

const headersOf = (m: KafkaMessage) =>
  Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)]))

describe('HTTP produce', () => {
  it('produces the body, key, partition and headers exactly as the route says', async () => {
    const topic = await createTopic('orders', 3)
    const { url } = await startTestGateway(
      listener(`      - path: /devices/{id}/telemetry
        method: PUT
        topic: ${topic}
        key: { from: path, name: id }
        partition: { from: query, name: p }
        headers:
          forward: [x-request-id, x-tenant]
          rename: { x-request-id: request_id }
          set: { source: weir }
`)
    )
    const body = '{"temp":21.5,"unit":"C"}'
    const res = await fetch(`${url}/devices/dev-7/telemetry?p=2`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        'x-request-id': 'r-1',
        'x-tenant': 'acme',
        'x-other': 'no',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
      body,
    })
    expect(res.status).toBe(202)
    const accepted = (await res.json()) as Record<string, unknown>
    expect(accepted).toMatchObject({ topic, partition: 2, offset: '0' })
    expect(typeof accepted.id).toBe('string')
    expect(Number(accepted.timestamp)).toBeGreaterThan(Date.now() - 60_000)

    const [record] = await readAll(topic, 1)
    expect(record?.partition).toBe(2)
    expect(record?.key?.toString()).toBe('dev-7')
    expect(record?.value?.toString()).toBe(body)
    expect(headersOf(record as KafkaMessage)).toEqual({
      request_id: 'r-1',
      'x-tenant': 'acme',
      source: 'weir',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    })
  })

  it('produces a JSON array batch in order, keyed from each event', async () => {
    const topic = await createTopic('batch')
    const { url } = await startTestGateway(
      listener(
        `      - path: /orders\n        topic: ${topic}\n        key: { from: body, pointer: /id }\n`
      )
    )
    const events = [1, 2, 3].map((n) => ({ id: `o-${n}`, amount: n }))
    const res = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(events),
    })
    expect(res.status).toBe(202)
    const accepted = (await res.json()) as { count: number; records: { offset: string }[] }
    expect(accepted.count).toBe(3)
    expect(accepted.records.map((r) => r.offset)).toEqual(['0', '1', '2'])
    const records = await readAll(topic, 3)
    expect(records.map((r) => r.key?.toString())).toEqual(['o-1', 'o-2', 'o-3'])
    expect(records.map((r) => JSON.parse(String(r.value)))).toEqual(events)
  })

  it('rejects a batch with a missing key as one, listing the bad record, and writes nothing', async () => {
    const topic = await createTopic('reject')
    const { url } = await startTestGateway(
      listener(
        `      - path: /orders\n        topic: ${topic}\n        key: { from: body, pointer: /id }\n`
      )
    )
    const res = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: '{"id":"a"}\n{"nokey":true}\n{"id":"c"}\n',
    })
    expect(res.status).toBe(422)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    const problem = (await res.json()) as { violations: unknown[] }
    expect(problem.violations).toEqual([
      { record: 1, part: 'key', path: '', message: 'no key at /id' },
    ])
    expect(await endOffsetSum(topic)).toBe(0)
  })

  it('maps CloudEvents to ce_ headers and serves the generic topics endpoint', async () => {
    const topic = await createTopic('ce')
    const { url } = await startTestGateway(`virtualClusters:
  - name: vc
    backendCluster: main
listeners:
  - name: public
    kind: http
    port: 0
    topicsEndpoint:
      virtualCluster: vc
      allowed: ['ce-*']
`)
    const res = await fetch(`${url}/topics/${topic}`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: 'e-1',
        source: '/shop',
        type: 'order.created',
        datacontenttype: 'application/json',
        data: { n: 1 },
      }),
    })
    expect(res.status).toBe(202)
    const [record] = await readAll(topic, 1)
    expect(JSON.parse(String(record?.value))).toEqual({ n: 1 })
    expect(headersOf(record as KafkaMessage)).toEqual({
      ce_specversion: '1.0',
      ce_id: 'e-1',
      ce_source: '/shop',
      ce_type: 'order.created',
      'content-type': 'application/json',
    })

    const outside = await fetch(`${url}/topics/other`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
    expect(outside.status).toBe(404)
  })
})

describe('HTTP produce through schemas', () => {
  it('accepts natural JSON for Avro unions and writes bytes a Confluent deserializer reads', async () => {
    const topic = await createTopic('avro')
    const registry = new SchemaRegistry({ host: stack().registryUrl })
    await registry.register(
      {
        type: SchemaType.AVRO,
        schema: JSON.stringify({
          type: 'record',
          name: 'Order',
          namespace: 'shop',
          fields: [
            { name: 'id', type: 'string' },
            { name: 'amount', type: 'double' },
            { name: 'note', type: ['null', 'string'], default: null },
            { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
          ],
        }),
      },
      { subject: `${topic}-value` }
    )
    const { url } = await startTestGateway(`virtualClusters:
  - name: vc
    backendCluster: main
    schemaRegistry: registry
    policies: [orders-schema]
policies:
  - name: orders-schema
    kind: schema
    topics: ['${topic}']
    value: { format: avro }
listeners:
  - name: public
    kind: http
    port: 0
    routes:
      - { path: /orders, topic: ${topic}, virtualCluster: vc, key: { from: body, pointer: /id } }
`)
    const events = [
      { id: 'o-1', amount: 9.5, note: 'rush', tags: ['a'] },
      { id: 'o-2', amount: 1, note: { string: 'wrapped' } },
      { id: 'o-3', amount: 2, note: null },
    ]
    const res = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(events),
    })
    expect(res.status).toBe(202)
    const records = await readAll(topic, 3)
    const decoded = await Promise.all(records.map((r) => registry.decode(r.value as Buffer)))
    expect(decoded).toEqual([
      { id: 'o-1', amount: 9.5, note: 'rush', tags: ['a'] },
      { id: 'o-2', amount: 1, note: 'wrapped', tags: [] },
      { id: 'o-3', amount: 2, note: null, tags: [] },
    ])
  })

  it('validates JSON Schema and writes Confluent-framed JSON', async () => {
    const topic = await createTopic('jsonschema')
    const registry = new SchemaRegistry({ host: stack().registryUrl })
    const schema = {
      type: 'object',
      properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
      required: ['sku', 'qty'],
      additionalProperties: false,
    }
    await registry.register(
      { type: SchemaType.JSON, schema: JSON.stringify(schema) },
      { subject: `${topic}-value` }
    )
    const { url } = await startTestGateway(`virtualClusters:
  - name: vc
    backendCluster: main
    schemaRegistry: registry
    policies: [stock-schema]
policies:
  - name: stock-schema
    kind: schema
    value: { format: json-schema }
listeners:
  - name: public
    kind: http
    port: 0
    routes:
      - { path: /stock, topic: ${topic}, virtualCluster: vc }
`)
    const bad = await fetch(`${url}/stock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"sku":"s","qty":0,"x":1}',
    })
    expect(bad.status).toBe(422)
    const problem = (await bad.json()) as { violations: { path: string }[] }
    expect(problem.violations.map((v) => v.path).sort()).toEqual(['/qty', '/x'])

    const ok = await fetch(`${url}/stock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"sku":"s","qty":3}',
    })
    expect(ok.status).toBe(202)
    const [record] = await readAll(topic, 1)
    expect(await registry.decode(record?.value as Buffer)).toEqual({ sku: 's', qty: 3 })
  })
})
