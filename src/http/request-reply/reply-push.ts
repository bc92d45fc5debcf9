// Replies pushed as they arrive, to a principal's own Server-Sent Events or WebSocket connection
// on `{requests.path}`: every node reads every reply, so a client connected to any node gets the
// replies to the requests it made on any node, and only those (the id's owner MAC says whose a
// reply is; nothing else does). `?route=` narrows the connection to one route.
import type { Context } from 'hono'
import type { ServerResponse } from 'node:http'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { fromDecision, GatewayError } from '../../core/errors.ts'
import type { Principal } from '../../core/principal.ts'
import type { Door } from '../../core/policy-request.ts'
import {
  queryCredentials,
  type Admitted,
  type LifecycleRoute,
  type Located,
  type RequestObservation,
} from '../lifecycle.ts'
import type { Lease } from '../../policy/index.ts'
import { decodeValue } from '../resources/body.ts'
import { SseWriter } from '../sse-writer.ts'
import { allowOrThrow, listenerReplies, type ResourceDoorDeps } from '../resources/deps.ts'
import type { Correlator } from '../../replies/correlation.ts'
import { replyValueFormat } from './reply-response.ts'
import type { StoredReply } from '../../replies/reply-store.ts'
import type { ListenerReplies, ReplyRoute, RequestsConfig } from '../../replies/reply-service.ts'

type PushDoor = Extract<Door, 'sse' | 'websocket'>

export interface PushAdmission {
  principal: Principal
  virtualCluster: string
  routes: ReplyRoute[]
  correlator: Correlator
  requests: RequestsConfig
  /** The connection's slot (connection limits): given back when it closes. */
  lease: Lease
}

/** The routes a push connection is for (`?route=` narrows), found before authenticating. */
interface PushTarget extends Located {
  replies: ListenerReplies
  routes: ReplyRoute[]
}

/** The request lifecycle of a push connection on `{requests.path}` (SSE or WebSocket). */
export function pushRoute<Req>(
  listener: string,
  deps: ResourceDoorDeps,
  door: PushDoor,
  template: string,
  queryOf: (request: Req) => URLSearchParams
): LifecycleRoute<Req, PushTarget> {
  return {
    door,
    template,
    route: `GET ${template}`,
    admit: 'connection',
    locate: (request, observed) => locatePush(listener, deps, queryOf(request), observed),
    credentials: (request) => queryCredentials(queryOf(request)),
  }
}

function locatePush(
  listener: string,
  deps: ResourceDoorDeps,
  query: URLSearchParams,
  observed: RequestObservation
): PushTarget {
  const replies = listenerReplies(deps, listener)
  const only = query.get('route')
  const routes = [...replies.routes.values()].filter((r) => only === null || r.name === only)
  if (routes.length === 0) {
    throw new GatewayError('not-found', `no request-reply route is named "${only ?? ''}"`)
  }
  const vcs = [...new Set(routes.map((r) => r.virtualCluster.name))]
  if (vcs.length > 1) {
    throw new GatewayError(
      'bad-request',
      `routes of several virtual clusters reply here (${vcs.join(', ')}): name one with ?route=`
    )
  }
  const virtualCluster = vcs[0] as string
  observed.note({ virtualCluster, topic: routes.map((r) => r.topic).join(',') })
  return { virtualCluster, replies, routes }
}

/** Authorizes `consume` on the reply topics of an authenticated client, and takes its slot. */
export async function authorizePush(
  deps: ResourceDoorDeps,
  door: PushDoor,
  { principal, target: { virtualCluster, replies, routes } }: Admitted<PushTarget>
): Promise<PushAdmission> {
  // One request over every route's reply topic: decided together, charged once. Each route's
  // own policies apply to the connection as a whole.
  const route = routes.length === 1 ? (routes[0] as ReplyRoute).name : replies.requests.path
  const policies = [...new Set(routes.flatMap((r) => r.policies))]
  allowOrThrow(
    await deps.policies.prepareAndAuthorize(
      {
        door,
        operation: 'consume',
        virtualCluster,
        route,
        resources: routes.map((r) => ({ type: 'topic', name: r.topic })),
        principal,
        records: 0,
        bytes: 0,
      },
      policies
    )
  )
  const admitted = await deps.policies.admit({ door, virtualCluster, route, principal }, policies)
  if (admitted.verdict === 'deny') throw fromDecision(admitted)
  return {
    principal,
    virtualCluster,
    routes,
    correlator: replies.correlator,
    requests: replies.requests,
    lease: admitted.lease,
  }
}

