// The developer portal against the real registry: the documents validate, a request built from
// each operation's example (produce routes, a request-reply route answered by a small replying
// service, a view of a compacted topic) gets the answer the document describes (as schemathesis
// would check), so do fetching a reply, its refusals and the reply push, a schema registered later
// shows up after the refresh interval, and the AsyncAPI document describes the stream with the
// registry's schema.
import { Parser } from '@asyncapi/parser'
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { Validator } from '@seriousme/openapi-schema-validator'
import type { IHeaders } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { hashApiKey } from '../../../src/policy/secrets.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, stack, testKafka, uniqueName } from '../../support/kafka.ts'
import {
  requestsFromDocument,
  responseValidator,
  schemaCheck,
} from '../../support/openapi-requests.ts'
import { connectSse } from '../../support/stream-clients.ts'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const REFRESH_MS = 400
const order = {
  type: 'record',
  name: 'Order',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
    { name: 'placedAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] } },
    {
      name: 'lines',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'Line',
          fields: [
            { name: 'sku', type: 'string' },
            { name: 'qty', type: 'int' },
          ],
        },
      },
    },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
}
const click = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['page', 'at'],
  additionalProperties: false,
  properties: {
    page: { type: 'string', minLength: 1 },
    at: { $ref: '#/definitions/instant' },
    referrer: { type: ['string', 'null'] },
  },
  definitions: { instant: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T' } },
}

/** What the replying service writes: a JSON Schema in the registry, so Weir decodes it. */
const receipt = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['requestId', 'accepted'],
  additionalProperties: false,
  properties: {
    requestId: { type: 'string', minLength: 1 },
    accepted: { type: 'boolean' },
    echo: {},
  },
}
/** The values of the view's compacted topic: registry-framed Avro. */
const state = {
  type: 'record',
  name: 'OrderState',
  namespace: 'shop',
  fields: [
    { name: 'orderId', type: 'string' },
    { name: 'status', type: { type: 'enum', name: 'Phase', symbols: ['OPEN', 'SHIPPED'] } },
    { name: 'total', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
    { name: 'updatedAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
}
const secret = 'portal-test-requests-secret-0123456789'
const alice = { 'x-api-key': 'key-alice' }
const bob = { 'x-api-key': 'key-bob' }

async function compactedTopic(prefix: string): Promise<string> {
  const topic = uniqueName(prefix)
  const admin = testKafka().admin()
  await admin.connect()
  try {
    await admin.createTopics({
      topics: [{ topic, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      waitForLeaders: true,
    })
  } finally {
    await admin.disconnect()
  }
  return topic
}

/**
 * A replying service: every request record gets a receipt on the topic its `weir-reply-to` names,
 * with its `weir-correlation-id` and `weir-status: 201`. Resolves once its group has joined, so a
 * request produced from then on is answered (it reads from the beginning besides).
 */
async function startReplier(
  requests: string,
  encode: (value: unknown) => Promise<Buffer>
): Promise<() => Promise<void>> {
  const kafka = testKafka('portal-replier')
  const producer = kafka.producer()
  const consumer = kafka.consumer({ groupId: uniqueName('portal-replier'), maxWaitTimeInMs: 100 })
  await Promise.all([producer.connect(), consumer.connect()])
  await consumer.subscribe({ topic: requests, fromBeginning: true })
  const joined = new Promise<void>((resolve) =>
    consumer.on(consumer.events.GROUP_JOIN, () => resolve())
  )
  const text = (value: IHeaders[string]) =>
    (Array.isArray(value) ? value.at(-1) : value)?.toString()
  await consumer.run({
    eachMessage: async ({ message }) => {
      const id = text(message.headers?.['weir-correlation-id'])
      const replyTo = text(message.headers?.['weir-reply-to'])
      if (id === undefined || replyTo === undefined) return
      const value = await encode({
        requestId: id,
        accepted: true,
        echo: JSON.parse(message.value?.toString() ?? 'null'),
      })
      await producer.send({
        topic: replyTo,
        messages: [
          { key: id, value, headers: { 'weir-correlation-id': id, 'weir-status': '201' } },
        ],
      })
    },
  })
  await joined
  return async () => {
    await consumer.disconnect()
    await producer.disconnect()
  }
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const res = await fetch(`${url}/readyz`)
    if (res.ok) return
    if (Date.now() > deadline) throw new Error(`not ready: ${await res.text()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function readBack(topic: string, count: number): Promise<Buffer[]> {
  const consumer = testKafka().consumer({ groupId: uniqueName('portal') })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const values: Buffer[] = []
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${values.length} of ${count} records`)),
        20_000
      )
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value as Buffer)
          if (values.length >= count) {
            clearTimeout(timer)
            resolve()
          }
        },
      })
    })
  } finally {
    await consumer.disconnect()
  }
  return values
}

