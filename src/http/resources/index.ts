// Kafka-backed HTTP resources: request-reply routes with replies fetched or pushed from
// any node, and views of compacted topics. One object per core: its readers start with the node
// and stop with it; its routes are mounted per http listener (app.ts), and its WebSocket push
// takes upgrades ahead of the stream doors (http-runtime.ts).
import { Hono } from 'hono'
import type { HttpListenerConfig, WeirConfig } from '../../config/index.ts'
import { GatewayError } from '../../core/errors.ts'
import { gatewayErrorResponse } from '../error-response.ts'
import { IdempotencyCache } from '../produce/idempotency.ts'
import type { BackendClusters } from '../../kafka/backend-clusters.ts'
import { ClusterAdmins } from '../../kafka/consumer/cluster-admins.ts'
import type { Logger } from '../../observability/logger.ts'
import type { ProduceService } from '../../produce/produce-service.ts'
import { fetchReply } from '../request-reply/fetch-reply.ts'
import { replyEvents } from '../request-reply/reply-push.ts'
import { ReplyService, routeName } from '../../replies/reply-service.ts'
import { replySocketUpgrade, type UpgradeHandler } from '../request-reply/reply-socket.ts'
import { requestRoute } from '../request-reply/request-route.ts'
import type { RecordDeserializer } from '../../stream/record.ts'
import { viewRoutes } from '../views/view-routes.ts'
import type { Observability } from '../../observability/observability.ts'
import { observePaths, type ObservedPath } from './observed.ts'
import { ViewService } from '../../views/view-service.ts'
import type { ResourceDoorDeps, ResourcePolicies } from './deps.ts'

export interface ResourcesDeps {
  /** Spans, metrics and the access log for these routes (none without it). */
  observability?: Observability
  backends: BackendClusters
  schemas: RecordDeserializer
  policies: ResourcePolicies
  produce: ProduceService
  accepting(): boolean
  logger: Logger
}

export interface Resources {
  /** The routes of one http listener: request-reply routes, reply fetch and push, views. */
  routes(listener: HttpListenerConfig): Hono
  /** The WebSocket reply push of a listener, tried before `next` (the stream doors). */
  upgrade(listener: HttpListenerConfig, next: UpgradeHandler | undefined): UpgradeHandler
  /** What readiness waits for: views and reply stores still reading their topics. */
  loading(): string[]
  /** Takes a reloaded config (same backend clusters and registries). Throws on a bad topic. */
  update(config: WeirConfig): void
  /** Answers long polls now and ends push connections (shutdown has begun). */
  stopAccepting(): void
  stats(): { replies: ReturnType<ReplyService['stats']>; views: ReturnType<ViewService['stats']> }
  stop(): Promise<void>
}

export function buildResources(config: WeirConfig, deps: ResourcesDeps): Resources {
  const logger = deps.logger
  const admins = new ClusterAdmins(deps.backends)
  const replies = new ReplyService({ backends: deps.backends, admins, logger })
  const views = new ViewService({ backends: deps.backends, admins, schemas: deps.schemas, logger })
  replies.configure(config)
  views.configure(config)
  replies.start()
  views.start()
  const shutdownHooks = new Set<() => void>()
  const doorDeps: ResourceDoorDeps = {
    policies: deps.policies,
    produce: deps.produce,
    idempotency: new IdempotencyCache(),
    schemas: deps.schemas,
    replies,
    views,
    accepting: deps.accepting,
    onShutdown: (end) => {
      shutdownHooks.add(end)
      return () => shutdownHooks.delete(end)
    },
    logger,
  }
  const stopAccepting = () => {
    replies.wakeAll()
    views.wakeAll()
    for (const end of [...shutdownHooks]) end()
    shutdownHooks.clear()
  }

  return {
    routes: (listener) => listenerRoutes(listener, doorDeps, deps.observability),
    upgrade: (listener, next) => {
      const own = replySocketUpgrade(listener.name, doorDeps)
      return (request, socket, head) =>
        own(request, socket, head) || (next?.(request, socket, head) ?? false)
    },
    loading: () => [...views.loading(), ...replies.loading()],
    update(next) {
      replies.configure(next)
      views.configure(next)
    },
    stopAccepting,
    stats: () => ({ replies: replies.stats(), views: views.stats() }),
    async stop() {
      stopAccepting()
      await Promise.allSettled([replies.stop(), views.stop()])
      await admins.close()
    },
  }
}

function listenerRoutes(
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
