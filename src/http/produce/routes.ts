// Mounts the produce endpoints of one http listener, and a 405 with `Allow` for a known path
// asked with another method.
import { Hono } from 'hono'
import type { HttpListenerConfig } from '../../config/index.ts'
import { GatewayError } from '../../core/errors.ts'
import { gatewayErrorResponse } from '../error-response.ts'
import { routeEndpoint, topicsEndpoint, type ProduceEndpoint } from './endpoint.ts'
import { produceHandler, type ProduceDoorDeps } from './handler.ts'

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

export function produceRoutes(listener: HttpListenerConfig, deps: ProduceDoorDeps): Hono {
  const app = new Hono()
  const methods = new Map<string, string[]>()
  for (const endpoint of produceEndpoints(listener)) {
    app.on(endpoint.method, endpoint.honoPath, produceHandler(endpoint, deps))
    methods.set(endpoint.honoPath, [...(methods.get(endpoint.honoPath) ?? []), endpoint.method])
  }
  for (const [path, allowed] of methods) {
    app.all(path, (c) =>
      gatewayErrorResponse(
        c,
        new GatewayError(
          'method-not-allowed',
          `${c.req.method} is not allowed here; use ${allowed.join(', ')}`,
          { headers: { allow: allowed.join(', ') } }
        )
      )
    )
  }
  return app
}
