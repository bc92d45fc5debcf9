// The HTTP produce door: translate a request into a ProduceCommand, hand it to the produce
// service, translate the outcome into 202 Accepted (or a problem, via GatewayError).
// Pipeline: authenticate -> topic -> body -> events -> idempotency -> produce -> respond.
import { randomUUID } from 'node:crypto'
import type { Context } from 'hono'
import { GatewayError, shuttingDown } from '../../core/errors.ts'
import type { Principal } from '../../core/principal.ts'
import type { Violation } from '../../core/violation.ts'
import type { Finished, Observability, RequestScope } from '../../observability/observability.ts'
import type { ProduceEvent } from '../../produce/event.ts'
import type { ProduceResult, ProduceService } from '../../produce/produce-service.ts'
import { parseEvents, type ParsedEvent } from './body.ts'
import type { ProduceEndpoint } from './endpoint.ts'
import { envelope } from './envelope.ts'
import { IdempotencyCache, type StoredResponse } from '../../produce/idempotency.ts'
import { mediaType } from './media.ts'
import type { HttpClient, HttpExchange, HttpReply } from '../exchange.ts'
import { honoClient } from '../credentials.ts'
import { readBody } from '../read-body.ts'
import { keyOf, partitionOf, type RequestView } from './record-fields.ts'

export interface ProduceDoorDeps {
  /** Authenticates for a virtual cluster; throws GatewayError('unauthenticated') on failure. */
  authenticate(virtualCluster: string, client: HttpClient): Promise<Principal>
  produce: ProduceService
  idempotency: IdempotencyCache
  /** False once the node is shutting down. */
  accepting(): boolean
  /** Metrics, traces and access log; nothing is observed without it. */
  observability?: Observability
}

/** One produce request, whichever server carried it; throws GatewayError for any refusal. */
export async function handleProduce(
  endpoint: ProduceEndpoint,
  deps: ProduceDoorDeps,
  exchange: HttpExchange
): Promise<HttpReply> {
  // Observability: one span and one observation per request, accepted or refused.
  const scope = deps.observability?.request(
    'http',
    `${exchange.method} ${endpoint.path}`,
    {
      'http.request.method': exchange.method,
      'http.route': endpoint.path,
      'weir.route': endpoint.name,
    },
    exchange.headers
  )
  if (scope === undefined) return produceRequest(endpoint, deps, exchange, undefined, {})
  const seen: Finished = { virtualCluster: endpoint.virtualCluster, route: endpoint.name }
  try {
    const reply = await produceRequest(endpoint, deps, exchange, scope, seen)
    scope.finish({ ...seen, status: reply.status, bytesOut: jsonBytes(reply.body) })
    return reply
  } catch (err) {
    // The problem+json body the error becomes (bytes out).
    const bytesOut = err instanceof GatewayError ? jsonBytes(err.toProblem()) : 0
    scope.finish({ ...seen, bytesOut }, err)
    throw err
  }
}

/** The size of a JSON reply body, as it is sent. */
function jsonBytes(body: unknown): number {
  return Buffer.byteLength(JSON.stringify(body) ?? '')
}

