// The produce endpoints, served straight from node:http ahead of hono: the one place they are
// registered. A small produce request spends more time in the web Request/Response adapter than
// in Weir itself, so the hottest door skips it; it runs the same request lifecycle as every door
// (lifecycle.ts). Anything that is not exactly a produce endpoint's method and path falls through
// to hono (health, 404, and the 405 with Allow of routes.ts).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { RegExpRouter } from 'hono/router/reg-exp-router'
import { nodeClient } from '../credentials.ts'
import type { HttpExchange, HttpReply } from '../exchange.ts'
import type { Admitted, RequestTarget } from '../lifecycle.ts'
import { sendReply } from '../node-reply.ts'
import { matchRoute, type RouteMatch } from '../route-match.ts'
import { readIncoming } from '../read-body.ts'
import type { ProduceEndpoint } from './endpoint.ts'
import { handleProduce, produceRoute, type ProduceDoorDeps } from './handler.ts'

/** Handles the request and returns true, or returns false to let the next server have it. */
export type FastPath = (request: IncomingMessage, response: ServerResponse) => boolean

type Served = (exchange: HttpExchange) => Promise<HttpReply>

export function produceFastPath(
  endpoints: readonly ProduceEndpoint[],
  deps: ProduceDoorDeps
): FastPath {
  const { lifecycle } = deps
  const router = new RegExpRouter<Served>()
  for (const endpoint of endpoints) {
    // Built once per endpoint: a request allocates nothing for its route.
    const route = produceRoute(endpoint)
    const handler = (admitted: Admitted<RequestTarget>, exchange: HttpExchange) =>
      handleProduce(endpoint, deps, admitted, exchange)
    const serve: Served = (exchange) => lifecycle.serve(route, exchange.method, exchange, handler)
    router.add(endpoint.method, endpoint.honoPath, serve)
  }
  return (request, response) => {
    const url = request.url ?? '/'
    const query = url.indexOf('?')
    const path = query === -1 ? url : url.slice(0, query)
    let found: RouteMatch<Served> | undefined
    try {
      found = matchRoute(router, request.method ?? 'GET', path)
    } catch (err) {
      sendReply(response, lifecycle.errorReply(err, { path }))
      return true
    }
    if (found === undefined) return false
    void found
      .value({
        method: request.method ?? 'POST',
        url,
        ...nodeClient(request),
        params: found.params,
        readBody: (maxBytes) => readIncoming(request, maxBytes),
      })
      .then((reply) => sendReply(response, reply))
    return true
  }
}
