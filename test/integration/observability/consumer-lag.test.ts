// Issue 8: weir_consumer_lag against a real broker, and the OTLP metrics push carrying it. A
// long-poll stream reads in a named consumer group with a small buffer: records produced before
// the client polls leave the group behind (lag > 0) until the client has paged through them
// (lag 0 once the group committed the end of the log).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeMetrics } from '../../../src/observability/metrics/gateway-metrics.ts'
import type { OtlpMetricsRequest } from '../../../src/observability/metrics/otlp-metrics.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, uniqueName } from '../../support/kafka.ts'
import { metricValue } from '../../support/metrics.ts'
import { produceRecords } from '../../support/stream-clients.ts'

interface Answer {
  cursor: string
  records: { key: string }[]
}

/** An OTLP/HTTP (JSON) metrics receiver. */
async function otlpReceiver(): Promise<{
  url: string
  pushes: OtlpMetricsRequest[]
  server: Server
}> {
  const pushes: OtlpMetricsRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      pushes.push(JSON.parse(Buffer.concat(chunks).toString()) as OtlpMetricsRequest)
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/v1/metrics`, pushes, server }
}

const until = async <T>(read: () => T | Promise<T>, ok: (v: T) => boolean, ms = 20_000) => {
  const end = Date.now() + ms
  let value = await read()
  while (!ok(value) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100))
    value = await read()
  }
  return value
}

describe('consumer lag per stream group', () => {
  const metrics = nodeMetrics()
  let url = ''
  let topic = ''
  let group = ''
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>

  beforeAll(async () => {
    receiver = await otlpReceiver()
    topic = await createTopic('lag', 2)
    group = uniqueName('lag-group')
    url = (
      await startTestGateway(`virtualClusters:
  - name: shop
    backendCluster: main
listeners:
  - name: public
    kind: http
    port: 0
    topicsEndpoint: { virtualCluster: shop, allowed: ['*'] }
    streams:
      - name: lagging
        path: /lagging
        virtualCluster: shop
        topics: ['${topic}']
        protocols: [long-poll]
        group: { mode: named, name: ${group} }
        start: earliest
        buffer: { maxRecords: 5 }
        longPoll: { maxRecords: 5, maxWaitMs: 3000 }
observability:
  metrics:
    consumerLag: { cacheMs: 200 }
    otlp: { endpoint: '${receiver.url}', intervalMs: 1000 }
`)
    ).url
  })

  afterAll(() => receiver.server.close())

  const lag = () => metricValue(metrics, 'weir_consumer_lag', { group })
  const poll = async (cursor: string): Promise<Answer> => {
    const res = await fetch(`${url}/lagging?wait=2000${cursor ? `&cursor=${cursor}` : ''}`)
    expect(res.status).toBe(200)
    return (await res.json()) as Answer
  }

  it('is above 0 while the group is behind and 0 once it caught up', async () => {
    const total = 40
    await produceRecords(
      topic,
      Array.from({ length: total }, (_, i) => ({ key: `k${i}`, value: i, partition: i % 2 }))
    )
    // The first poll joins the group; the consumer reads what fits the buffer and stops there.
    let answer = await poll('')
    const seen = answer.records.map((r) => r.key)
    const behind = await until(lag, (n) => n > 0)
    expect(behind).toBeGreaterThan(0)
    expect(behind).toBeLessThanOrEqual(total)

    for (let polls = 0; seen.length < total && polls < 50; polls++) {
      answer = await poll(answer.cursor)
      seen.push(...answer.records.map((r) => r.key))
    }
    expect(new Set(seen).size).toBe(total)
    // Every record was read and the group committed them: nothing left behind.
    expect(await until(lag, (n) => n === 0)).toBe(0)
    expect(metrics.registry.getSingleMetric('weir_consumer_lag')).toBeDefined()
  }, 60_000)

  it('pushes the metrics over OTLP, the lag gauge and request histograms included', async () => {
    const other = await createTopic('lag-produce')
    const produced = await fetch(`${url}/topics/${other}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"n":1}',
    })
    expect(produced.status).toBe(202)
    const pushed = await until(
      () =>
        receiver.pushes.flatMap((p) =>
          p.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))
        ),
      (metricsPushed) =>
        metricsPushed.some(
          (m) =>
            m.name === 'weir_consumer_lag' &&
            (m.gauge?.dataPoints ?? []).some((p) =>
              p.attributes.some((a) => a.key === 'group' && a.value.stringValue === group)
            )
        ) && metricsPushed.some((m) => m.name === 'weir_request_duration_seconds')
    )
    const gauge = pushed.find((m) => m.name === 'weir_consumer_lag')
    expect(gauge?.gauge?.dataPoints.length).toBeGreaterThan(0)
    const sessions = pushed.find((m) => m.name === 'weir_stream_sessions')
    expect(sessions?.gauge).toBeDefined()
    const duration = pushed.find((m) => m.name === 'weir_request_duration_seconds')
    const point = duration?.histogram?.dataPoints.find((p) =>
      p.attributes.some((a) => a.key === 'door' && a.value.stringValue === 'http')
    )
    expect(point?.count).toBe('1')
    expect(point?.explicitBounds).toEqual([
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ])
    expect(point?.bucketCounts.map(Number).reduce((a, b) => a + b, 0)).toBe(1)
    // The receiver holds the push before the exporter has read its answer and counted it.
    const exported = () =>
      metricValue(metrics, 'weir_otlp_metric_exports_total', { result: 'success' })
    expect(await until(exported, (n) => n > 0)).toBeGreaterThan(0)
  }, 30_000)
})
