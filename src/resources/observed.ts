// Request-reply routes, reply fetches and view reads are observed like produce requests: one span
// and one observation each (metrics, access log), accepted or refused with the error's reason.
// A middleware per path, registered ahead of the handlers, so the handlers stay as they are.
import type { Hono, MiddlewareHandler } from 'hono'
import type { Observability } from '../observability/observability.ts'

export interface ObservedPath {
  /** A hono path pattern. */
  path: string
  /** The route as metrics and spans name it. */
  route: string
  virtualCluster?: string
}

export function observePaths(
  app: Hono,
  paths: readonly ObservedPath[],
  observability: Observability | undefined
): void {
  if (observability === undefined) return
  for (const { path, route, virtualCluster } of paths) {
    app.use(path, observing(observability, route, virtualCluster))
  }
}

function observing(
  observability: Observability,
  route: string,
  virtualCluster: string | undefined
): MiddlewareHandler {
  return async (c, next) => {
    const scope = observability.request(
      'http',
      `${c.req.method} ${route}`,
      { 'http.request.method': c.req.method, 'weir.route': route },
      c.req.raw.headers
    )
    await next()
    const status = c.res.status
    scope.finish(
      {
        route,
        ...(virtualCluster === undefined ? {} : { virtualCluster }),
        status,
        outcome: status >= 400 ? 'rejected' : 'accepted',
      },
      c.error
    )
  }
}
