// The admin API of one node: authenticated, on its own listener. Operators read and change the
// configuration; on a control plane, data planes read it and report back.
import { Hono } from 'hono'
import type { AdminConfig } from '../config/index.ts'
import { GatewayError } from '../core/errors.ts'
import { problemResponse } from '../http/problem-response.ts'
import type { ConfigStore } from '../control/config-store.ts'
import { controlPlaneRoutes } from './control-plane-routes.ts'
import type { DataPlanes } from '../control/data-planes.ts'
import type { Logger } from '../observability/logger.ts'
import { adminAuth, forbidden, type AdminEnv } from './auth.ts'
import { configRoutes } from './config-routes.ts'
import { entityRoutes } from './entities.ts'

export interface AdminAppDeps {
  store: ConfigStore
  /** The admin settings in force (they may change with the config). */
  admin(): AdminConfig
  /** Present on a control plane. */
  dataPlanes?: DataPlanes
  /** Extra unauthenticated routes (health, metrics) mounted before the API. */
  open?: Hono
  logger: Logger
}

export function createAdminApp(deps: AdminAppDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>()
  app.get('/healthz', (c) => c.json({ status: 'ok', version: deps.store.current.version }))
  if (deps.open) app.route('/', deps.open)
  app.use('/v1/*', adminAuth(deps.admin))
  if (deps.dataPlanes) app.route('/', controlPlaneRoutes(deps.store, deps.dataPlanes))
  // Everything else is for operators.
  app.use('/v1/*', async (c, next) => forbidden(c, 'operator') ?? next())
  app.route('/', configRoutes(deps.store))
  app.route('/', entityRoutes(deps.store))
  app.notFound((c) =>
    problemResponse(
      c,
      new GatewayError(
        'not-found',
        `no admin resource at ${c.req.method} ${c.req.path}`
      ).toProblem()
    )
  )
  app.onError((err, c) => {
    deps.logger.error({ err, path: c.req.path }, 'admin API error')
    return problemResponse(
      c,
      new GatewayError('internal', 'the admin API failed to handle this request').toProblem()
    )
  })
  return app
}
