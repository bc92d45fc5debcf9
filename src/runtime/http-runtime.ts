// One http listener over the node's services: the hono app, the produce fast path and the stream
// doors, built from the listener's config. A reload that changes only routes, streams or pages
// builds them again and hands them to the same server; stream doors already serving sessions stay
// alive until the listener closes, so no open WebSocket or SSE connection is dropped.
import type { HttpListenerConfig, WeirConfig } from '../config/index.ts'
import { createHttpApp } from '../http/app.ts'
import { httpDoorDeps } from '../http/door-deps.ts'
import { corsGate } from '../http/cors.ts'
import { startHttpListener, type ListenerHandlers } from '../http/http-listener.ts'
import { produceFastPath } from '../http/produce/fast-path.ts'
import { produceEndpoints } from '../http/produce/routes.ts'
import { resourceRoutes, resourceUpgrade } from '../http/resources/index.ts'
import { streamMatcher } from '../http/streams/admission.ts'
import { streamRequests } from '../http/streams/stream-requests.ts'
import { WebSocketDoor } from '../http/streams/websocket/door.ts'
import { ListenerWebSockets } from '../http/websocket-server.ts'
import type { Logger } from '../observability/logger.ts'
import { streamEndpoint } from '../stream/endpoint.ts'
import type { Services } from './services.ts'

export interface HttpRuntime {
  kind: 'http'
  name: string
  url: string
  /** Serves the next requests with a reloaded listener config; open streams keep theirs. */
  update(listener: HttpListenerConfig, config: WeirConfig): void
  /** Ends every stream session of this listener (WebSocket close 1001, SSE end, polls answered). */
  closeStreams(): void
  /** Stops accepting and lets in-flight requests finish within the grace period. */
  close(): Promise<void>
}

interface Built {
  app: ReturnType<typeof createHttpApp>
  handlers: ListenerHandlers
  doors: { close(): void }[]
}

function build(
  listener: HttpListenerConfig,
  config: WeirConfig,
  services: Services,
  websockets: ListenerWebSockets,
  logger: Logger
): Built {
  const deps = httpDoorDeps(services, logger)
  const produce = produceEndpoints(listener)
  const app = createHttpApp(listener, {
    readiness: services.readiness,
    lifecycle: deps.lifecycle,
    produce,
    portal: { config, configDir: services.configDir },
    // Request-reply routes, reply fetch and push, views.
    resources: resourceRoutes(listener, deps.resources),
  })
  const vcs = new Map(config.virtualClusters.map((vc) => [vc.name, vc]))
  const onDecodeError = (stream: string, part: 'key' | 'value', err: unknown) =>
    logger.warn({ stream, part, err }, 'framed bytes could not be decoded: sent as base64')
  const fastPath = produceFastPath(produce, deps.produce)
  const endpoints = listener.streams.map((stream) => {
    const vc = vcs.get(stream.virtualCluster)
    if (vc === undefined) throw new Error(`no virtual cluster "${stream.virtualCluster}"`)
    return streamEndpoint(stream, vc, {
      schemas: services.schemas,
      policies: services.policies,
      onDecodeError,
    })
  })
  const matcher = streamMatcher(endpoints)
  const requests = streamRequests(deps.streams, matcher)
  const streamSockets = new WebSocketDoor(deps.streams, matcher, websockets, logger)
  return {
    app,
    handlers: {
      fastPaths: [fastPath, requests.handle],
      // WebSocket reply push on requests.path, then the stream doors.
      upgrade: resourceUpgrade(listener, deps.resources, websockets, streamSockets.upgrade),
      ...(listener.cors && { cors: corsGate(listener.cors) }),
    },
    doors: [requests, streamSockets],
  }
}

export async function startHttpRuntime(
  listener: HttpListenerConfig,
  config: WeirConfig,
  services: Services,
  parentLogger: Logger
): Promise<HttpRuntime> {
  const logger = parentLogger.child({ listener: listener.name })
  // One WebSocket server for every door and every generation of the listener.
  const websockets = new ListenerWebSockets()
  const built = build(listener, config, services, websockets, logger)
  // Doors of every generation of this listener: earlier ones may still serve open streams.
  const doors = [...built.doors]
  const running = await startHttpListener(listener, built.app, built.handlers, logger)
  return {
    kind: 'http',
    name: listener.name,
    url: running.url,
    update(next, nextConfig) {
      const rebuilt = build(next, nextConfig, services, websockets, logger)
      running.replace(rebuilt.app, rebuilt.handlers)
      doors.push(...rebuilt.doors)
    },
    closeStreams() {
      for (const door of doors) door.close()
    },
    close: () => running.close(),
  }
}
