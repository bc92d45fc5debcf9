// Kafka-backed HTTP resources: request-reply routes with replies fetched or pushed from
// any node, and views of compacted topics. The stores and views they read are the node's
// (src/runtime/kafka-resources.ts); these are their routes, mounted per http listener (app.ts),
// and their WebSocket push, which takes upgrades ahead of the stream doors (http-runtime.ts).
import { Hono } from 'hono'
import type { HttpListenerConfig } from '../../config/index.ts'
import { GatewayError } from '../../core/errors.ts'
import { gatewayErrorResponse } from '../error-response.ts'
import { fetchReply } from '../request-reply/fetch-reply.ts'
import { replyEvents } from '../request-reply/reply-push.ts'
import { routeName } from '../../replies/reply-service.ts'
import { replySocketUpgrade, type UpgradeHandler } from '../request-reply/reply-socket.ts'
import { requestRoute } from '../request-reply/request-route.ts'
import { viewRoutes } from '../views/view-routes.ts'
import type { Observability } from '../../observability/observability.ts'
import { observePaths, type ObservedPath } from './observed.ts'
import type { ResourceDoorDeps } from './deps.ts'

/** The WebSocket reply push of a listener, tried before `next` (the stream doors). */
export function resourceUpgrade(
  listener: HttpListenerConfig,
  deps: ResourceDoorDeps,
  next: UpgradeHandler | undefined
): UpgradeHandler {
  const own = replySocketUpgrade(listener.name, deps)
  return (request, socket, head) =>
    own(request, socket, head) || (next?.(request, socket, head) ?? false)
}

/** The routes of one http listener: request-reply routes, reply fetch and push, views. */
export function resourceRoutes(
  listener: HttpListenerConfig,
  deps: ResourceDoorDeps,
  observability: Observability | undefined
): Hono {
  const app = new Hono()
  observePaths(app, resourcePaths(listener), observability)
  const methods = new Map<string, string[]>()
  for (const config of listener.routes) {
    if (config.reply === undefined) continue
    const route = requestRoute(listener, config, deps)
    app.on(route.endpoint.method, route.endpoint.honoPath, (c) => route.handle(c))
    const path = route.endpoint.honoPath
    methods.set(path, [...(methods.get(path) ?? []), route.endpoint.method])
  }
  // 405 with Allow on a request-reply path, unless a plain route shares it (produceRoutes says).
  for (const [path, allowed] of methods) {
    const shared = listener.routes.some(
      (r) => r.reply === undefined && r.path.replace(/\{([^}/]+)\}/g, ':$1') === path
    )
    if (shared) continue
    app.all(path, (c) =>
      gatewayErrorResponse(
        c,
        new GatewayError(
          'method-not-allowed',
          `${c.req.method} is not allowed here; use ${allowed.join(', ')}`,
          {
            headers: { allow: allowed.join(', ') },
          }
        )
      )
    )
  }
  if (listener.requests !== undefined) {
    const path = listener.requests.path
    app.get(path, replyEvents(listener.name, deps))
    app.get(`${path}/:id`, fetchReply(listener.name, deps))
  }
  app.route('/', viewRoutes(listener.name, deps))
  return app
}

/**
 * The paths of a listener's request-reply routes, reply fetch and push, and views. Their `route`
 * label is named as produce routes are: the route's name, else its method and path.
 */
function resourcePaths(listener: HttpListenerConfig): ObservedPath[] {
  const paths: ObservedPath[] = []
  const get = (template: string, virtualCluster?: string): ObservedPath => ({
    path: template.replace(/\{([^}/]+)\}/g, ':$1'),
    template,
    route: `GET ${template}`,
    ...(virtualCluster === undefined ? {} : { virtualCluster }),
  })
  for (const route of listener.routes) {
    if (route.reply === undefined) continue
    paths.push({
      path: route.path.replace(/\{([^}/]+)\}/g, ':$1'),
      template: route.path,
      route: routeName(route),
      virtualCluster: route.virtualCluster,
    })
  }
  if (listener.requests !== undefined) {
    const path = listener.requests.path
    paths.push(get(path), get(`${path}/{id}`))
  }
  for (const view of listener.views) {
    const path = view.path ?? `/views/${view.name}`
    paths.push(get(path, view.virtualCluster), {
      ...get(`${path}/{key}`, view.virtualCluster),
      path: `${path}/:key{.+}`,
    })
  }
  return paths
}
