// What a control plane serves its data planes: the configuration (with its secrets, which data
// planes need to reach the backends; only data plane tokens may read it), with an ETag so an
// unchanged config costs a 304; and where they report what they run.
import { Hono } from 'hono'
import { problem } from '../core/problem.ts'
import { problemResponse } from '../http/problem-response.ts'
import { forbidden, type AdminEnv } from './auth.ts'
import { readJson } from './config-routes.ts'
import type { ConfigStore } from '../control/config-store.ts'
import type { DataPlaneReport, DataPlanes } from '../control/data-planes.ts'

export function controlPlaneRoutes(store: ConfigStore, dataPlanes: DataPlanes): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>()
  app.get('/v1/data-plane/config', (c) => {
    const refused = forbidden(c, 'data-plane')
    if (refused) return refused
    const { raw, version } = store.current
    const headers = { etag: version.etag, 'cache-control': 'no-cache' }
    if (c.req.header('if-none-match') === version.etag) return c.body(null, 304, headers)
    // The control plane's own admin section (its address, every token hash) is not theirs.
    const { admin: _admin, ...served } = raw
    return c.json({ version, config: served }, 200, headers)
  })
  app.post('/v1/data-planes/:id/status', async (c) => {
    const refused = forbidden(c, 'data-plane')
    if (refused) return refused
    const body = await readJson(c)
    if (body instanceof Response) return body
    if (body.health !== 'ok' && body.health !== 'degraded') {
      return problemResponse(
        c,
        problem(400, 'bad-request', 'Bad Request', 'health must be "ok" or "degraded"')
      )
    }
    dataPlanes.report(c.req.param('id'), c.get('caller').name, body as unknown as DataPlaneReport)
    return c.body(null, 204)
  })
  app.get('/v1/data-planes', (c) => {
    const refused = forbidden(c, 'operator')
    if (refused) return refused
    return c.json({ items: dataPlanes.list(store.current.version.etag) })
  })
  return app
}
