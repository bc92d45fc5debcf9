import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { Observability } from '../../../src/config/schema/observability.ts'
import { Observability as ObservabilityService } from '../../../src/observability/observability.ts'
import {
  defaultMetricsSettings,
  GatewayMetrics,
} from '../../../src/observability/metrics/gateway-metrics.ts'
import {
  CUMULATIVE,
  OtlpMetricsExporter,
  toOtlpMetrics,
  type OtlpMetric,
  type OtlpMetricsRequest,
  type PromMetric,
} from '../../../src/observability/metrics/otlp-metrics.ts'
import type { Observation } from '../../../src/observability/observer.ts'
import { metricValue } from '../../support/metrics.ts'

const request = (over: Partial<Observation> = {}): Observation => ({
  door: 'http',
  kind: 'request',
  virtualCluster: 'shop',
  route: 'orders',
  topic: 'orders',
  principal: 'alice',
  outcome: 'accepted',
  status: 202,
  records: 2,
  bytesIn: 100,
  bytesOut: 50,
  durationMs: 3, // 0.003 s: the 0.005 bucket
  backendMs: 1,
  startedAt: Date.now(),
  ...over,
})

interface Received {
  body: OtlpMetricsRequest
  headers: IncomingHttpHeaders
  path: string
}

/** An OTLP/HTTP metrics receiver answering `status`. */
async function receiver(status = () => 200) {
  const received: Received[] = []
  const waiters: (() => void)[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({
        body: JSON.parse(Buffer.concat(chunks).toString()) as OtlpMetricsRequest,
        headers: req.headers,
        path: req.url ?? '',
      })
      for (const w of waiters.splice(0)) w()
      res.writeHead(status(), { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  servers.push(server)
  return {
    url: `http://127.0.0.1:${port}/v1/metrics`,
    received,
    /** Resolves once `n` pushes arrived. */
    async pushes(n: number): Promise<Received[]> {
      while (received.length < n) await new Promise<void>((r) => waiters.push(r))
      return received
    },
  }
}

const servers: Server[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.close()
})

const logs = () => {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = []
  const log = (level: string) => (obj: Record<string, unknown>, msg: string) =>
    lines.push({ level, obj, msg })
  const logger = {
    child: () => logger,
    warn: log('warn'),
    info: log('info'),
    error: log('error'),
    debug: log('debug'),
  }
  return { lines, logger: logger as never }
}

const find = (body: OtlpMetricsRequest, name: string): OtlpMetric | undefined =>
  body.resourceMetrics[0]?.scopeMetrics[0]?.metrics.find((m) => m.name === name)

const attrs = (point: { attributes: { key: string; value: { stringValue: string } }[] }) =>
  Object.fromEntries(point.attributes.map((a) => [a.key, a.value.stringValue]))

async function promMetrics(metrics: GatewayMetrics): Promise<PromMetric[]> {
  return (await metrics.registry.getMetricsAsJSON()) as unknown as PromMetric[]
}

describe('toOtlpMetrics', () => {
  it('turns counters into cumulative monotonic sums, gauges into gauges, with their labels', async () => {
    const metrics = new GatewayMetrics()
    metrics.observe(request())
    metrics.observe(request({ outcome: 'rejected', reason: 'acl', status: 403 }))
    metrics.connectionOpened('websocket')
    metrics.connectionOpened('websocket')
    const body = toOtlpMetrics(await promMetrics(metrics), {
      resource: { 'service.name': 'weir-test' },
      scope: { name: 'weir' },
      startTimeMs: 1_000,
      timeMs: 2_000,
    })
    expect(body.resourceMetrics[0]?.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'weir-test' } },
    ])
    expect(body.resourceMetrics[0]?.scopeMetrics[0]?.scope).toEqual({ name: 'weir' })

    const requests = find(body, 'weir_requests_total')
    expect(requests?.sum?.aggregationTemporality).toBe(CUMULATIVE)
    expect(requests?.sum?.isMonotonic).toBe(true)
    expect(requests?.description).toMatch(/Finished gateway requests/)
    const points = requests?.sum?.dataPoints ?? []
    expect(points).toHaveLength(2)
    const rejected = points.find((p) => attrs(p).outcome === 'rejected')
    expect(attrs(rejected!)).toEqual({
      door: 'http',
      virtual_cluster: 'shop',
      route: 'orders',
      topic: 'orders',
      principal: 'alice',
      outcome: 'rejected',
      reason: 'acl',
    })
    expect(rejected).toMatchObject({
      asDouble: 1,
      startTimeUnixNano: '1000000000',
      timeUnixNano: '2000000000',
    })
    const bytes = find(body, 'weir_bytes_total')
    expect(bytes?.unit).toBe('By')
    expect(bytes?.sum?.dataPoints.find((p) => attrs(p).direction === 'out')?.asDouble).toBe(100)

    const connections = find(body, 'weir_connections')
    expect(connections?.sum).toBeUndefined()
    expect(connections?.gauge?.dataPoints).toEqual([
      {
        attributes: [{ key: 'door', value: { stringValue: 'websocket' } }],
        timeUnixNano: '2000000000',
        asDouble: 2,
      },
    ])
    // Metrics without a sample yet are left out.
    expect(find(body, 'weir_config_reloads_total')).toBeUndefined()
  })

  it('turns histograms into explicit-bucket histograms with per-bucket counts', async () => {
    const metrics = new GatewayMetrics({
      ...defaultMetricsSettings,
      latencyBuckets: [0.01, 0.1, 1],
    })
    for (const ms of [3, 5, 50, 500, 5000]) metrics.observe(request({ durationMs: ms }))
    const body = toOtlpMetrics(await promMetrics(metrics), {
      resource: {},
      scope: { name: 'weir' },
      startTimeMs: 0,
      timeMs: 1,
    })
    const duration = find(body, 'weir_request_duration_seconds')
    expect(duration?.unit).toBe('s')
    expect(duration?.histogram?.aggregationTemporality).toBe(CUMULATIVE)
    const [point, ...more] = duration?.histogram?.dataPoints ?? []
    expect(more).toHaveLength(0)
    expect(attrs(point!)).toEqual({
      door: 'http',
      virtual_cluster: 'shop',
      route: 'orders',
      outcome: 'accepted',
    })
    expect(point).toMatchObject({
      count: '5',
      explicitBounds: [0.01, 0.1, 1],
      // <= 0.01: 2, (0.01, 0.1]: 1, (0.1, 1]: 1, above 1: 1
      bucketCounts: ['2', '1', '1', '1'],
    })
    expect(point?.sum).toBeCloseTo(5.558)
  })

  it('turns summaries into summaries and leaves out values JSON cannot carry', () => {
    const body = toOtlpMetrics(
      [
        {
          name: 'gc_pause',
          help: 'pauses',
          type: 'summary',
          values: [
            { labels: { quantile: 0.99, kind: 'major' }, value: 9 },
            { labels: { quantile: 0.5, kind: 'major' }, value: 2 },
            { metricName: 'gc_pause_sum', labels: { kind: 'major' }, value: 30 },
            { metricName: 'gc_pause_count', labels: { kind: 'major' }, value: 10 },
          ],
        },
        { name: 'broken', help: '', type: 'gauge', values: [{ labels: {}, value: NaN }] },
      ],
      { resource: {}, scope: { name: 'weir' }, startTimeMs: 0, timeMs: 0 }
    )
    expect(find(body, 'gc_pause')?.summary?.dataPoints).toEqual([
      {
        attributes: [{ key: 'kind', value: { stringValue: 'major' } }],
        startTimeUnixNano: '0',
        timeUnixNano: '0',
        count: '10',
        sum: 30,
        quantileValues: [
          { quantile: 0.5, value: 2 },
          { quantile: 0.99, value: 9 },
        ],
      },
    ])
    expect(find(body, 'broken')).toBeUndefined()
  })
})

