// Request-reply routes, reply fetches and views are observed as HTTP produce is: their access log
// records and metrics name the principal and the topic, their spans are named `{method} {path}`,
// their route labels take the produce routes' form (name, else method and path), and a request
// record carries the trace context of Weir's own span, child of the caller's.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeMetrics } from '../../../src/observability/metrics/gateway-metrics.ts'
import { hashApiKey } from '../../../src/policy/secrets.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, testKafka, uniqueName } from '../../support/kafka.ts'
import { metricValue } from '../../support/metrics.ts'
import { otlpReceiver } from '../../support/otlp.ts'

const alice = { 'x-api-key': 'key-alice' }
const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736'
const callerSpan = '00f067aa0ba902b7'

const until = async <T>(read: () => T | Promise<T>, ok: (v: T) => boolean, ms = 15_000) => {
  const end = Date.now() + ms
  let value = await read()
  while (!ok(value) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100))
    value = await read()
  }
  return value
}

describe('request-reply and views in telemetry', () => {
  const metrics = nodeMetrics()
  const logFile = join(mkdtempSync(join(tmpdir(), 'weir-access-')), 'access.log')
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>
  let url = ''
  const topics = { requests: '', replies: '', products: '' }

  const accessRecords = (): Record<string, unknown>[] => {
    if (!existsSync(logFile)) return []
    return readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
  }

  beforeAll(async () => {
    receiver = await otlpReceiver()
    topics.requests = await createTopic('tel-requests')
    topics.replies = await createTopic('tel-replies')
    topics.products = await createTopic('tel-products', 1, { 'cleanup.policy': 'compact' })
    const producer = testKafka().producer()
    await producer.connect()
    await producer.send({
      topic: topics.products,
      messages: [{ key: 'k1', value: JSON.stringify({ name: 'lamp' }) }],
    })
    await producer.disconnect()
    const started = await startTestGateway(`virtualClusters:
  - name: shop
    backendCluster: main
    authentication:
      - kind: api-key
        keys: [{ principal: alice, sha256: ${hashApiKey('key-alice')} }]
    policies: [shop-acl]
policies:
  - name: shop-acl
    kind: acl
    rules:
      - { principals: [alice], names: ['${topics.requests}'], operations: [produce] }
      - { principals: [alice], names: ['${topics.replies}', '${topics.products}'], operations: [consume] }
listeners:
  - name: public
    kind: http
    port: 0
    requests: { secret: telemetry-test-secret-0123456789abcdef }
    routes:
      - path: /rpc
        virtualCluster: shop
        topic: ${topics.requests}
        reply: { topic: ${topics.replies}, timeoutMs: 200 }
    views:
      - { name: products, virtualCluster: shop, topic: ${topics.products} }
observability:
  tracing:
    enabled: true
    serviceName: weir-it
    otlp: { endpoint: '${receiver.url}' }
  accessLog:
    sinks:
      - kind: file
        path: ${logFile}
`)
    url = started.url
    await until(
      async () => (await fetch(`${url}/readyz`)).status,
      (status) => status === 200,
      30_000
    )
  })

  afterAll(() => receiver.server.close())

  it('a request record continues the trace of Weir span, whose parent is the caller', async () => {
    const res = await fetch(`${url}/rpc`, {
      method: 'POST',
      headers: {
        ...alice,
        'content-type': 'application/json',
        prefer: 'respond-async',
        traceparent: `00-${callerTrace}-${callerSpan}-01`,
      },
      body: '{"ask":1}',
    })
    expect(res.status).toBe(202)
    const location = res.headers.get('location') ?? ''
    expect((await fetch(`${url}${location}`, { headers: alice })).status).toBe(202)

    const consumer = testKafka().consumer({ groupId: uniqueName('tel-trace') })
    await consumer.connect()
    await consumer.subscribe({ topic: topics.requests, fromBeginning: true })
    const header = await new Promise<string>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => resolve(String(message.headers?.traceparent)),
      })
    })
    await consumer.disconnect()
    const [, traceId, spanId] = header.split('-')
    expect(traceId).toBe(callerTrace)
    expect(spanId).not.toBe(callerSpan)

    const spans = await until(
      () => receiver.spans.filter((s) => s.traceId === callerTrace),
      (found) => found.some((s) => s.spanId === spanId)
    )
    expect(spans.find((s) => s.spanId === spanId)).toMatchObject({
      name: 'POST /rpc',
      kind: 2, // SERVER
      parentSpanId: callerSpan,
    })
  })

  it('access log records and metrics name the principal, the topic and the route', async () => {
    const read = await fetch(`${url}/views/products/k1`, { headers: alice })
    expect(read.status).toBe(200)
    expect((await fetch(`${url}/views/products/k1`)).status).toBe(401)

    const wanted = [
      { route: 'POST /rpc', topic: topics.requests, status: 202 },
      { route: 'GET /requests/{id}', topic: topics.replies, status: 202 },
      { route: 'GET /views/products/{key}', topic: topics.products, status: 200 },
    ]
    const records = await until(accessRecords, (found) => found.length >= 4)
    for (const { route, topic, status } of wanted) {
      expect(records).toContainEqual(
        expect.objectContaining({
          door: 'http',
          route,
          topic,
          principal: 'alice',
          status,
          client: expect.stringMatching(/127\.0\.0\.1$/),
        })
      )
      expect(
        await metricValue(metrics, 'weir_requests_total', {
          route,
          topic,
          principal: 'alice',
          outcome: 'accepted',
        })
      ).toBe(1)
    }
    // Refused before anyone was known: the topic is, the principal is not.
    expect(records).toContainEqual(
      expect.objectContaining({
        route: 'GET /views/products/{key}',
        topic: topics.products,
        outcome: 'rejected',
        reason: 'auth',
        status: 401,
      })
    )
    const names = new Set(receiver.spans.map((s) => s.name))
    for (const name of names) expect(name).not.toMatch(/^(GET|POST) (GET|POST) /)
    await until(
      () => receiver.spans.some((s) => s.name === 'GET /views/products/{key}'),
      (found) => found
    )
  })
})
