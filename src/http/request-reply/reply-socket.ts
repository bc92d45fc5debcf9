// Replies pushed over a WebSocket on `{requests.path}`: the same admission and messages as the
// SSE push (reply-push.ts), one JSON text message per reply. The client sends nothing; pings keep
// the connection alive through proxies. Refusals answer the upgrade request with problem+json.
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { nodeClient } from '../credentials.ts'
import { errorReply, rejectUpgrade } from '../node-reply.ts'
import type { ResourceDoorDeps } from '../resources/deps.ts'
import { admitPush, subscribeReplies } from './reply-push.ts'

/** Takes an upgrade request and returns true, or returns false (not a replies path). */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean

/** Close code for "going away": the node shuts down. */
const GOING_AWAY = 1001

export function replySocketUpgrade(listener: string, deps: ResourceDoorDeps): UpgradeHandler {
  const server = new WebSocketServer({
    noServer: true,
    // Clients send nothing but control frames.
    maxPayload: 4096,
    perMessageDeflate: false,
    clientTracking: false,
  })
  return (request, socket, head) => {
    const path = deps.replies.listener(listener)?.requests.path
    const url = new URL(request.url ?? '/', 'http://weir')
    if (path === undefined || url.pathname !== path) return false
    socket.on('error', () => socket.destroy())
    admitPush(listener, deps, 'websocket', nodeClient(request), url.searchParams).then(
      (admission) => {
        // A socket that closes before the upgrade completes gives its slot back here.
        let upgraded = false
        socket.once('close', () => {
          if (!upgraded) admission.lease.release()
        })
        server.handleUpgrade(request, socket, head, (ws: WebSocket) => {
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
          const heartbeat = heartbeatMs > 0 ? setInterval(() => ws.ping(), heartbeatMs) : undefined
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
      (err: unknown) => rejectUpgrade(socket, errorReply(err, deps.logger, { path: url.pathname }))
    )
    return true
  }
}
