// The HTTP produce door: translate a request into a ProduceCommand, hand it to the produce
// service, translate the outcome into 202 Accepted (or a problem, via GatewayError).
// Pipeline (after the request lifecycle, lifecycle.ts, authenticated the client): topic ->
// body -> events -> idempotency -> produce -> respond.
import { GatewayError } from '../../core/errors.ts'
import type { Violation } from '../../core/violation.ts'
import type { ProduceEvent } from '../../produce/event.ts'
import type { ProduceResult, ProduceService } from '../../produce/produce-service.ts'
import { parseEvents, type ParsedEvent } from './body.ts'
import type { ProduceEndpoint } from './endpoint.ts'
import { envelope } from './envelope.ts'
import type { IdempotencyCache, StoredResponse } from '../../produce/idempotency.ts'
import { mediaType } from './media.ts'
import type { HttpExchange, HttpReply } from '../exchange.ts'
import {
  requestTarget,
  type Admitted,
  type HttpLifecycle,
  type LifecycleRoute,
  type RequestTarget,
} from '../lifecycle.ts'
import { keyOf, partitionOf, type RequestView } from './record-fields.ts'

export interface ProduceDoorDeps {
  lifecycle: HttpLifecycle
  produce: ProduceService
  idempotency: IdempotencyCache
}

/** The lifecycle of an endpoint's requests (observed, authenticated for its virtual cluster). */
export function produceRoute(
  endpoint: ProduceEndpoint
): LifecycleRoute<HttpExchange, RequestTarget> {
  const { virtualCluster } = endpoint
  return {
    template: endpoint.path,
    route: endpoint.name,
    virtualCluster,
    // Keep-alive clients would otherwise keep sending here while the listener drains.
    admit: 'request',
    locate: (exchange, observed) =>
      requestTarget(virtualCluster, exchange.headers.get('x-request-id'), observed),
  }
}

/** One produce request, its principal authenticated; throws GatewayError for any refusal. */
export async function handleProduce(
  endpoint: ProduceEndpoint,
  deps: ProduceDoorDeps,
  { principal, target, observed }: Admitted<RequestTarget>,
  exchange: HttpExchange
): Promise<HttpReply> {
  const { requestId } = target
  const view = requestView(exchange)
  const topic = endpoint.topicOf(view)
  observed.note({ topic })
  const body = await exchange.readBody(endpoint.maxBodyBytes)
  observed.note({ bytesIn: body.length })
  const parsed = toEvents(endpoint, view, exchange.method, exchange.url, body)
  const events = Array.isArray(parsed) ? parsed : await parsed
  observed.note({ records: events.length })
  // The request's trace context travels in each record, for streams to continue.
  const trace = observed.scope?.recordHeaders()
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
    if (result.mode === 'sync') observed.note({ backendMs: result.backendMs })
    return { status: 202, body: acceptedBody(requestId, result, events.length === 1), headers: {} }
  }
  const response = await deps.idempotency.answer(
    {
      principal: principal.name,
      route: endpoint.name,
      key: exchange.headers.get('idempotency-key'),
      body,
    },
    run
  )
  const headers: Record<string, string> = { ...response.headers, 'x-request-id': requestId }
  if (response.replayed === true) headers['idempotent-replayed'] = 'true'
  return { status: response.status, body: response.body, headers }
}

/** The request as record fields read it; the query string is parsed only if asked for. */
class ExchangeView implements RequestView {
  readonly params: Record<string, string>
  readonly headers: HttpExchange['headers']
  readonly #url: string
  #query: URLSearchParams | undefined

  constructor(exchange: HttpExchange) {
    this.params = exchange.params
    this.headers = exchange.headers
    this.#url = exchange.url
  }

  get query(): URLSearchParams {
    const url = this.#url
    const at = url.indexOf('?')
    this.#query ??= new URLSearchParams(at === -1 ? '' : url.slice(at + 1))
    return this.#query
  }
}

// A class, not an object literal with a getter: V8 builds those slowly, once per request.
export const requestView = (exchange: HttpExchange): RequestView => new ExchangeView(exchange)

/** The request's events; a promise only for envelope routes (which read the whole request). */
export function toEvents(
  endpoint: ProduceEndpoint,
  view: RequestView,
  method: string,
  url: string,
  body: Buffer
): ProduceEvent[] | Promise<ProduceEvent[]> {
  if (endpoint.valueMode !== 'envelope') {
    const contentType = mediaType(view.headers.get('content-type') ?? undefined)
    return recordsOf(
      endpoint,
      view,
      parseEvents({ contentType, headers: view.headers, body, batch: endpoint.batch })
    )
  }
  const request = { method, url: new URL(url, 'http://weir'), headers: view.headers, body }
  return envelope(request).then((value) =>
    recordsOf(endpoint, view, [{ value: { kind: 'json', value }, headers: {} }])
  )
}

/** Parsed events as records: each with its key, the route's partition and headers. */
function recordsOf(
  endpoint: ProduceEndpoint,
  view: RequestView,
  parsed: readonly ParsedEvent[]
): ProduceEvent[] {
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
