// GET /metrics on the admin listener's app: served without the admin token (or with the scrape
// token when one is configured), while the admin API still needs its own.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createAdminApp } from '../../../src/admin/admin-app.ts'
import { parseConfigDocument } from '../../../src/config/index.ts'
import { ConfigStore } from '../../../src/control/config-store.ts'
import { createLogger } from '../../../src/observability/logger.ts'
import { GatewayMetrics } from '../../../src/observability/metrics/gateway-metrics.ts'
import { metricsRoutes } from '../../../src/observability/metrics/metrics-routes.ts'

const sha = (s: string) => createHash('sha256').update(s).digest('hex')

function adminApp(observability: string) {
  const doc = parseConfigDocument(
    `backendClusters: [{ name: main, bootstrapServers: ['127.0.0.1:9092'] }]
virtualClusters: [{ name: vc, backendCluster: main }]
listeners: [{ name: public, kind: http, port: 0 }]
admin: { port: 0, tokens: [{ name: op, sha256: ${sha('admin-token')} }] }
${observability}`,
    'test.yaml'
  )
  const logger = createLogger({ level: 'silent', pretty: false })
  const store = new ConfigStore(doc, {
    apply: async () => undefined,
    check: () => undefined,
    logger,
  })
  const metrics = new GatewayMetrics()
  metrics.configApplied(1)
  return createAdminApp({
    store,
    logger,
    admin: () => store.current.config.admin!,
    open: metricsRoutes(metrics, () => store.current.config.observability.metrics),
  })
}

describe('GET /metrics on the admin listener', () => {
  it('needs no admin token by default; the admin API still does', async () => {
    const app = adminApp('')
    const res = await app.request('/metrics')
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('weir_config_generation 1')
    expect((await app.request('/v1/config')).status).toBe(401)
  })

  it('asks for the scrape token when one is configured', async () => {
    const app = adminApp(`observability: { metrics: { bearerTokenSha256: ${sha('scrape')} } }`)
    expect((await app.request('/metrics')).status).toBe(401)
    const ok = await app.request('/metrics', { headers: { authorization: 'Bearer scrape' } })
    expect(ok.status).toBe(200)
  })
})
