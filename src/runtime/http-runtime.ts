// One http listener over the shared core: the hono app, the produce fast path and the stream
// doors, built from the listener's config. A reload that changes only routes, streams or pages
// builds them again and hands them to the same server; stream doors already serving sessions stay
// alive until the listener closes, so no open WebSocket or SSE connection is dropped.
import type { HttpListenerConfig, WeirConfig } from '../config/index.ts'
import { createHttpApp } from '../http/app.ts'
import { corsGate } from '../http/cors.ts'
import { startHttpListener, type ListenerHandlers } from '../http/http-listener.ts'
import { produceFastPath } from '../http/produce/fast-path.ts'
import { produceEndpoints } from '../http/produce/routes.ts'
import { streamMatcher } from '../http/streams/admission.ts'
import { streamRequests } from '../http/streams/stream-requests.ts'
import { WebSocketDoor } from '../http/streams/websocket/door.ts'
import type { Logger } from '../observability/logger.ts'
import { streamEndpoint } from '../stream/endpoint.ts'
import type { Core } from './core.ts'

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
  core: Core,
  logger: Logger
): Built {
  const app = createHttpApp(listener, {
    readiness: core.readiness,
    logger,
    produce: core.produceDeps,
    portal: { config, configDir: core.configDir },
    resources: core.resources, // request-reply routes, reply fetch and push, views
  })
  const vcs = new Map(config.virtualClusters.map((vc) => [vc.name, vc]))
  const onDecodeError = (stream: string, part: 'key' | 'value', err: unknown) =>
    logger.warn({ stream, part, err }, 'framed bytes could not be decoded: sent as base64')
  const fastPath = produceFastPath(produceEndpoints(listener), core.produceDeps, logger)
  const endpoints = listener.streams.map((stream) => {
    const vc = vcs.get(stream.virtualCluster)
    if (vc === undefined) throw new Error(`no virtual cluster "${stream.virtualCluster}"`)
    return streamEndpoint(stream, vc, { schemas: core.schemas, onDecodeError })
  })
  const matcher = streamMatcher(endpoints)
  const requests = streamRequests(core.streamDeps, matcher, logger)
  const websockets = new WebSocketDoor(core.streamDeps, matcher, logger)
  return {
    app,
    handlers: {
      fastPaths: [fastPath, requests.handle],
      // WebSocket reply push on requests.path, then the stream doors.
      upgrade: core.resources.upgrade(listener, websockets.upgrade),
      ...(listener.cors && { cors: corsGate(listener.cors) }),
    },
    doors: [requests, websockets],
  }
}

export async function startHttpRuntime(
  listener: HttpListenerConfig,
  config: WeirConfig,
  core: Core,
  parentLogger: Logger
): Promise<HttpRuntime> {
  const logger = parentLogger.child({ listener: listener.name })
  const built = build(listener, config, core, logger)
  // Doors of every generation of this listener: earlier ones may still serve open streams.
  const doors = [...built.doors]
  const running = await startHttpListener(listener, built.app, built.handlers)
  return {
    kind: 'http',
    name: listener.name,
    url: running.url,
    update(next, nextConfig) {
      const rebuilt = build(next, nextConfig, core, logger)
      running.replace(rebuilt.app, rebuilt.handlers)
      doors.push(...rebuilt.doors)
    },
    closeStreams() {
      for (const door of doors) door.close()
    },
    close: () => running.close(),
  }
}
