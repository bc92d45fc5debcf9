// What every streaming door does before it streams: find the stream for the path, run the request
// lifecycle up to an authenticated client (lifecycle.ts), resolve and authorize its topics, read
// its start or cursor. (Doors take the
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
import {
  closingRefusal,
  queryCredentials,
  type HttpLifecycle,
  type LifecycleRoute,
  type Located,
} from '../lifecycle.ts'
import type { Observability } from '../../observability/observability.ts'
import { matchRoute } from '../route-match.ts'
import type { HttpClient } from '../exchange.ts'

export interface StreamDoorDeps {
  service: StreamService
  /** Admit, observe (refused stream requests too), authenticate, answer errors. */
  lifecycle: HttpLifecycle
  /** Connections opened and closed (the WebSocket door counts its own). */
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

/** The request lifecycle of a stream request over `door`, up to its authenticated principal. */
function streamRoute(
  deps: StreamDoorDeps,
  { endpoint }: StreamMatch,
  door: StreamDoor
): LifecycleRoute<StreamRequest, Located> {
  const virtualCluster = endpoint.virtualCluster.name
  return {
    door,
    template: endpoint.config.path,
    route: endpoint.name,
    virtualCluster,
    admit: 'connection',
    locate: () => {
      if (deps.service.closing) throw closingRefusal('connection')
      if (!endpoint.serves(PROTOCOL[door])) {
        const served = endpoint.config.protocols.join(', ')
        throw new GatewayError(
          'bad-request',
          `stream "${endpoint.name}" is not served over ${door}; it is served over ${served}`
        )
      }
      return { virtualCluster }
    },
    // Headers win over the query and WebSocket subprotocols.
    credentials: (request) => {
      const query = queryCredentials(request.query)
      return query === undefined ? request.credentials : { ...query, ...request.credentials }
    },
  }
}

export async function admit(
  deps: StreamDoorDeps,
  match: StreamMatch,
  door: StreamDoor,
  request: StreamRequest
): Promise<Admission> {
  const { lifecycle } = deps
  const route = streamRoute(deps, match, door)
  const observed = lifecycle.observe(route, 'GET', request.headers)
  try {
    const { principal } = await lifecycle.enter(route, request, request, observed)
    const admission = await admitClient(deps, match, door, request, principal)
    // Admitted: the session that follows is observed when it ends.
    observed.scope?.span?.end()
    return admission
  } catch (err) {
    observed.fail(err)
    throw err
  }
}

async function admitClient(
  deps: StreamDoorDeps,
  { endpoint, params }: StreamMatch,
  door: StreamDoor,
  request: StreamRequest,
  principal: Principal
): Promise<Admission> {
  const topics = endpoint.topicsFor(params, listParam(request.query.get('topics')))
  await deps.service.authorize(endpoint, door, principal, topics)
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

function listParam(value: string | null): string[] | undefined {
  if (value === null) return undefined
  return value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
}