describe('OtlpMetricsExporter', () => {
  const exporterFor = (
    metrics: GatewayMetrics,
    endpoint: string,
    logger = logs().logger,
    overrides: { intervalMs?: number; timeoutMs?: number } = {}
  ) =>
    new OtlpMetricsExporter(
      {
        endpoint,
        headers: { authorization: 'Bearer push-token' },
        intervalMs: 50,
        timeoutMs: 2_000,
        ...overrides,
      },
      {
        collect: () => promMetrics(metrics),
        resource: { 'service.name': 'weir' },
        scope: { name: 'weir' },
        startTimeMs: metrics.startedAt,
        logger,
        result: (r) => metrics.otlpExport(r),
      }
    )

  it('pushes the registry every interval to the endpoint, with its headers', async () => {
    const sink = await receiver()
    const metrics = new GatewayMetrics()
    metrics.observe(request())
    const exporter = exporterFor(metrics, sink.url)
    exporter.start()
    try {
      const [first] = await sink.pushes(1)
      metrics.observe(request())
      const pushes = await sink.pushes(3)
      expect(first?.path).toBe('/v1/metrics')
      expect(first?.headers['content-type']).toBe('application/json')
      expect(first?.headers.authorization).toBe('Bearer push-token')
      const total = (r: Received) =>
        find(r.body, 'weir_requests_total')?.sum?.dataPoints[0]?.asDouble
      expect(total(first!)).toBe(1)
      expect(total(pushes.at(-1)!)).toBe(2)
      const backend = find(pushes.at(-1)!.body, 'weir_backend_duration_seconds')
      expect(backend?.histogram?.dataPoints[0]?.count).toBe('2')
    } finally {
      await exporter.close()
    }
    expect(
      await metricValue(metrics, 'weir_otlp_metric_exports_total', { result: 'success' })
    ).toBeGreaterThanOrEqual(3)
  })

  it('counts failures and logs them when they start, not on every push, and when they stop', async () => {
    let status = 503
    const sink = await receiver(() => status)
    const metrics = new GatewayMetrics()
    const { lines, logger } = logs()
    const exporter = exporterFor(metrics, sink.url, logger)
    expect(await exporter.export()).toBe(false)
    expect(await exporter.export()).toBe(false)
    expect(await exporter.export()).toBe(false)
    expect(
      await metricValue(metrics, 'weir_otlp_metric_exports_total', { result: 'failure' })
    ).toBe(3)
    const warnings = lines.filter((l) => l.level === 'warn')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.obj.error).toMatch(/HTTP 503/)
    status = 200
    expect(await exporter.export()).toBe(true)
    expect(lines.filter((l) => l.level === 'info')).toMatchObject([{ obj: { failures: 3 } }])
    await exporter.close()
  })

  it('never throws when the endpoint is unreachable, and skips a push while one is running', async () => {
    const metrics = new GatewayMetrics()
    const dead = exporterFor(metrics, 'http://127.0.0.1:1/v1/metrics')
    await expect(dead.export()).resolves.toBe(false)
    await dead.close()

    // A receiver that never answers: the second push finds the first still running.
    const server = createServer(() => undefined)
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const slow = exporterFor(metrics, `http://127.0.0.1:${port}/v1/metrics`, logs().logger, {
      timeoutMs: 300,
    })
    const first = slow.export()
    await expect(slow.export()).resolves.toBe(false)
    await expect(first).resolves.toBe(false)
    expect(
      await metricValue(metrics, 'weir_otlp_metric_exports_total', { result: 'skipped' })
    ).toBe(1)
    const started = performance.now()
    await slow.close() // its last push gives up after the timeout
    expect(performance.now() - started).toBeLessThan(2_000)
    server.closeAllConnections()
  })
})

