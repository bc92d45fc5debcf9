import { describe, expect, it } from 'vitest'
import { Observability } from '../../src/config/schema/observability.ts'

describe('observability config', () => {
  it('defaults: consumer lag on with a 5 s cache, group labels capped, no OTLP metrics push', () => {
    const config = Observability.parse({})
    expect(config.metrics.consumerLag).toEqual({ enabled: true, cacheMs: 5_000 })
    expect(config.metrics.labels.group).toEqual({ mode: 'cap', max: 200 })
    expect(config.metrics.otlp).toBeUndefined()
  })

  it('an OTLP metrics endpoint gets a 60 s interval, a 10 s timeout and no headers by default', () => {
    const config = Observability.parse({
      metrics: { otlp: { endpoint: 'http://collector:4318/v1/metrics' } },
    })
    expect(config.metrics.otlp).toEqual({
      endpoint: 'http://collector:4318/v1/metrics',
      headers: {},
      intervalMs: 60_000,
      timeoutMs: 10_000,
    })
  })

  it('refuses a push more often than every second, a non-URL endpoint and unknown fields', () => {
    const bad = [
      { otlp: { endpoint: 'http://c/v1/metrics', intervalMs: 10 } },
      { otlp: { endpoint: 'collector:4318' } },
      { otlp: { endpoint: 'http://c/v1/metrics', protocol: 'grpc' } },
      { consumerLag: { cacheMs: 0 } },
    ]
    for (const metrics of bad) {
      expect(Observability.safeParse({ metrics }).success, JSON.stringify(metrics)).toBe(false)
    }
  })
})