async function produceRequest(
  endpoint: ProduceEndpoint,
  deps: ProduceDoorDeps,
  exchange: HttpExchange,
  scope: RequestScope | undefined,
  seen: Finished
): Promise<HttpReply> {
  if (!deps.accepting()) {
    // Keep-alive clients would otherwise keep sending here while the listener drains.
    throw shuttingDown({ close: true })
  }
  const requestId = exchange.headers.get('x-request-id') ?? randomUUID()
  const view = requestView(exchange)
  seen.requestId = requestId

  const principal = await deps.authenticate(endpoint.virtualCluster, exchange)
  seen.principal = principal.name
  const topic = endpoint.topicOf(view)
  seen.topic = topic
  const body = await exchange.readBody(endpoint.maxBodyBytes)
  seen.bytesIn = body.length
  const events = await toEvents(endpoint, view, exchange.method, exchange.url, body)
  seen.records = events.length
  // The request's trace context travels in each record, for streams to continue.
  const trace = scope?.recordHeaders()
  if (trace !== undefined && Object.keys(trace).length > 0) {
    for (const event of events) event.headers = { ...event.headers, ...trace }
  }

  const run = async (): Promise<StoredResponse> => {
    const result = await deps.produce.produce({
      door: 'http',
      virtualCluster: endpoint.virtualCluster,
      topic,
      route: endpoint.name,
      routePolicies: endpoint.policies,
      principal,
      events,
      bytes: body.length,
      delivery: endpoint.delivery,
    })
    if (result.mode === 'sync') seen.backendMs = result.backendMs
    return { status: 202, body: acceptedBody(requestId, result, events.length === 1), headers: {} }
  }
  const idempotencyKey = exchange.headers.get('idempotency-key')
  const response = idempotencyKey
    ? await deps.idempotency.run(
        `${principal.name}\u0000${endpoint.name}`,
        idempotencyKey,
        IdempotencyCache.fingerprint(body),
        run
      )
    : { ...(await run()), replayed: false }
  const headers: Record<string, string> = { ...response.headers, 'x-request-id': requestId }
  if (response.replayed) headers['idempotent-replayed'] = 'true'
  return { status: response.status, body: response.body, headers }
}

/** The produce handler as a hono route. */
export function produceHandler(
  endpoint: ProduceEndpoint,
  deps: ProduceDoorDeps
): (c: Context) => Promise<Response> {
  return async (c) => {
    const url = c.req.url
    const exchange: HttpExchange = {
      method: c.req.method,
      url: url.slice(url.indexOf('/', url.indexOf('//') + 2)),
      ...honoClient(c),
      params: c.req.param() as Record<string, string>,
      readBody: (maxBytes) => readBody(c, maxBytes),
    }
    const reply = await handleProduce(endpoint, deps, exchange)
    return c.json(reply.body, reply.status as 202, reply.headers)
  }
}

/** The request as record fields read it; the query string is parsed only if asked for. */
export function requestView(exchange: HttpExchange): RequestView {
  const url = exchange.url
  let query: URLSearchParams | undefined
  return {
    params: exchange.params,
    get query() {
      query ??= new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '')
      return query
    },
    headers: exchange.headers,
  }
}

export async function toEvents(
  endpoint: ProduceEndpoint,
  view: RequestView,
  method: string,
  url: string,
  body: Buffer
): Promise<ProduceEvent[]> {
  const parsed: ParsedEvent[] =
    endpoint.valueMode === 'envelope'
      ? [
          {
            value: {
              kind: 'json',
              value: await envelope({
                method,
                url: new URL(url, 'http://weir'),
                headers: view.headers,
                body,
              }),
            },
            headers: {},
          },
        ]
      : parseEvents({
          contentType: mediaType(view.headers.get('content-type') ?? undefined),
          headers: view.headers,
          body,
          batch: endpoint.batch,
        })

  const partition = partitionOf(endpoint.partition, view)
  const common = endpoint.recordHeaders(view.headers)
  const missing: Violation[] = []
  const events = parsed.map((event, index): ProduceEvent => {
    const key = keyOf(endpoint.key, view, event.value)
    if ('missing' in key)
      missing.push({ record: index, part: 'key', path: '', message: key.missing })
    return {
      key: 'missing' in key ? { kind: 'null' } : key,
      value: event.value,
      headers: { ...common, ...event.headers },
      partition,
    }
  })
  if (missing.length > 0) {
    throw new GatewayError(
      'invalid-record',
      'the record key could not be read; nothing was produced',
      { extensions: { violations: missing } }
    )
  }
  return events
}

function acceptedBody(id: string, result: ProduceResult, single: boolean): Record<string, unknown> {
  if (result.mode === 'async')
    return { id, topic: result.topic, status: 'buffered', count: result.accepted }
  if (single && result.acks.length === 1) {
    const [ack] = result.acks
    return {
      id,
      topic: result.topic,
      partition: ack?.partition,
      offset: ack?.offset,
      timestamp: ack?.timestamp,
    }
  }
  return {
    id,
    topic: result.topic,
    count: result.acks.length,
    records: result.acks.map((a) => ({
      partition: a.partition,
      offset: a.offset,
      timestamp: a.timestamp,
    })),
  }
}
