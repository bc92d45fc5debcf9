// One HTTP request's way through a listener, whichever door serves it (produce, request-reply,
// reply fetch and push, views, SSE, long-poll, WebSocket upgrades): admit (the node still takes
// requests; the CORS gate in front of the server already decided the origin), observe (one span
// and one observation), locate (what the request is for, and so its virtual cluster), authenticate
// (the HTTP credentials and the TLS client certificate, into the engine), the door's handler, and
// the error mapping (error-response.ts). Handlers get an authenticated principal and only
// translate their protocol. The node:http fast paths call `serve`, hono routes `route`: one
// pipeline, no web Request where the fast path has none.
import { randomUUID } from 'node:crypto'
import type { Attributes } from '@opentelemetry/api'
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { GatewayError, shuttingDown } from '../core/errors.ts'
import type { Door } from '../core/policy-request.ts'
import type { Credentials, Principal } from '../core/principal.ts'
import { PROBLEM_CONTENT_TYPE } from '../core/problem.ts'
import type { Logger } from '../observability/logger.ts'
import type { Finished, Observability, RequestScope } from '../observability/observability.ts'
import { honoClient, httpCredentials } from './credentials.ts'
import { httpErrorReply } from './error-response.ts'
import type { HeaderReader, HttpClient, HttpReply } from './exchange.ts'

export interface LifecycleDeps {
  /** Who the credentials belong to; throws the engine's refusal (401...) otherwise. */
  authenticate(virtualCluster: string, credentials: Credentials): Principal | Promise<Principal>
  apiKeyHeaders(virtualCluster: string): readonly string[]
  /** False once the node is shutting down. */
  accepting(): boolean
  /** Metrics, traces and access log; nothing is observed without it. */
  observability?: Observability
  logger: Logger
}

/**
 * What a door does with requests while the node shuts down: `request` refuses them (and closes
 * keep-alive connections, which would otherwise keep sending here), `connection` refuses new
 * streams (connect again elsewhere), `always` serves them (reads that answer without waiting).
 */
export type Admit = 'request' | 'connection' | 'always'

/** How a request is observed: spans are named `{method} {template}`. */
export interface ObservedRoute {
  door?: Door
  /** The path as OpenAPI writes it (`/orders/{id}`). */
  template: string
  /** The route as metrics and the access log name it: its name, else `{method} {template}`. */
  route: string
  virtualCluster?: string
}

/** What the request is for, found before anyone is authenticated (so a 404 is anybody's). */
export interface Located {
  virtualCluster: string
}

export interface LifecycleRoute<Req, T extends Located> extends ObservedRoute {
  admit: Admit
  /** Finds what the request is for; throws (404, 400...) when there is nothing. */
  locate(request: Req, observed: RequestObservation): T | Promise<T>
  /** Credentials the protocol carries elsewhere than headers (query, WebSocket subprotocols). */
  credentials?(request: Req): Credentials | undefined
}

/** A request the access log names by its `X-Request-Id`, or an id of its own. */
export interface RequestTarget extends Located {
  requestId: string
}

/** Locates a request for a fixed virtual cluster, noting its request id (produce, request-reply). */
export function requestTarget(
  virtualCluster: string,
  header: string | null | undefined,
  observed: RequestObservation
): RequestTarget {
  const requestId = header ?? randomUUID()
  observed.note({ requestId })
  return { virtualCluster, requestId }
}

export interface Admitted<T> {
  principal: Principal
  target: T
  observed: RequestObservation
}

/** One request's span and observation; `note` adds what a stage learnt (principal, topic...). */
export class RequestObservation {
  readonly scope: RequestScope | undefined
  readonly seen: Finished

  constructor(scope: RequestScope | undefined, seen: Finished) {
    this.scope = scope
    this.seen = seen
  }

  note(fields: Finished): void {
    if (this.scope !== undefined) Object.assign(this.seen, fields)
  }

  /** Trace context for the records the request writes ({} when not traced). */
  recordHeaders(): Record<string, Buffer> {
    return this.scope?.recordHeaders() ?? {}
  }

  /** Refused or failed: the error says the status and reason. */
  fail(error: unknown): void {
    this.scope?.finish({ ...this.seen }, error)
  }

  finish(status: number, bytesOut: number | undefined, error?: unknown): void {
    if (this.scope === undefined) return
    const fields: Finished = { ...this.seen, status }
    if (bytesOut !== undefined) fields.bytesOut = bytesOut
    if (error === undefined && status >= 400) fields.outcome = 'rejected'
    this.scope.finish(fields, error)
  }
}

/** The refusal of a request (or a new stream) while the node shuts down. */
export function closingRefusal(admit: Exclude<Admit, 'always'>): GatewayError {
  return admit === 'request'
    ? shuttingDown({ close: true })
    : new GatewayError('overloaded', 'this node is shutting down; connect again', {
        retryAfterSeconds: 1,
      })
}

const UNOBSERVED = new RequestObservation(undefined, {})

/** A route's span name and attributes per method: the same for every request, built once. */
const spans = new WeakMap<ObservedRoute, Map<string, { name: string; attributes: Attributes }>>()

function spanOf(route: ObservedRoute, method: string): { name: string; attributes: Attributes } {
  let byMethod = spans.get(route)
  if (byMethod === undefined) spans.set(route, (byMethod = new Map()))
  let span = byMethod.get(method)
  if (span === undefined) {
    const { template } = route
    const attributes = Object.freeze({
      'http.request.method': method,
      'http.route': template,
      'weir.route': route.route,
    })
    span = { name: `${method} ${template}`, attributes }
    // Methods are the client's to choose: a route keeps a few, not one per odd token.
    if (byMethod.size < 16) byMethod.set(method, span)
  }
  return span
}

