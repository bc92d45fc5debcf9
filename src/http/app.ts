// The hono application of one http listener: its routes plus the gateway-wide error shapes.
import { Hono } from 'hono'
import type { HttpListenerConfig } from '../config/index.ts'
import { GatewayError } from '../core/errors.ts'
import { gatewayErrorResponse } from './error-response.ts'
import { varyWithOrigin } from './cors.ts'
import { examplePageRoutes } from './example-page/example-page.ts'
import { portalRoutes, type PortalDeps } from './portal/portal-routes.ts'
import { healthRoutes, type ReadinessSource } from './health.ts'
import { produceMethodGuards } from './produce/routes.ts'
import type { ProduceEndpoint } from './produce/endpoint.ts'
import { honoReply, type HttpLifecycle } from './lifecycle.ts'

export interface HttpAppDeps {
  readiness: ReadinessSource
  lifecycle: HttpLifecycle
  /** Served by the fast path; here only their 405 for other methods. */
  produce: readonly ProduceEndpoint[]
  /** What the developer portal (`portal` on the listener) generates its documents from. */
  portal?: PortalDeps
  /** Request-reply routes, reply fetch and push, views (src/http/resources/). */
  resources?: Hono
}

export function createHttpApp(listener: HttpListenerConfig, deps: HttpAppDeps): Hono {
  const app = new Hono()
  if (listener.cors) {
    // The CORS gate (src/http/cors.ts) set `Vary: Origin`; a route's own Vary would replace it.
    app.use(async (c, next) => {
      await next()
      const vary = c.res.headers.get('vary')
      if (vary !== null) c.res.headers.set('vary', varyWithOrigin(vary))
    })
  }
  if (listener.health) app.route('/', healthRoutes(deps.readiness))
  // Before the produce routes: their 405 for other methods must not hide the portal's GETs.
  if (listener.portal && deps.portal) {
    app.route('/', portalRoutes(listener, listener.portal, deps.portal))
  }
  if (deps.resources) app.route('/', deps.resources)
  app.route('/', produceMethodGuards(deps.produce))
  if (listener.examplePage) app.route('/', examplePageRoutes(listener, listener.examplePage.path))
  app.notFound((c) =>
    gatewayErrorResponse(
      c,
      new GatewayError('not-found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`)
    )
  )
  // Doors answer their errors in the request lifecycle; this is the other routes' (portal...).
  app.onError((err, c) =>
    honoReply(c, deps.lifecycle.errorReply(err, { listener: listener.name, path: c.req.path }))
  )
  return app
}
