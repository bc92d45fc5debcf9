// Kafka-backed HTTP resources: request-reply routes with replies fetched or pushed from
// any node, and views of compacted topics. The stores and views they read are the node's
// (src/runtime/kafka-resources.ts); these are their routes, mounted per http listener (app.ts),
// and their WebSocket push, which takes upgrades ahead of the stream doors (http-runtime.ts).
import { Hono } from 'hono'
import type { HttpListenerConfig } from '../../config/index.ts'
import { methodNotAllowed } from '../error-response.ts'
import type { ObservedRoute } from '../lifecycle.ts'
import { toHonoPath } from '../produce/endpoint.ts'
import { fetchReply } from '../request-reply/fetch-reply.ts'
import { replyEvents } from '../request-reply/reply-push.ts'
import { replySocketUpgrade, type UpgradeHandler } from '../request-reply/reply-socket.ts'
import { requestRoute } from '../request-reply/request-route.ts'
import { viewRoutes } from '../views/view-routes.ts'
import type { ResourceDoorDeps } from './deps.ts'
import type { ListenerWebSockets } from '../websocket-server.ts'

/** The WebSocket reply push of a listener, tried before `next` (the stream doors). */
export function resourceUpgrade(
  listener: HttpListenerConfig,
  deps: ResourceDoorDeps,
  server: ListenerWebSockets,
  next: UpgradeHandler | undefined
): UpgradeHandler {
  const own = replySocketUpgrade(listener, deps, server)
  return (request, socket, head) =>
    own(request, socket, head) || (next?.(request, socket, head) ?? false)
}

/** The routes of one http listener: request-reply routes, reply fetch and push, views. */
export function resourceRoutes(listener: HttpListenerConfig, deps: ResourceDoorDeps): Hono {
  const app = new Hono()
  const { lifecycle } = deps
  // 405 with Allow on a request-reply path, unless a plain route shares it (produce says then).
  const methods = new Map<string, { allowed: string[]; observed: ObservedRoute }>()
  for (const config of listener.routes) {
    if (config.reply === undefined) continue
    const route = requestRoute(listener, config, deps)
    const { endpoint } = route
    app.on(endpoint.method, endpoint.honoPath, lifecycle.route(route.lifecycle, route.handle))
    const known = methods.get(endpoint.honoPath)
    if (known !== undefined) known.allowed.push(endpoint.method)
    else methods.set(endpoint.honoPath, { allowed: [endpoint.method], observed: route.lifecycle })
  }
  for (const [path, { allowed, observed }] of methods) {
    if (listener.routes.some((r) => r.reply === undefined && toHonoPath(r.path) === path)) continue
    app.all(
      path,
      lifecycle.refuse(observed, (c) => methodNotAllowed(c.req.method, allowed))
    )
  }
  if (listener.requests !== undefined) {
    const path = listener.requests.path
    app.get(path, replyEvents(listener.name, deps, path))
    app.get(`${path}/:id`, fetchReply(listener.name, deps, `${path}/{id}`))
  }
  app.route('/', viewRoutes(listener.name, deps))
  return app
}
