// The produce endpoints served straight from node:http, ahead of hono. A small produce request
// spends more time in the web Request/Response adapter than in Weir itself, so the hottest
// door skips it; the pipeline (handleProduce) is the same one the hono route runs. Anything
// that is not exactly a produce endpoint's method and path falls through to hono (health,
// 404, 405 with Allow...).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { RegExpRouter } from 'hono/router/reg-exp-router'
import type { Logger } from '../../observability/logger.ts'
import { nodeClient } from '../credentials.ts'
import { errorReply, sendReply } from '../node-reply.ts'
import { matchRoute, type RouteMatch } from '../route-match.ts'
import { readIncoming } from '../read-body.ts'
import type { ProduceEndpoint } from './endpoint.ts'
import { handleProduce, type ProduceDoorDeps } from './handler.ts'

/** Handles the request and returns true, or returns false to let the next server have it. */
export type FastPath = (request: IncomingMessage, response: ServerResponse) => boolean

export function produceFastPath(
  endpoints: readonly ProduceEndpoint[],
  deps: ProduceDoorDeps,
  logger: Logger
): FastPath {
  const router = new RegExpRouter<ProduceEndpoint>()
  for (const endpoint of endpoints) router.add(endpoint.method, endpoint.honoPath, endpoint)
  return (request, response) => {
    const url = request.url ?? '/'
    const query = url.indexOf('?')
    const path = query === -1 ? url : url.slice(0, query)
    let found: RouteMatch<ProduceEndpoint> | undefined
    try {
      found = matchRoute(router, request.method ?? 'GET', path)
    } catch (err) {
      sendReply(response, errorReply(err, logger, { path }))
      return true
    }
    if (found === undefined) return false
    const { value: endpoint, params } = found
    handleProduce(endpoint, deps, {
      method: request.method ?? 'POST',
      url,
      ...nodeClient(request),
      params,
      readBody: (maxBytes) => readIncoming(request, maxBytes),
    }).then(
      (reply) => sendReply(response, reply),
      (err: unknown) => sendReply(response, errorReply(err, logger, { route: endpoint.name }))
    )
    return true
  }
}
