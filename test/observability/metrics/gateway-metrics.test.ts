import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  defaultMetricsSettings,
  GatewayMetrics,
} from '../../../src/observability/metrics/gateway-metrics.ts'
import { metricsRoutes } from '../../../src/observability/metrics/metrics-routes.ts'
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
  bytesOut: 0,
  durationMs: 12,
  backendMs: 5,
  startedAt: Date.now(),
  ...over,
})

describe('GatewayMetrics', () => {
  it('counts requests by outcome and reason, records and bytes by direction, and latency', async () => {
    const metrics = new GatewayMetrics()
    metrics.observe(request())
    metrics.observe(request({ outcome: 'rejected', reason: 'acl', status: 403, records: 0 }))
    metrics.observe(
      request({ door: 'sse', kind: 'session', records: 7, bytesIn: 0, bytesOut: 700 })
    )
    expect(await metricValue(metrics, 'weir_requests_total', { outcome: 'accepted' })).toBe(2)
    expect(await metricValue(metrics, 'weir_requests_total', { door: 'http', reason: 'acl' })).toBe(
      1
    )
    expect(await metricValue(metrics, 'weir_records_total', { direction: 'in' })).toBe(2)
    expect(
      await metricValue(metrics, 'weir_records_total', { direction: 'out', door: 'sse' })
    ).toBe(7)
    expect(await metricValue(metrics, 'weir_bytes_total', { direction: 'out' })).toBe(700)
    expect(
      await metricValue(metrics, 'weir_request_duration_seconds', { door: 'http' }, '_count')
    ).toBe(2)
    expect(
      await metricValue(metrics, 'weir_backend_duration_seconds', { door: 'http' }, '_sum')
    ).toBeCloseTo(0.01)
    // Sessions are not requests with a latency.
    expect(
      await metricValue(metrics, 'weir_request_duration_seconds', { door: 'sse' }, '_count')
    ).toBe(0)
  })

  it('keeps principal and topic labels bounded', async () => {
    const metrics = new GatewayMetrics({
      ...defaultMetricsSettings,
      labels: {
        principal: { mode: 'cap', max: 3 },
        topic: { mode: 'hash', max: 4 },
        route: { mode: 'cap', max: 10 },
      },
    })
    for (let i = 0; i < 50; i++) {
      metrics.observe(request({ principal: `user-${i}`, topic: `topic-${i}` }))
    }
    const { values } = await metrics.registry.getSingleMetric('weir_requests_total')!.get()
    const principals = new Set(values.map((v) => v.labels.principal))
    const topics = new Set(values.map((v) => v.labels.topic))
    expect(principals).toEqual(new Set(['user-0', 'user-1', 'user-2', '_other']))
    expect(topics.size).toBeLessThanOrEqual(4)
    expect(await metricValue(metrics, 'weir_requests_total', { principal: '_other' })).toBe(47)
  })

  it('keeps labels bounded across reloads: values kept before a reload still count', async () => {
    const settings = (max: number) => ({
      ...defaultMetricsSettings,
      labels: {
        principal: { mode: 'cap' as const, max },
        topic: { mode: 'cap' as const, max: 10 },
        route: { mode: 'cap' as const, max: 10 },
      },
    })
    const metrics = new GatewayMetrics(settings(2))
    const principals = async () => {
      const { values } = await metrics.registry.getSingleMetric('weir_requests_total')!.get()
      return new Set(values.map((v) => v.labels.principal))
    }
    for (const round of [0, 1, 2]) {
      metrics.configure(settings(2)) // every applied config, changed or not, configures
      for (let i = 0; i < 5; i++) metrics.observe(request({ principal: `user-${round}-${i}` }))
    }
    expect(await principals()).toEqual(new Set(['user-0-0', 'user-0-1', '_other']))
    // A higher bound lets in as many more as it adds, not a whole new set.
    metrics.configure(settings(3))
    for (let i = 0; i < 5; i++) metrics.observe(request({ principal: `late-${i}` }))
    expect(await principals()).toEqual(new Set(['user-0-0', 'user-0-1', 'late-0', '_other']))
  })

  it('counts what was observed between reads once, whichever way the registry is read', async () => {
    const metrics = new GatewayMetrics()
    for (let i = 0; i < 3; i++) metrics.observe(request())
    expect(await metricValue(metrics, 'weir_requests_total', { principal: 'alice' })).toBe(3)
    expect(await metrics.metrics()).toContain(
      'weir_bytes_total{door="http",virtual_cluster="shop",route="orders",topic="orders",principal="alice",direction="in"} 300'
    )
    metrics.observe(request({ records: 5 }))
    const json = await metrics.registry.getMetricsAsJSON()
    const records = json.find((m) => m.name === 'weir_records_total')
    expect(records?.values).toEqual([expect.objectContaining({ value: 11 })])
    expect(await metricValue(metrics, 'weir_requests_total', { principal: 'alice' })).toBe(4)
  })

  it('labels what comes after a reload by the new limits, though the same values came before', async () => {
    const metrics = new GatewayMetrics()
    metrics.observe(request())
    metrics.configure({
      ...defaultMetricsSettings,
      labels: { ...defaultMetricsSettings.labels, principal: { mode: 'drop', max: 0 } },
    })
    metrics.observe(request())
    expect(await metricValue(metrics, 'weir_requests_total', { principal: 'alice' })).toBe(1)
    expect(await metricValue(metrics, 'weir_requests_total', { principal: '_all' })).toBe(1)
  })

  it('reads gauges from their sources at scrape time, summing sources', async () => {
    const metrics = new GatewayMetrics()
    let buffered = 3
    const a = metrics.source('weir_producer_buffer_records', () => ({ async: buffered }))
    metrics.source('weir_producer_buffer_records', () => ({ async: 1, batcher: 2 }))
    expect(await metricValue(metrics, 'weir_producer_buffer_records', { kind: 'async' })).toBe(4)
    buffered = 10
    expect(await metricValue(metrics, 'weir_producer_buffer_records', { kind: 'async' })).toBe(11)
    a.remove()
    expect(await metricValue(metrics, 'weir_producer_buffer_records', { kind: 'async' })).toBe(1)
  })

  it('tracks connections, refusals, config generation and reloads', async () => {
    const metrics = new GatewayMetrics()
    metrics.connectionOpened('kafka')
    metrics.connectionOpened('kafka')
    metrics.connectionClosed('kafka')
    metrics.connectionRefused('websocket', 'limit')
    metrics.configApplied(4)
    metrics.reload('applied')
    metrics.reload('rejected')
    expect(await metricValue(metrics, 'weir_connections', { door: 'kafka' })).toBe(1)
    expect(await metricValue(metrics, 'weir_connection_refusals_total', { reason: 'limit' })).toBe(
      1
    )
    expect(await metricValue(metrics, 'weir_config_generation')).toBe(4)
    expect(await metricValue(metrics, 'weir_config_reloads_total', { result: 'rejected' })).toBe(1)
  })
})

describe('GET /metrics', () => {
  it('serves the text format, without a token unless one is configured', async () => {
    const metrics = new GatewayMetrics()
    metrics.observe(request())
    let settings: { enabled: boolean; bearerTokenSha256?: string } = { enabled: true }
    const app = metricsRoutes(metrics, () => settings)
    const open = await app.request('/metrics')
    expect(open.status).toBe(200)
    expect(open.headers.get('content-type')).toContain('text/plain')
    expect(await open.text()).toContain('weir_requests_total{door="http"')

    settings = {
      enabled: true,
      bearerTokenSha256: createHash('sha256').update('scrape-me').digest('hex'),
    }
    expect((await app.request('/metrics')).status).toBe(401)
    const wrong = await app.request('/metrics', { headers: { authorization: 'Bearer nope' } })
    expect(wrong.status).toBe(401)
    const right = await app.request('/metrics', {
      headers: { authorization: 'Bearer scrape-me' },
    })
    expect(right.status).toBe(200)

    settings = { enabled: false }
    expect((await app.request('/metrics')).status).toBe(404)
  })
})
