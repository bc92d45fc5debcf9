// The produce endpoints of one http listener, and the 405 with `Allow` for a known path asked
// with another method (hono). The endpoints themselves are served by the fast path (fast-path.ts)
// only: one registration.
import { Hono } from 'hono'
import type { HttpListenerConfig } from '../../config/index.ts'
import { gatewayErrorResponse, methodNotAllowed } from '../error-response.ts'
import { routeEndpoint, topicsEndpoint, type ProduceEndpoint } from './endpoint.ts'

export function produceEndpoints(listener: HttpListenerConfig): ProduceEndpoint[] {
  // Request-reply routes (with `reply`) are served by src/http/request-reply/request-route.ts instead.
  const endpoints = listener.routes
    .filter((route) => route.reply === undefined)
    .map((route) => routeEndpoint(route, listener.maxBodyBytes))
  if (listener.topicsEndpoint?.enabled) {
    endpoints.push(topicsEndpoint(listener.topicsEndpoint, listener.maxBodyBytes))
  }
  return endpoints
}

/** 405 with Allow for the other methods of every produce path. */
export function produceMethodGuards(endpoints: readonly ProduceEndpoint[]): Hono {
  const app = new Hono()
  const methods = new Map<string, string[]>()
  for (const endpoint of endpoints) {
    methods.set(endpoint.honoPath, [...(methods.get(endpoint.honoPath) ?? []), endpoint.method])
  }
  for (const [path, allowed] of methods) {
    app.all(path, (c) => gatewayErrorResponse(c, methodNotAllowed(c.req.method, allowed)))
  }
  return app
}
