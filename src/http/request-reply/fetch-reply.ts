// `GET {requests.path}/{id}`: the reply of an earlier request, from any node. The id says which
// route took the request and when (see correlation.ts), so this node needs no state of its own
// beyond the replies it read: 202 while the reply is pending (held up to `Prefer: wait=N`), the
// reply once it exists, 404 for ids no node issued or whose reply expired, 403 for a principal
// other than the one who asked. The policy engine decides as it did for the request: `consume`
// on the reply topic, with the route's policies.
import type { Context } from 'hono'
import { GatewayError } from '../../core/errors.ts'
import type { Located, RequestObservation } from '../lifecycle.ts'
import { allowOrThrow, listenerReplies, type ResourceDoorDeps } from '../resources/deps.ts'
import { parsePrefer, waitFor } from '../resources/prefer.ts'
import { pendingResponse, replyResponse, replyValueFormat } from './reply-response.ts'
import type { ListenerReplies, ReplyRoute } from '../../replies/reply-service.ts'
import type { RequestId } from '../../replies/correlation.ts'
import type { StoredReply } from '../../replies/reply-store.ts'

interface FetchTarget extends Located {
  replies: ListenerReplies
  id: RequestId
  route: ReplyRoute
  expiresAt: number
}

/** `GET {requests.path}/{id}` through the request lifecycle (lifecycle.ts). */
export function fetchReply(
  listener: string,
  deps: ResourceDoorDeps,
  template: string
): (c: Context) => Promise<Response> {
  return deps.lifecycle.route(
    {
      template,
      route: `GET ${template}`,
      // A reply that exists is served while the node shuts down; only the wait is cut short.
      admit: 'always',
      locate: (c, observed) => locate(listener, deps, c.req.param('id') ?? '', observed),
    },
    async ({ principal, target }, c) => {
      const { replies, id, route, expiresAt } = target
      const vc = target.virtualCluster
      allowOrThrow(
        await deps.policies.prepareAndAuthorize(
          {
            door: 'http',
            operation: 'consume',
            virtualCluster: vc,
            route: route.name,
            resources: [{ type: 'topic', name: route.topic }],
            principal,
            records: 0,
            bytes: 0,
          },
          route.policies
        )
      )
      if (!replies.correlator.owns(id, { virtualCluster: vc, principal })) {
        throw new GatewayError('forbidden', 'this request was made by another principal')
      }
      const location = `${replies.requests.path}/${id.text}`
      const holdMs = waitFor(
        parsePrefer(c.req.header('prefer')),
        Math.min(replies.requests.maxWaitMs, expiresAt - Date.now())
      )
      const reply = deps.accepting()
        ? await awaitReply(
            route,
            id.text,
            holdMs,
            Math.min(replies.requests.catchUpMs, expiresAt - Date.now())
          )
        : route.store.get(id.text)
      if (reply === undefined)
        return pendingResponse({ id: id.text, location, asyncPreferred: false })
      const shown = await route.shown(reply, principal)
      return replyResponse(shown, replyValueFormat(route, deps.logger), deps.schemas, {
        'content-location': location,
      })
    }
  )
}

/** The route and reply an id names, for anybody: 404 before authenticating. */
function locate(
  listener: string,
  deps: ResourceDoorDeps,
  text: string,
  observed: RequestObservation
): FetchTarget {
  const replies = listenerReplies(deps, listener)
  const id = replies.correlator.read(text)
  const route = id && replies.routes.get(id.route)
  if (id === undefined || route === undefined) {
    throw new GatewayError('not-found', `no request has the id "${text.slice(0, 80)}"`)
  }
  const expiresAt = id.createdAt + route.settings.retentionMs
  if (expiresAt <= Date.now()) {
    throw new GatewayError(
      'not-found',
      `the reply to request "${text}" expired (replies are kept ${route.settings.retentionMs} ms)`
    )
  }
  const virtualCluster = route.virtualCluster.name
  observed.note({ virtualCluster, topic: route.topic })
  return { virtualCluster, replies, id, route, expiresAt }
}

/**
 * The reply, if this node holds it or reads it within the wait. A node that holds no reply yet
 * first reads the reply topic up to its end offsets as they are now (bounded by the longer of the
 * client's wait and `catchUpMs`): another node may already have served a reply this one has not
 * read, and "pending" would then be wrong. Past that, it waits what is left of the client's wait.
 */
async function awaitReply(
  route: ReplyRoute,
  id: string,
  holdMs: number,
  catchUpMs: number
): Promise<StoredReply | undefined> {
  const found = route.store.get(id)
  if (found !== undefined) return found
  const started = Date.now()
  const boundMs = Math.max(holdMs, catchUpMs)
  const reply = await route.store.wait(id, boundMs, route.readThrough(boundMs))
  const left = holdMs - (Date.now() - started)
  return reply ?? (left > 0 ? route.store.wait(id, left) : undefined)
}