/** A reply as a push message (JSON): the body decoded as the fetch would serve it. */
export interface PushedReply {
  type: 'reply'
  id: string
  location: string
  status: number
  headers: Readonly<Record<string, string>>
  body: unknown
  encoding?: string
}

/**
 * Calls `send` with every reply of the admitted principal, in the order they arrive; returns the
 * unsubscribe.
 */
export function subscribeReplies(
  admission: PushAdmission,
  deps: ResourceDoorDeps,
  send: (message: PushedReply) => void
): () => void {
  const { correlator, virtualCluster, principal } = admission
  let queue: Promise<void> = Promise.resolve()
  let open = true
  const offs = admission.routes.map((route) =>
    route.store.subscribe((reply: StoredReply) => {
      const id = correlator.read(reply.id)
      if (id === undefined || !correlator.owns(id, { virtualCluster, principal })) return
      // Decoding may wait on the registry: a queue keeps the replies in arrival order.
      queue = queue.then(async () => {
        const shown = await route.shown(reply, principal)
        const decoded = await decodeValue(
          shown.body,
          replyValueFormat(route, deps.logger),
          deps.schemas
        )
        if (!open) return
        send({
          type: 'reply',
          id: reply.id,
          location: `${admission.requests.path}/${reply.id}`,
          status: reply.status,
          headers: reply.headers,
          body: decoded.value,
          encoding: decoded.encoding,
        })
      })
      queue.catch((err: unknown) => deps.logger.warn({ err }, 'a reply could not be pushed'))
    })
  )
  return () => {
    open = false
    for (const off of offs) off()
  }
}

/** `GET {requests.path}` with `Accept: text/event-stream`: replies as SSE `reply` events. */
export function replyEvents(listener: string, deps: ResourceDoorDeps, template: string) {
  const route = pushRoute(
    listener,
    deps,
    'sse',
    template,
    (c: Context) => new URL(c.req.url).searchParams
  )
  const locate = route.locate
  return deps.lifecycle.route(
    {
      ...route,
      // Observed as the HTTP request it is; the session's records are the stream's.
      door: 'http',
      locate: (c, observed) => {
        if (!(c.req.header('accept') ?? '').includes('text/event-stream')) {
          throw new GatewayError(
            'bad-request',
            'replies are pushed over Server-Sent Events (Accept: text/event-stream) or a WebSocket; fetch one with GET {path}/{id}'
          )
        }
        return locate(c, observed)
      },
    },
    async (admitted, c) => {
      const response = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing
      if (response === undefined) {
        throw new GatewayError('internal', 'replies are pushed over a node:http connection only')
      }
      const admission = await authorizePush(deps, 'sse', admitted)
      // The client left while its slot was being taken: no close event will come to give it back.
      if (response.socket === null || response.socket.destroyed) {
        admission.lease.release()
        return RESPONSE_ALREADY_SENT
      }
      const sse = new SseWriter(response)
      sse.event(
        'ready',
        JSON.stringify({
          principal: admission.principal.name,
          routes: admission.routes.map((r) => r.name),
        })
      )
      const unsubscribe = subscribeReplies(admission, deps, (message) => {
        sse.event('reply', JSON.stringify(message), message.id)
      })
      const { heartbeatMs } = admission.requests
      const heartbeat =
        heartbeatMs > 0 ? setInterval(() => sse.heartbeat(), heartbeatMs) : undefined
      // The slot goes back however the stream ends: the client leaves, or the node shuts down.
      let ended = false
      const end = () => {
        if (ended) return
        ended = true
        clearInterval(heartbeat)
        offShutdown()
        unsubscribe()
        admission.lease.release()
        sse.end()
      }
      const offShutdown = deps.onShutdown(end)
      sse.onClose(end)
      // Written to the node response itself: the one SSE writer of the listener.
      return RESPONSE_ALREADY_SENT
    }
  )
}
