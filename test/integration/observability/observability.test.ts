// Issue 8 end to end, on one gateway with every door: metrics move per door and per rejection
// reason; a trace id sent with an HTTP produce is on the record in Kafka and on the span exported
// (to an in-process OTLP/HTTP receiver) when a stream delivers it; the access log topic gets one
// well-formed, zstd-compressed record per request in the configured format.
import kafkajs, { CompressionTypes, Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeMetrics } from '../../../src/observability/metrics/gateway-metrics.ts'
import { hashApiKey, hashPassword } from '../../../src/policy/secrets.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, stack, testKafka, uniqueName } from '../../support/kafka.ts'
import { metricValue } from '../../support/metrics.ts'
import { freePortRange } from '../../support/ports.ts'
import { otlpReceiver } from '../../support/otlp.ts'
import { connectSse } from '../../support/stream-clients.ts'

const until = async <T>(read: () => T | Promise<T>, ok: (v: T) => boolean, ms = 15_000) => {
  const end = Date.now() + ms
  let value = await read()
  while (!ok(value) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100))
    value = await read()
  }
  return value
}

describe('observability across the doors', () => {
  const metrics = nodeMetrics()
  const alice = { 'x-api-key': 'key-alice', 'content-type': 'application/json' }
  let url = ''
  let kafkaPort = 0
  let open = ''
  let secret = ''
  let typed = ''
  let accessTopic = ''
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>
  let zstdBatches = 0

  beforeAll(async () => {
    receiver = await otlpReceiver()
    open = await createTopic('obs-open')
    secret = await createTopic('obs-secret')
    typed = await createTopic('obs-typed')
    accessTopic = await createTopic('obs-access')
    kafkaPort = await freePortRange(3)
    const started = await startTestGateway(
      `virtualClusters:
  - name: shop
    backendCluster: main
    authentication:
      - kind: api-key
        keys: [{ principal: alice, sha256: ${hashApiKey('key-alice')} }]
      - kind: basic
        users: [{ username: alice, passwordHash: '${await hashPassword('alice-password')}' }]
    policies: [shop-acl, typed-schema]
  - name: limited
    backendCluster: main
    policies: [one-per-second]
  - name: dead
    backendCluster: dead
policies:
  - name: shop-acl
    kind: acl
    rules:
      - { principals: [alice], names: ['obs-open-*', 'obs-typed-*'], operations: [produce, consume, describe, manage] }
      - { principals: [alice], resource: group, names: ['*'], operations: [consume, describe] }
  - name: typed-schema
    kind: schema
    topics: ['obs-typed-*']
    value:
      format: json-schema
      schema: { type: object, required: [n], properties: { n: { type: number } } }
  - name: one-per-second
    kind: rate-limit
    per: virtual-cluster
    requestsPerSecond: 1
listeners:
  - name: public
    kind: http
    port: 0
    topicsEndpoint: { virtualCluster: shop, allowed: ['*'] }
    routes:
      - { name: limited, path: /limited, topic: ${open}, virtualCluster: limited }
      - name: dead
        path: /dead
        topic: ${open}
        virtualCluster: dead
        delivery: { ackTimeoutMs: 1000 }
    streams:
      - path: /streams/{topic}
        name: by-topic
        virtualCluster: shop
        topics: { from: path, name: topic, allowed: ['*'] }
        start: earliest
        maxConnectionsPerPrincipal: 1
  - name: kafka
    kind: kafka
    virtualCluster: shop
    port: ${kafkaPort}
observability:
  tracing:
    enabled: true
    serviceName: weir-it
    otlp: { endpoint: '${receiver.url}' }
  accessLog:
    sinks:
      - kind: kafka
        name: audit
        backendCluster: main
        topic: ${accessTopic}
        compression: zstd
        acks: all
        batch: { maxRecords: 50, lingerMs: 20 }
        format:
          fields: [time, door, route, topic, principal, outcome, reason, status, records, durationMs, traceId]
          rename: { durationMs: latency_ms, principal: consumer }
          static: { app_name: weir, ask_id: A-1234 }
`,
      {},
      `  - name: dead
    bootstrapServers: 127.0.0.1:1
    connectionTimeoutMs: 200
    requestTimeoutMs: 500
`
    )
    url = started.url
    // After the gateway registered its codecs (registering again replaces them):
    // Count the batches the zstd codec compresses: the access log sink's.
    const codecs = kafkajs.CompressionCodecs as Record<number, () => { compress: unknown }>
    const zstd = codecs[CompressionTypes.ZSTD]!
    codecs[CompressionTypes.ZSTD] = () => {
      const codec = zstd() as { compress(e: unknown): Promise<Buffer>; decompress: unknown }
      return {
        ...codec,
        compress: (encoder: unknown) => {
          zstdBatches++
          return codec.compress(encoder)
        },
      }
    }
  })

  afterAll(() => receiver.server.close())

  const post = (path: string, body: string, headers: Record<string, string> = alice) =>
    fetch(`${url}${path}`, { method: 'POST', headers, body })
  const requests = (labels: Record<string, string>) =>
    metricValue(metrics, 'weir_requests_total', labels)

  it('HTTP produce: accepted and every rejection reason move their counters', async () => {
    const before = await requests({ door: 'http', outcome: 'accepted', principal: 'alice' })
    expect((await post(`/topics/${open}`, '[{"n":1},{"n":2}]')).status).toBe(202)
    expect(await requests({ door: 'http', outcome: 'accepted', principal: 'alice' })).toBe(
      before + 1
    )
    expect(
      await metricValue(metrics, 'weir_records_total', {
        door: 'http',
        topic: open,
        direction: 'in',
      })
    ).toBe(2)
    expect(
      await metricValue(metrics, 'weir_backend_duration_seconds', { door: 'http' }, '_count')
    ).toBeGreaterThanOrEqual(1)
    // The answer's size: the 202 body with the offsets.
    expect(
      await metricValue(metrics, 'weir_bytes_total', {
        door: 'http',
        topic: open,
        direction: 'out',
      })
    ).toBeGreaterThan(20)

    const wrongKey = { ...alice, 'x-api-key': 'nope' }
    expect((await post(`/topics/${open}`, '{}', wrongKey)).status).toBe(401)
    expect((await post(`/topics/${secret}`, '{}')).status).toBe(403)
    expect((await post(`/topics/${typed}`, '{"n":"not a number"}')).status).toBe(422)
    const limited = [await post('/limited', '{}', {}), await post('/limited', '{}', {})]
    expect(limited.map((r) => r.status)).toEqual([202, 429])
    expect([503, 504]).toContain((await post('/dead', '{}', {})).status)

    expect(await requests({ door: 'http', reason: 'auth' })).toBe(1)
    expect(await requests({ door: 'http', reason: 'acl', topic: secret })).toBe(1)
    expect(await requests({ door: 'http', reason: 'schema', topic: typed })).toBe(1)
    expect(await requests({ door: 'http', reason: 'rate', route: 'limited' })).toBe(1)
    expect(await requests({ door: 'http', reason: 'backend', route: 'dead' })).toBe(1)
  }, 30_000)

  it('a trace crosses Kafka: the record carries it, and the stream delivery continues it', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const res = await post(`/topics/${open}`, '{"traced":true}', {
      ...alice,
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    })
    expect(res.status).toBe(202)

    // In Kafka: the record's traceparent is the gateway's span, in the caller's trace.
    const consumer = testKafka().consumer({ groupId: uniqueName('obs-trace') })
    await consumer.connect()
    await consumer.subscribe({ topic: open, fromBeginning: true })
    const header = await new Promise<string>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (String(message.value).includes('traced')) {
            resolve(String(message.headers?.traceparent))
          }
        },
      })
    })
    await consumer.disconnect()
    expect(header).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`))
    const producerSpanId = header.split('-')[2]

    // Streamed over SSE: a consumer span, child of the produce span, is exported.
    const sse = await connectSse(`${url}/streams/${open}`, alice)
    expect(sse.status).toBe(200)
    await sse.events.next((e) => e.event === 'record' && e.data.includes('traced'))
    // A second session of the same principal is over the stream's connection limit.
    const second = await connectSse(`${url}/streams/${open}`, alice)
    expect(second.status).toBe(429)
    sse.close()

    const spans = await until(
      () => receiver.spans.filter((s) => s.traceId === traceId),
      (found) => found.some((s) => s.parentSpanId === producerSpanId && s.kind === 5)
    )
    const server = spans.find((s) => s.spanId === producerSpanId)
    expect(server?.kind).toBe(2) // SERVER
    expect(server?.name).toBe('POST /topics/{topic}')
    expect(server?.parentSpanId).toBe('00f067aa0ba902b7')
    expect(spans.find((s) => s.parentSpanId === producerSpanId)).toMatchObject({
      kind: 5, // CONSUMER
      name: 'by-topic deliver',
    })

    const session = { door: 'sse', route: 'by-topic', outcome: 'accepted' }
    await until(
      () => requests(session),
      (n) => n >= 1
    )
    expect(await requests(session)).toBe(1)
    expect(
      await metricValue(metrics, 'weir_records_total', { door: 'sse', direction: 'out' })
    ).toBeGreaterThanOrEqual(3)
    expect(
      await metricValue(metrics, 'weir_connection_refusals_total', { door: 'sse', reason: 'limit' })
    ).toBe(1)
    expect(await requests({ door: 'sse', reason: 'limit' })).toBe(1)
  }, 30_000)

  it('Kafka listener: requests, connections and authentication refusals are counted', async () => {
    const kafka = (password: string) =>
      new Kafka({
        clientId: 'obs',
        brokers: [`127.0.0.1:${kafkaPort}`],
        sasl: { mechanism: 'plain', username: 'alice', password },
        retry: { retries: 0 },
        logLevel: logLevel.NOTHING,
      })
    const producer = kafka('alice-password').producer()
    await producer.connect()
    await producer.send({ topic: open, messages: [{ value: 'via kafka' }] })
    expect(await metricValue(metrics, 'weir_connections', { door: 'kafka' })).toBeGreaterThan(0)
    await producer.disconnect()
    // The ACL refuses creating a topic outside alice's names (TOPIC_AUTHORIZATION_FAILED).
    const admin = kafka('alice-password').admin()
    await admin.connect()
    await expect(
      admin.createTopics({ topics: [{ topic: uniqueName('obs-secret') }] })
    ).rejects.toMatchObject({
      errors: [expect.objectContaining({ type: 'TOPIC_AUTHORIZATION_FAILED' })],
    })
    await admin.disconnect()
    expect(
      await requests({ door: 'kafka', route: 'Produce', outcome: 'accepted', principal: 'alice' })
    ).toBeGreaterThanOrEqual(1)
    // The Kafka door names the topic a Produce is for (per-topic metrics across doors).
    expect(await requests({ door: 'kafka', route: 'Produce', topic: open })).toBeGreaterThanOrEqual(
      1
    )
    expect(
      await metricValue(metrics, 'weir_bytes_total', {
        door: 'kafka',
        route: 'Produce',
        topic: open,
        direction: 'in',
      })
    ).toBeGreaterThan(0)
    expect(
      await metricValue(
        metrics,
        'weir_backend_duration_seconds',
        { door: 'kafka', route: 'Produce' },
        '_count'
      )
    ).toBeGreaterThanOrEqual(1)
    expect(await requests({ door: 'kafka', reason: 'acl' })).toBeGreaterThanOrEqual(1)

    await expect(kafka('wrong').admin().connect()).rejects.toThrow(/SASL|uthentication/)
    expect(await requests({ door: 'kafka', reason: 'auth' })).toBeGreaterThanOrEqual(1)
  }, 30_000)

  it('the access log topic holds one formatted, zstd-compressed record per request', async () => {
    const consumer = testKafka().consumer({ groupId: uniqueName('obs-access') })
    await consumer.connect()
    await consumer.subscribe({ topic: accessTopic, fromBeginning: true })
    const records: Record<string, unknown>[] = []
    void consumer.run({
      eachMessage: async ({ message }) => {
        records.push(JSON.parse(String(message.value)) as Record<string, unknown>)
      },
    })
    await until(
      () => records,
      (r) => r.some((x) => x.door === 'kafka') && r.some((x) => x.door === 'sse')
    )
    await consumer.disconnect()

    const acl = records.find((r) => r.door === 'http' && r.reason === 'acl')
    expect(acl).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      door: 'http',
      route: 'POST /topics/{topic}',
      topic: secret,
      consumer: 'alice',
      outcome: 'rejected',
      reason: 'acl',
      status: 403,
      records: 1,
      latency_ms: expect.any(Number),
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      app_name: 'weir',
      ask_id: 'A-1234',
    })
    const reasons = new Set(records.filter((r) => r.door === 'http').map((r) => r.reason))
    expect(reasons).toEqual(new Set([undefined, 'auth', 'acl', 'schema', 'rate', 'backend']))
    expect(records.find((r) => r.door === 'sse' && r.outcome === 'accepted')).toMatchObject({
      route: 'by-topic',
      consumer: 'alice',
    })
    expect(zstdBatches).toBeGreaterThan(0)
    expect(
      await metricValue(metrics, 'weir_access_log_records_total', { sink: 'audit', result: 'sent' })
    ).toBeGreaterThanOrEqual(records.length)
    expect(await metricValue(metrics, 'weir_access_log_records_total', { result: 'dropped' })).toBe(
      0
    )
    expect(stack().bootstrap).toBeTruthy()
  }, 30_000)

  it('a dead access log sink fails no request and counts every record it drops', async () => {
    // How much a dead sink costs a request is measured by `npm run bench -- access-log`, not here.
    const dead = await startTestGateway(
      `virtualClusters:
  - name: shop
    backendCluster: main
listeners:
  - name: public
    kind: http
    port: 0
    topicsEndpoint: { virtualCluster: shop, allowed: ['*'] }
observability:
  accessLog:
    sinks:
      - { kind: kafka, name: down, backendCluster: dead, topic: access, bufferRecords: 100 }
`,
      {},
      `  - name: dead
    bootstrapServers: 127.0.0.1:1
    connectionTimeoutMs: 200
`
    )
    const dropped = () =>
      metricValue(metrics, 'weir_access_log_records_total', { sink: 'down', result: 'dropped' })
    const before = await dropped()
    for (let i = 0; i < 150; i++) {
      const res = await fetch(`${dead.url}/topics/${open}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
      expect(res.status).toBe(202)
    }
    // Nothing can be sent: every one of the 150 records ends up dropped and counted.
    expect(await until(dropped, (n) => n - before >= 150)).toBeGreaterThanOrEqual(before + 150)
    const sent = await metricValue(metrics, 'weir_access_log_records_total', {
      sink: 'down',
      result: 'sent',
    })
    expect(sent).toBe(0)
  }, 30_000)
})