export class HttpLifecycle {
  readonly #deps: LifecycleDeps

  constructor(deps: LifecycleDeps) {
    this.#deps = deps
  }

  /** For requests that are not observed as such (a WebSocket reply push is its connection). */
  readonly unobserved = UNOBSERVED

  admit(admit: Admit): void {
    if (admit !== 'always' && !this.#deps.accepting()) throw closingRefusal(admit)
  }

  observe(route: ObservedRoute, method: string, headers: HeaderReader): RequestObservation {
    const observability = this.#deps.observability
    if (observability === undefined) return UNOBSERVED
    const span = spanOf(route, method)
    const scope = observability.request(route.door ?? 'http', span.name, span.attributes, headers)
    const seen: Finished = { route: route.route }
    if (route.virtualCluster !== undefined) seen.virtualCluster = route.virtualCluster
    return new RequestObservation(scope, seen)
  }

  /** The client's HTTP credentials (after `extra`: headers win) as the engine's principal. */
  authenticate(
    virtualCluster: string,
    client: HttpClient,
    extra?: Credentials
  ): Principal | Promise<Principal> {
    const credentials = httpCredentials(client, this.#deps.apiKeyHeaders(virtualCluster))
    return this.#deps.authenticate(
      virtualCluster,
      extra === undefined ? credentials : { ...extra, ...credentials }
    )
  }

  /** A refusal or failure as its answer (an unexpected error is logged with `context`). */
  errorReply(err: unknown, context: object): HttpReply {
    return httpErrorReply(err, this.#deps.logger, context)
  }

  /**
   * Admits, locates and authenticates a request already observed, for doors whose answer is not
   * one reply (streams, WebSocket upgrades): they finish the observation themselves.
   */
  async enter<Req, T extends Located>(
    route: LifecycleRoute<Req, T>,
    request: Req,
    client: HttpClient,
    observed: RequestObservation
  ): Promise<Admitted<T>> {
    // The address the socket (or a trusted PROXY protocol header) gave, for the access log.
    if (client.client !== undefined) observed.note({ client: client.client })
    this.admit(route.admit)
    const located = route.locate(request, observed)
    // Most doors locate synchronously: no await (and its turn of the microtask queue) for them.
    const target = located instanceof Promise ? await located : located
    const known = this.authenticate(target.virtualCluster, client, route.credentials?.(request))
    const principal = known instanceof Promise ? await known : known
    observed.note({ principal: principal.name })
    return { principal, target, observed }
  }

  /** The whole lifecycle on node:http (the produce fast path): the reply, errors mapped. */
  async serve<Req extends HttpClient, T extends Located>(
    route: LifecycleRoute<Req, T>,
    method: string,
    request: Req,
    handler: (admitted: Admitted<T>, request: Req) => Promise<HttpReply>
  ): Promise<HttpReply> {
    const observed = this.observe(route, method, request.headers)
    let reply: HttpReply
    let error: unknown
    try {
      reply = await handler(await this.enter(route, request, request, observed), request)
    } catch (err) {
      error = err
      reply = this.errorReply(err, { route: route.route })
    }
    if (observed.scope === undefined) return reply
    // Serialized once: counted for the access log here, then sent as is.
    const json = JSON.stringify(reply.body)
    observed.finish(reply.status, Buffer.byteLength(json ?? ''), error)
    reply.json = json
    return reply
  }

  /** The whole lifecycle as a hono handler: errors answered here, not by app.onError. */
  route<T extends Located>(
    route: LifecycleRoute<Context, T>,
    handler: (admitted: Admitted<T>, c: Context) => Promise<Response> | Response
  ): (c: Context) => Promise<Response> {
    return async (c) => {
      const observed = this.observe(route, c.req.method, c.req.raw.headers)
      try {
        const response = await handler(await this.enter(route, c, honoClient(c), observed), c)
        observed.finish(response.status, undefined)
        return response
      } catch (err) {
        const reply = this.errorReply(err, { route: route.route, path: c.req.path })
        observed.finish(reply.status, undefined, err)
        return honoReply(c, reply)
      }
    }
  }

  /** A hono route answering only through the error mapping (405s of known paths): observed. */
  refuse(route: ObservedRoute, refusal: (c: Context) => GatewayError): (c: Context) => Response {
    return (c) => {
      const observed = this.observe(route, c.req.method, c.req.raw.headers)
      const err = refusal(c)
      const reply = this.errorReply(err, {})
      observed.finish(reply.status, undefined, err)
      return honoReply(c, reply)
    }
  }
}

/** An HttpReply through hono (problem+json for errors). */
export function honoReply(c: Context, reply: HttpReply): Response {
  const headers = { ...reply.headers }
  if (reply.status >= 400) headers['content-type'] = PROBLEM_CONTENT_TYPE
  return c.json(reply.body, reply.status as ContentfulStatusCode, headers)
}

/**
 * Browsers cannot set headers on EventSource or WebSocket: `?access_token=` (a bearer token) and
 * `?api_key=` stand in. They end up in access logs of whatever proxies sit in front: prefer
 * short-lived tokens there.
 */
export function queryCredentials(query: URLSearchParams): Credentials | undefined {
  const token = query.get('access_token')
  const key = query.get('api_key')
  if (!token && !key) return undefined
  const credentials: Credentials = {}
  if (token) credentials.bearerToken = token
  if (key) credentials.apiKey = key
  return credentials
}
