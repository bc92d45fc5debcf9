// What every streaming door does before it streams: find the stream for the path, authenticate
// the client, resolve and authorize its topics, read its start or cursor. (Doors take the
// connection slot themselves: a long-poll takes one per session, not per request.)
// Failing any step answers before a byte is streamed (HTTP problem+json, or the same before a
// WebSocket upgrade), so a client never holds a stream it may not read.
import { RegExpRouter } from 'hono/router/reg-exp-router'
import { GatewayError } from '../../core/errors.ts'
import type { Credentials, Principal } from '../../core/principal.ts'
import { parseClientStart } from '../../stream/client-start.ts'
import { decodeCursor, type Cursor, type StreamStart } from '../../stream/cursor.ts'
import type { StreamEndpoint, StreamProtocol } from '../../stream/endpoint.ts'
import type { StreamDoor, StreamService } from '../../stream/stream-service.ts'
import { httpCredentials } from '../credentials.ts'
import type { Observability } from '../../observability/observability.ts'
import { matchRoute } from '../route-match.ts'
import type { HttpClient } from '../exchange.ts'

export interface StreamDoorDeps {
  service: StreamService
  /** Who the credentials belong to; throws GatewayError('unauthenticated') otherwise. */
  authenticate(virtualCluster: string, credentials: Credentials): Promise<Principal>
  apiKeyHeaders(virtualCluster: string): readonly string[]
  accepting(): boolean
  /** Refused stream requests are observed (a span, metrics, the access log). */
  observability?: Observability
}

export interface StreamMatch {
  endpoint: StreamEndpoint
  params: Record<string, string>
}

export type StreamMatcher = (path: string) => StreamMatch | undefined

export function streamMatcher(endpoints: readonly StreamEndpoint[]): StreamMatcher {
  const router = new RegExpRouter<StreamEndpoint>()
  for (const endpoint of endpoints) router.add('GET', endpoint.honoPath, endpoint)
  return (path) => {
    const found = matchRoute(router, 'GET', path)
    return found && { endpoint: found.value, params: found.params }
  }
}

export interface StreamRequest extends HttpClient {
  query: URLSearchParams
  /** A cursor the protocol carries elsewhere than `?cursor=` (SSE's Last-Event-ID). */
  cursor?: string | null
  /** Credentials the protocol carries elsewhere (WebSocket subprotocols). */
  credentials?: Credentials
}

export interface Admission {
  principal: Principal
  /** Client topic names. */
  topics: string[]
  start?: StreamStart
  cursor?: Cursor
}

const PROTOCOL: Record<StreamDoor, StreamProtocol> = {
  websocket: 'websocket',
  sse: 'sse',
  'long-poll': 'long-poll',
}

export async function admit(
  deps: StreamDoorDeps,
  match: StreamMatch,
  door: StreamDoor,
  request: StreamRequest
): Promise<Admission> {
  const scope = deps.observability?.request(
    door,
    `GET ${match.endpoint.name}`,
    { 'weir.route': match.endpoint.name },
    request.headers
  )
  if (scope === undefined) return admitClient(deps, match, door, request)
  try {
    const admission = await admitClient(deps, match, door, request)
    // Admitted: the session that follows is observed when it ends.
    scope.span?.end()
    return admission
  } catch (err) {
    scope.finish(
      { virtualCluster: match.endpoint.virtualCluster.name, route: match.endpoint.name },
      err
    )
    throw err
  }
}

async function admitClient(
  deps: StreamDoorDeps,
  { endpoint, params }: StreamMatch,
  door: StreamDoor,
  request: StreamRequest
): Promise<Admission> {
  if (!deps.accepting() || deps.service.closing) {
    throw new GatewayError('overloaded', 'this node is shutting down; connect again', {
      retryAfterSeconds: 1,
    })
  }
  if (!endpoint.serves(PROTOCOL[door])) {
    const served = endpoint.config.protocols.join(', ')
    throw new GatewayError(
      'bad-request',
      `stream "${endpoint.name}" is not served over ${door}; it is served over ${served}`
    )
  }
  const vc = endpoint.virtualCluster.name
  const credentials = {
    ...queryCredentials(request.query),
    ...request.credentials,
    ...httpCredentials(request, deps.apiKeyHeaders(vc)),
  }
  const principal = await deps.authenticate(vc, credentials)
  const topics = endpoint.topicsFor(params, listParam(request.query.get('topics')))
  deps.service.authorize(endpoint, door, principal, topics)
  const from = request.query.get('from')
  if (from !== null && !endpoint.config.clientStart) {
    throw new GatewayError('bad-request', `stream "${endpoint.name}" does not take "from"`)
  }
  const cursorText = request.cursor ?? request.query.get('cursor')
  return {
    principal,
    topics,
    start: from === null ? undefined : parseClientStart(from),
    cursor: cursorText ? decodeCursor(cursorText) : undefined,
  }
}

/**
 * Browsers cannot set headers on EventSource or WebSocket: `?access_token=` (a bearer token) and
 * `?api_key=` stand in. They end up in access logs of whatever proxies sit in front: prefer
 * short-lived tokens there.
 */
function queryCredentials(query: URLSearchParams): Credentials {
  const credentials: Credentials = {}
  const token = query.get('access_token')
  if (token) credentials.bearerToken = token
  const key = query.get('api_key')
  if (key) credentials.apiKey = key
  return credentials
}

function listParam(value: string | null): string[] | undefined {
  if (value === null) return undefined
  return value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
}