describe('developer portal', () => {
  const registry = new SchemaRegistry({ host: stack().registryUrl })
  let url = ''
  let shadowed = ''
  let plain = ''
  let orders = ''
  let clicks = ''
  let rpc = ''
  let receipts = ''
  let states = ''
  let stopReplier: () => Promise<void> = async () => undefined

  afterAll(async () => {
    await stopReplier()
  })

  beforeAll(async () => {
    orders = await createTopic('portal-orders')
    clicks = await createTopic('portal-clicks')
    rpc = await createTopic('portal-rpc')
    receipts = await createTopic('portal-receipts')
    states = await compactedTopic('portal-states')
    const { id: receiptId } = await registry.register(
      { type: SchemaType.JSON, schema: JSON.stringify(receipt) },
      { subject: `${receipts}-value` }
    )
    const { id: stateId } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(state) },
      { subject: `${states}-value` }
    )
    // The key the document's view example reads, written before Weir starts (readiness waits).
    const producer = testKafka('portal-states').producer()
    await producer.connect()
    await producer.send({
      topic: states,
      messages: [
        {
          key: 'key-1',
          value: await registry.encode(stateId, {
            orderId: 'o-1',
            status: 'OPEN',
            total: Buffer.from([0x04, 0xd2]),
            updatedAt: 1_767_268_800_000,
          }),
        },
      ],
    })
    await producer.disconnect()
    stopReplier = await startReplier(rpc, (value) => registry.encode(receiptId, value))
    await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(order) },
      { subject: `${orders}-value` }
    )
    await registry.register(
      { type: SchemaType.JSON, schema: JSON.stringify(click) },
      { subject: `${clicks}-value` }
    )
    const started = await startTestGateway(`virtualClusters:
  - name: vc
    backendCluster: main
    schemaRegistry: registry
    authentication:
      - kind: api-key
        keys:
          - { principal: alice, sha256: ${hashApiKey('key-alice')} }
          - { principal: bob, sha256: ${hashApiKey('key-bob')} }
    policies: [schemas]
policies:
  - name: schemas
    kind: schema
    topics: ['${orders}', '${clicks}']
    value: { format: avro }
  - name: click-schema
    kind: schema
    topics: ['${clicks}']
    value: { format: json-schema }
  - name: receipt-schema
    kind: schema
    topics: ['${receipts}']
    value: { format: json-schema }
  - name: state-schema
    kind: schema
    topics: ['${states}']
    value: { format: avro }
listeners:
  - name: public
    kind: http
    port: 0
    portal: { schemaRefreshMs: ${REFRESH_MS} }
    requests: { secret: ${secret}, maxWaitMs: 10000 }
    routes:
      - { path: /orders, topic: '${orders}', virtualCluster: vc, key: { from: body, pointer: /id } }
      - { path: '/t/{name}', topic: { from: path, name: name, allowed: ['${clicks}'] }, virtualCluster: vc, policies: [click-schema], batch: false }
      - { name: rpc, path: /rpc, topic: '${rpc}', virtualCluster: vc, policies: [receipt-schema], reply: { topic: '${receipts}', timeoutMs: 15000 } }
    views:
      - { name: states, virtualCluster: vc, topic: '${states}', policies: [state-schema] }
    streams:
      - { name: orders, path: /streams/orders, virtualCluster: vc, topics: ['${orders}'] }
  - name: shadow
    kind: http
    port: 0
    portal: true
    routes:
      - { path: '/{topic}', topic: { from: path, name: topic, allowed: ['${orders}'] }, virtualCluster: vc }
  - name: plain
    kind: http
    port: 0
`)
    url = started.url
    shadowed = started.gateway.listeners[1]?.url ?? ''
    plain = started.gateway.listeners[2]?.url ?? ''
    await waitReady(url)
  })

  async function document(path: string): Promise<Json> {
    const res = await fetch(`${url}${path}`)
    expect(res.status).toBe(200)
    return (await res.json()) as Json
  }

  it('serves an OpenAPI 3.1 document that validates, as JSON and as YAML', async () => {
    const doc = await document('/openapi.json')
    const result = await new Validator().validate(doc)
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
    const yaml = await fetch(`${url}/openapi.yaml`)
    expect(yaml.headers.get('content-type')).toBe('application/yaml; charset=utf-8')
    expect(parse(await yaml.text())).toEqual(doc)
    // The registry's schemas, converted.
    expect(doc.components.schemas[`${orders}-value`]).toMatchObject({
      title: 'shop.Order',
      required: ['id', 'amount', 'placedAt', 'status', 'lines'],
    })
    expect(doc.components.schemas[`${clicks}-value`]).toMatchObject({
      properties: { at: { $ref: `#/components/schemas/${clicks}-value/definitions/instant` } },
    })
  })

  it("answers a request built from each operation's example as the document says", async () => {
    const doc = await document('/openapi.json')
    const requests = requestsFromDocument(doc, url, alice, {
      // Produce and request-reply routes, and views; streams and reply fetches take no example.
      include: (operation, _path, method) =>
        method === 'post' || (operation.tags ?? []).includes('Views'),
    })
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /orders',
      'POST /t/{name}',
      'POST /rpc',
      'GET /views/states',
      'GET /views/states/{key}',
    ])
    const check = responseValidator(doc)
    const answers = new Map<string, { status: number; headers: Headers; body: Json }>()
    for (const request of requests) {
      const res = await fetch(request.url, request.init)
      const body = (await res.json()) as Json
      answers.set(request.path, { status: res.status, headers: res.headers, body })
      expect(
        check(request.path, request.method, res.status, res.headers.get('content-type') ?? '', body)
      ).toEqual([])
      // The check itself can fail: an answer of another shape does not pass it.
      expect(
        check(request.path, request.method, res.status, 'application/json', { id: 1 })
      ).not.toEqual([])
    }
    expect(Object.fromEntries([...answers].map(([path, a]) => [path, a.status]))).toEqual({
      '/orders': 202,
      '/t/{name}': 202,
      // The replying service's status (weir-status), under the document's `default`.
      '/rpc': 201,
      '/views/states': 200,
      '/views/states/{key}': 200,
    })
    // What landed is the example, through the registry's own deserializer.
    const [orderValue] = await readBack(orders, 1)
    const sent = requests[0]?.body as Json
    expect(await registry.decode(orderValue as Buffer)).toMatchObject({
      id: sent.id,
      status: sent.status,
    })
    const [clickValue] = await readBack(clicks, 1)
    expect(await registry.decode(clickValue as Buffer)).toEqual(requests[1]?.body)
    // The reply is the service's receipt for this request, decoded from the registry.
    const reply = answers.get('/rpc') as { headers: Headers; body: Json }
    const location = reply.headers.get('content-location') ?? ''
    expect(location).toMatch(/^\/requests\/[A-Za-z0-9_-]+$/)
    expect(reply.body).toEqual({
      requestId: location.split('/').pop(),
      accepted: true,
      echo: requests[2]?.body,
    })
    // The view serves the record written with the example's key, decoded, with its ETag.
    expect(answers.get('/views/states')?.body).toMatchObject({ view: 'states', keys: ['key-1'] })
    const value = answers.get('/views/states/{key}') as { headers: Headers; body: Json }
    expect(value.body).toMatchObject({ orderId: 'o-1', status: 'OPEN' })
    expect(value.headers.get('etag')).toMatch(/^"0-\d+"$/)
  })

  it('fetches and pushes replies, and refuses, as the documents say', async () => {
    const doc = await document('/openapi.json')
    const asyncDoc = await document('/asyncapi.json')
    const check = responseValidator(doc)
    const checked = async (path: string, res: Response) =>
      check(path, 'GET', res.status, res.headers.get('content-type') ?? '', await res.json())
    const events = await connectSse(`${url}/requests`, alice)
    expect(events.status).toBe(200)
    const ready = await events.events.next((e) => e.event === 'ready')
    const sse = asyncDoc.channels['requests-sse'].messages
    expect(schemaCheck(asyncDoc, sse.ready.payload)(JSON.parse(ready.data))).toEqual([])

    const accepted = await fetch(`${url}/rpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...alice, prefer: 'respond-async' },
      body: JSON.stringify({ id: 'e-2', amount: 1 }),
    })
    expect(accepted.status).toBe(202)
    expect(accepted.headers.get('preference-applied')).toBe('respond-async')
    const location = accepted.headers.get('location') ?? ''
    expect(location).toMatch(/^\/requests\/[A-Za-z0-9_-]+$/)
    expect(
      check('/rpc', 'POST', 202, accepted.headers.get('content-type') ?? '', await accepted.json())
    ).toEqual([])

    const fetched = await fetch(`${url}${location}`, { headers: { ...alice, prefer: 'wait=10' } })
    expect(fetched.status).toBe(201)
    expect(await checked('/requests/{id}', fetched)).toEqual([])
    const other = await fetch(`${url}${location}`, { headers: bob })
    expect(other.status).toBe(403)
    expect(await checked('/requests/{id}', other)).toEqual([])
    const unknown = await fetch(`${url}/requests/not-an-id`, { headers: alice })
    expect(unknown.status).toBe(404)
    expect(await checked('/requests/{id}', unknown)).toEqual([])

    // The pushed reply is the AsyncAPI document's message.
    const pushed = await events.events.next((e) => e.event === 'reply')
    events.close()
    expect(pushed.id).toBe(location.split('/').pop())
    const message = JSON.parse(pushed.data) as Json
    expect(message).toMatchObject({ type: 'reply', status: 201, body: { accepted: true } })
    expect(schemaCheck(asyncDoc, sse.reply.payload)(message)).toEqual([])
    expect(schemaCheck(asyncDoc, sse.reply.payload)({ ...message, status: 'ok' })).not.toEqual([])

    // Views: revalidation, a missing key, a bad page size.
    const key = await fetch(`${url}/views/states/key-1`, { headers: alice })
    const etag = key.headers.get('etag') ?? ''
    const same = await fetch(`${url}/views/states/key-1`, {
      headers: { ...alice, 'if-none-match': etag },
    })
    expect(same.status).toBe(304)
    expect(same.headers.get('etag')).toBe(etag)
    expect(check('/views/states/{key}', 'GET', 304, '', await same.text())).toEqual([])
    const missing = await fetch(`${url}/views/states/nope`, { headers: alice })
    expect(missing.status).toBe(404)
    expect(await checked('/views/states/{key}', missing)).toEqual([])
    const badLimit = await fetch(`${url}/views/states?limit=0`, { headers: alice })
    expect(badLimit.status).toBe(400)
    expect(await checked('/views/states', badLimit)).toEqual([])
  })

  it('describes the refusals it gives: a body off the schema gets the documented 422', async () => {
    const doc = await document('/openapi.json')
    const [request] = requestsFromDocument(doc, url, { 'x-api-key': 'key-alice' })
    if (request === undefined) throw new Error('no request')
    const res = await fetch(request.url, {
      ...request.init,
      body: JSON.stringify({ ...(request.body as Json), status: 'LOST' }),
    })
    expect(res.status).toBe(422)
    const check = responseValidator(doc)
    expect(
      check(
        request.path,
        request.method,
        422,
        res.headers.get('content-type') ?? '',
        await res.json()
      )
    ).toEqual([])
    const anonymous = await fetch(request.url, {
      ...request.init,
      headers: { 'content-type': 'application/json' },
    })
    expect(anonymous.status).toBe(401)
    expect(
      check(
        request.path,
        request.method,
        401,
        anonymous.headers.get('content-type') ?? '',
        await anonymous.json()
      )
    ).toEqual([])
  })

  it('shows a newly registered schema version once the refresh interval has passed', async () => {
    const before = await document('/openapi.json')
    expect(Object.keys(before.components.schemas[`${orders}-value`].properties)).not.toContain(
      'coupon'
    )
    const v2 = {
      ...order,
      fields: [...order.fields, { name: 'coupon', type: ['null', 'string'], default: null }],
    }
    await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(v2) },
      { subject: `${orders}-value` }
    )
    let after = before
    const deadline = Date.now() + REFRESH_MS * 10
    while (Date.now() < deadline) {
      after = await document('/openapi.json')
      if (after.info.version !== before.info.version) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(after.info.version).not.toBe(before.info.version)
    expect(Object.keys(after.components.schemas[`${orders}-value`].properties)).toContain('coupon')
    expect(after.paths['/orders'].post.description).toMatch(/version 2 \(id \d+\)/)
  })

  it('serves an AsyncAPI 3 document of the streams that parses, with the registry schema', async () => {
    const doc = await document('/asyncapi.json')
    const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(doc))
    expect(diagnostics.filter((d) => d.severity === 0)).toEqual([])
    expect(
      parsed
        ?.channels()
        .all()
        .map((c) => c.address())
    ).toEqual(['/streams/orders', '/streams/orders', '/requests', '/requests'])
    expect(doc.servers.websocket).toMatchObject({ host: new URL(url).host, protocol: 'ws' })
    // Registry-framed Avro: the stream decodes it, so the record carries the schema's read form.
    expect(doc.components.schemas['orders.record'].properties.value.anyOf[0]).toEqual({
      $ref: `#/components/schemas/${orders}-value.delivered`,
    })
    expect(doc.components.schemas[`${orders}-value.delivered`].properties.amount).toMatchObject({
      type: 'string',
    })
    expect(parse(await (await fetch(`${url}/asyncapi.yaml`)).text())).toEqual(
      await document('/asyncapi.json')
    )
  })

  it('serves the page and its assets from Weir itself, and only where enabled', async () => {
    const page = await fetch(`${url}/portal`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    const html = await page.text()
    expect(html).toContain('src="/portal/assets/swagger-ui-bundle.js"')
    expect(html).not.toMatch(/https?:\/\//)
    const bundle = await fetch(`${url}/portal/assets/swagger-ui-bundle.js`)
    expect(bundle.status).toBe(200)
    expect(bundle.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect((await bundle.text()).length).toBeGreaterThan(100_000)
    expect((await fetch(`${url}/portal/assets/nothing.js`)).status).toBe(404)
    for (const path of ['/portal', '/openapi.json', '/asyncapi.yaml']) {
      expect((await fetch(`${plain}${path}`)).status).toBe(404)
    }
  })

  it('does not hide a produce route on a path the portal also serves, nor is hidden by it', async () => {
    const doc = await fetch(`${shadowed}/openapi.json`)
    expect(doc.status).toBe(200)
    expect(Object.keys(((await doc.json()) as Json).paths)).toEqual(['/{topic}'])
    const produced = await fetch(`${shadowed}/${orders}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'key-alice' },
      body: JSON.stringify({ id: 'x' }),
    })
    // The route answers (its schema refuses the body): it was not taken by the portal.
    expect(produced.status).toBe(422)
    expect(
      (
        await fetch(`${shadowed}/openapi.json`, {
          method: 'POST',
          headers: { 'x-api-key': 'key-alice' },
        })
      ).status
    ).toBe(404)
  })
})
