// Liveness and readiness. /healthz answers while the process serves HTTP at all; /readyz answers
// 200 only while every backend cluster in use is reachable and the node is not shutting down, so
// a load balancer stops sending traffic before requests would fail.
import { Hono } from 'hono'
import { problem } from '../core/problem.ts'
import type { ReadinessSource } from '../core/readiness.ts'
import { problemResponse } from './problem-response.ts'

export type { ReadinessSource } from '../core/readiness.ts'

export function healthRoutes(source: ReadinessSource): Hono {
  const app = new Hono()
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', async (c) => {
    if (!source.accepting()) {
      return problemResponse(
        c,
        problem(
          503,
          'shutting-down',
          'Shutting down',
          'this node is draining and takes no new work'
        )
      )
    }
    const loading = source.loading?.() ?? []
    if (loading.length > 0) {
      return problemResponse(
        c,
        problem(503, 'loading', 'Loading', `still reading: ${loading.join(', ')}`, { loading }),
        { 'retry-after': '1' }
      )
    }
    const names = source.backendClusters()
    const results = await Promise.all(names.map((name) => source.probe(name)))
    const backendClusters = Object.fromEntries(names.map((name, i) => [name, results[i]]))
    if (results.every((r) => r.ok)) return c.json({ status: 'ready', backendClusters })
    const down = names.filter((_, i) => !results[i]?.ok)
    return problemResponse(
      c,
      problem(
        503,
        'backend-unreachable',
        'Backend unreachable',
        `cannot reach backend cluster ${down.map((n) => `"${n}"`).join(', ')}`,
        {
          backendClusters,
        }
      ),
      { 'retry-after': '5' }
    )
  })
  return app
}
