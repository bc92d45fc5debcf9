// Replies pushed over a WebSocket on `{requests.path}`: the same admission and messages as the
// SSE push (reply-push.ts), one JSON text message per reply. The client sends nothing; pings keep
// the connection alive through proxies. Refusals answer the upgrade request with problem+json.
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'
import { firstOffered, type ListenerWebSockets } from '../websocket-server.ts'
import { nodeClient } from '../credentials.ts'
import { rejectUpgrade } from '../node-reply.ts'
import type { HttpListenerConfig } from '../../config/index.ts'
import type { ResourceDoorDeps } from '../resources/deps.ts'
import { authorizePush, pushRoute, subscribeReplies } from './reply-push.ts'

/** Takes an upgrade request and returns true, or returns false (not a replies path). */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean

/** Close code for "going away": the node shuts down. */
const GOING_AWAY = 1001

export function replySocketUpgrade(
  listener: HttpListenerConfig,
  deps: ResourceDoorDeps,
  server: ListenerWebSockets
): UpgradeHandler {
  const path = listener.requests?.path
  const route =
    path === undefined
      ? undefined
      : pushRoute(listener.name, deps, 'websocket', path, (url: URL) => url.searchParams)
  return (request, socket, head) => {
    if (route === undefined) return false
    const url = new URL(request.url ?? '/', 'http://weir')
    if (url.pathname !== path) return false
    socket.on('error', () => socket.destroy())
    const { lifecycle } = deps
    // Refusals answer the upgrade; the connection is not observed as a request.
    lifecycle
      .enter(route, url, nodeClient(request), lifecycle.unobserved)
      .then((admitted) => authorizePush(deps, 'websocket', admitted))
      .then(
        (admission) => {
          // A socket that closes before the upgrade completes gives its slot back here, or now
          // if it closed while the slot was being taken.
          if (socket.destroyed) {
            admission.lease.release()
            return
          }
          let upgraded = false
          socket.once('close', () => {
            if (!upgraded) admission.lease.release()
          })
          server.upgrade(request, socket, head, firstOffered, (ws: WebSocket) => {
            upgraded = true
            const send = (data: unknown) => {
              if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(data))
            }
            send({
              type: 'ready',
              principal: admission.principal.name,
              routes: admission.routes.map((r) => r.name),
            })
            const unsubscribe = subscribeReplies(admission, deps, send)
            const { heartbeatMs } = admission.requests
            const heartbeat =
              heartbeatMs > 0 ? setInterval(() => ws.ping(), heartbeatMs) : undefined
            const offShutdown = deps.onShutdown(() => ws.close(GOING_AWAY, 'shutting down'))
            ws.on('error', () => ws.terminate())
            ws.on('close', () => {
              clearInterval(heartbeat)
              offShutdown()
              unsubscribe()
              admission.lease.release()
            })
          })
        },
        (err: unknown) => rejectUpgrade(socket, lifecycle.errorReply(err, { path: url.pathname }))
      )
    return true
  }
}
