// Request-reply routes, reply fetches and pushes, and view reads are observed like produce
// requests: one span and one observation each (metrics, access log), accepted or refused with the
// error's reason, and carrying what the handler learnt (principal, topic, records) as produce
// records do. A middleware per path, registered ahead of the handlers, opens the scope; handlers
// add what they learn with `noteObserved` and take the span for the records they write with
// `observedScope`.
import type { Context, Hono, MiddlewareHandler } from 'hono'
import type { Finished, Observability, RequestScope } from '../../observability/observability.ts'

export interface ObservedPath {
  /** A hono path pattern. */
  path: string
  /** The path as OpenAPI writes it (`/orders/{id}`): spans are named `{method} {template}`. */
  template: string
  /** The route as metrics and the access log name it. */
  route: string
  virtualCluster?: string
}

interface Observed {
  scope: RequestScope
  seen: Finished
}

// Keyed by the request, which outlives neither the middleware nor the handler.
const observedRequests = new WeakMap<Request, Observed>()

export function observePaths(
  app: Hono,
  paths: readonly ObservedPath[],
  observability: Observability | undefined
): void {
  if (observability === undefined) return
  for (const path of paths) app.use(path.path, observing(observability, path))
}

/** Adds what a handler learnt (principal, topic, records, ...) to its request's observation. */
export function noteObserved(c: Context, fields: Finished): void {
  const observed = observedRequests.get(c.req.raw)
  if (observed !== undefined) Object.assign(observed.seen, fields)
}

/** The request's scope, for the trace context of the records it writes. */
export function observedScope(c: Context): RequestScope | undefined {
  return observedRequests.get(c.req.raw)?.scope
}

function observing(observability: Observability, observed: ObservedPath): MiddlewareHandler {
  const { template, route, virtualCluster } = observed
  return async (c, next) => {
    const scope = observability.request(
      'http',
      `${c.req.method} ${template}`,
      { 'http.request.method': c.req.method, 'http.route': template, 'weir.route': route },
      c.req.raw.headers
    )
    const seen: Finished = { route, ...(virtualCluster === undefined ? {} : { virtualCluster }) }
    observedRequests.set(c.req.raw, { scope, seen })
    await next()
    const status = c.res.status
    scope.finish({ ...seen, status, outcome: status >= 400 ? 'rejected' : 'accepted' }, c.error)
  }
}