describe('Observability with observability.metrics.otlp', () => {
  it('pushes when configured, stops on a reload that removes it, and pushes once more on close', async () => {
    const sink = await receiver()
    const metrics = new GatewayMetrics()
    const config = Observability.parse({
      metrics: { otlp: { endpoint: sink.url, intervalMs: 1_000 } },
      tracing: { serviceName: 'weir-unit' },
    })
    const observability = new ObservabilityService(config, {
      metrics,
      kafka: () => {
        throw new Error('no Kafka here')
      },
      logger: logs().logger,
    })
    observability.observe(request())
    const [push] = await sink.pushes(1)
    const resource = attrs(push!.body.resourceMetrics[0]!.resource)
    expect(resource['service.name']).toBe('weir-unit')
    expect(resource['service.instance.id']).toMatch(/:\d+$/)
    expect(find(push!.body, 'weir_requests_total')?.sum?.dataPoints[0]?.asDouble).toBe(1)

    // Removing it pushes a last time (the retired exporter's close), then nothing more.
    observability.update(Observability.parse({ tracing: { serviceName: 'weir-unit' } }))
    await observability.close()
    const count = sink.received.length
    await new Promise((r) => setTimeout(r, 1_200))
    expect(sink.received.length).toBe(count)
  })

  it('metrics turned off: nothing counted and nothing pushed', async () => {
    const sink = await receiver()
    const metrics = new GatewayMetrics()
    const observability = new ObservabilityService(
      Observability.parse({
        metrics: { enabled: false, otlp: { endpoint: sink.url, intervalMs: 1_000 } },
      }),
      { metrics, kafka: () => ({}) as never, logger: logs().logger }
    )
    observability.observe(request())
    expect(await metricValue(metrics, 'weir_requests_total')).toBe(0)
    await observability.close()
    expect(sink.received).toHaveLength(0)
  })
})
