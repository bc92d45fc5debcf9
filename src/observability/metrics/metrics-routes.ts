// GET /metrics for Prometheus, on the admin listener. It needs no admin token: scrapers rarely
// hold one, and operators protect the admin listener by network policy. When
// `observability.metrics.bearerTokenSha256` is set, scrapes must send that bearer token instead.
import { createHash, timingSafeEqual } from 'node:crypto'
import { Hono } from 'hono'
import type { GatewayMetrics } from './gateway-metrics.ts'

export interface MetricsRouteSettings {
  enabled: boolean
  bearerTokenSha256?: string
}

export function metricsRoutes(
  metrics: Pick<GatewayMetrics, 'metrics' | 'contentType'>,
  settings: () => MetricsRouteSettings | undefined
): Hono {
  const app = new Hono()
  app.get('/metrics', async (c) => {
    const current = settings()
    if (current?.enabled === false) return c.text('metrics are disabled\n', 404)
    if (current?.bearerTokenSha256 !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')
      if (match?.[1] === undefined || !sameHash(match[1], current.bearerTokenSha256)) {
        return c.text('a bearer token is required\n', 401, {
          'www-authenticate': 'Bearer realm="weir-metrics"',
        })
      }
    }
    return c.body(await metrics.metrics(), 200, { 'content-type': metrics.contentType })
  })
  return app
}

function sameHash(token: string, sha256Hex: string): boolean {
  const hash = createHash('sha256').update(token, 'utf8').digest()
  const expected = Buffer.from(sha256Hex, 'hex')
  return expected.length === hash.length && timingSafeEqual(expected, hash)
}
