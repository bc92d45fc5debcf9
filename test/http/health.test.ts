import { describe, expect, it } from 'vitest'
import { healthRoutes, type ReadinessSource } from '../../src/http/health.ts'
import type { ProbeResult } from '../../src/kafka/backend-clusters.ts'

function source(probes: Record<string, ProbeResult>, accepting = true): ReadinessSource {
  return {
    accepting: () => accepting,
    backendClusters: () => Object.keys(probes),
    probe: async (name) => probes[name] ?? { ok: false, error: 'unknown' },
  }
}

describe('health routes', () => {
  it('answers liveness regardless of backends', async () => {
    const res = await healthRoutes(source({ a: { ok: false } })).request('/healthz')
    expect(res.status).toBe(200)
  })

  it('is ready when every backend cluster answers', async () => {
    const res = await healthRoutes(source({ a: { ok: true, brokers: 1 } })).request('/readyz')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      status: 'ready',
      backendClusters: { a: { ok: true, brokers: 1 } },
    })
  })

  it('answers 503 problem+json naming the unreachable cluster', async () => {
    const res = await healthRoutes(
      source({ a: { ok: true }, b: { ok: false, error: 'refused' } })
    ).request('/readyz')
    expect(res.status).toBe(503)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(res.headers.get('retry-after')).toBe('5')
    expect(await res.json()).toMatchObject({
      status: 503,
      title: 'Backend unreachable',
      detail: 'cannot reach backend cluster "b"',
    })
  })

  it('is not ready while shutting down', async () => {
    const res = await healthRoutes(source({ a: { ok: true } }, false)).request('/readyz')
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ title: 'Shutting down' })
  })

  it('is not ready while views or reply stores are still reading their topics', async () => {
    let loading = ['view "products" (public)']
    const routes = healthRoutes({ ...source({ a: { ok: true } }), loading: () => loading })
    const res = await routes.request('/readyz')
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('1')
    expect(await res.json()).toMatchObject({
      title: 'Loading',
      detail: 'still reading: view "products" (public)',
      loading: ['view "products" (public)'],
    })
    loading = []
    expect((await routes.request('/readyz')).status).toBe(200)
  })
})
