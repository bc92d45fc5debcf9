// The door of a request-reply route. The request goes through the produce pipeline of every
// route (authenticate, topic, body, events, idempotency, produce: the same policy engine, schema
// policies and namespaces), with a request id as correlation id and the reply topic as reply-to
// in its record headers. Then the reply read back from the reply topic is the answer; or, when
// the client prefers `respond-async` or the reply takes longer than the route waits, 202 Accepted
// with `Location: {requests.path}/{id}`, where any node serves it once it exists.
import type { Context } from 'hono'
import type { HttpListenerConfig, ProduceRouteConfig } from '../../config/index.ts'
import { GatewayError } from '../../core/errors.ts'
import type { ProduceEndpoint } from '../produce/endpoint.ts'
import { routeEndpoint } from '../produce/endpoint.ts'
import { requestView, toEvents } from '../produce/handler.ts'
import type { StoredResponse } from '../../produce/idempotency.ts'
import { honoClient } from '../credentials.ts'
import { readBody } from '../read-body.ts'
import type { ResourceDoorDeps } from '../resources/deps.ts'
import {
  requestTarget,
  type Admitted,
  type LifecycleRoute,
  type RequestTarget,
} from '../lifecycle.ts'
import { parsePrefer } from '../resources/prefer.ts'
import type { ProduceResult } from '../../produce/produce-service.ts'
import { routeTag } from '../../replies/correlation.ts'
import { CORRELATION_HEADER, REPLY_TO_HEADER } from '../../replies/reply-record.ts'
import { pendingResponse, replyResponse, replyValueFormat } from './reply-response.ts'
import { routeName } from '../../replies/reply-service.ts'

export interface RequestRoute {
  endpoint: ProduceEndpoint
  /** Its request lifecycle: the produce route's (lifecycle.ts). */
  lifecycle: LifecycleRoute<Context, RequestTarget>
  handle(admitted: Admitted<RequestTarget>, c: Context): Promise<Response>
}

export function requestRoute(
  listener: HttpListenerConfig,
  config: ProduceRouteConfig,
  deps: ResourceDoorDeps
): RequestRoute {
  // One request, one record: the reply answers exactly one.
  const endpoint: ProduceEndpoint = {
    ...routeEndpoint(config, listener.maxBodyBytes),
    batch: false,
  }
  const tag = routeTag(listener.name, config.virtualCluster, routeName(config))
  const current = () => {
    const replies = deps.replies.listener(listener.name)
    const route = replies?.routes.get(tag)
    if (replies === undefined || route === undefined) {
      throw new GatewayError('internal', `the replies of route "${endpoint.name}" are not set up`)
    }
    return { replies, route }
  }

  return {
    endpoint,
    lifecycle: {
      template: endpoint.path,
      route: endpoint.name,
      virtualCluster: endpoint.virtualCluster,
      admit: 'request',
      locate: (c, observed) =>
        requestTarget(endpoint.virtualCluster, c.req.header('x-request-id'), observed),
    },
    async handle({ principal, target: { requestId }, observed }, c) {
      const url = c.req.url
      const exchange = {
        method: c.req.method,
        url: url.slice(url.indexOf('/', url.indexOf('//') + 2)),
        ...honoClient(c),
        params: c.req.param() as Record<string, string>,
        readBody: (maxBytes: number) => readBody(c, maxBytes),
      }
      const view = requestView(exchange)
      const { replies, route } = current()
      const topic = endpoint.topicOf(view)
      observed.note({ topic })
      const body = await exchange.readBody(endpoint.maxBodyBytes)
      observed.note({ bytesIn: body.length })
      const events = await toEvents(endpoint, view, exchange.method, exchange.url, body)
      observed.note({ records: events.length })
      // The request record continues the trace of Weir's span, not the caller's span as such.
      const trace = observed.recordHeaders()

      const run = async (): Promise<StoredResponse> => {
        const id = replies.correlator.issue(tag, {
          virtualCluster: endpoint.virtualCluster,
          principal,
        })
        const correlation = {
          [CORRELATION_HEADER]: Buffer.from(id.text),
          [REPLY_TO_HEADER]: Buffer.from(route.backendTopic),
        }
        const result = await deps.produce.produce({
          door: 'http',
          virtualCluster: endpoint.virtualCluster,
          topic,
          route: endpoint.name,
          routePolicies: endpoint.policies,
          principal,
          // Reading the reply is part of the request: refused before producing one nobody may read.
          alsoAccess: [{ type: 'topic', name: route.topic, operation: 'consume' }],
          // Set last: a client cannot choose its own correlation id or reply topic.
          events: events.map((event) => ({
            ...event,
            headers: { ...event.headers, ...trace, ...correlation },
          })),
          bytes: body.length,
          delivery: endpoint.delivery,
        })
        if (result.mode === 'sync') observed.note({ backendMs: result.backendMs })
        return { status: 202, body: { id: id.text, ...recordOf(result) }, headers: {} }
      }
      // A retry with the same Idempotency-Key gets the first request's id: no second request.
      const produced = await deps.idempotency.answer(
        {
          principal: principal.name,
          route: endpoint.name,
          key: c.req.header('idempotency-key'),
          body,
        },
        run
      )
      const { id, ...record } = produced.body as { id: string; topic: string }
      const headers: Record<string, string> = { 'x-request-id': requestId }
      if (produced.replayed) headers['idempotent-replayed'] = 'true'

      const location = `${replies.requests.path}/${id}`
      const prefer = parsePrefer(c.req.header('prefer'))
      const waitMs = prefer.respondAsync
        ? 0
        : Math.min(prefer.waitMs ?? route.settings.timeoutMs, route.settings.timeoutMs)
      const reply = await route.store.wait(id, waitMs)
      if (reply === undefined) {
        const pending = pendingResponse({
          id,
          location,
          record,
          asyncPreferred: prefer.respondAsync,
          requestId,
        })
        if (produced.replayed) pending.headers.set('idempotent-replayed', 'true')
        return pending
      }
      const shown = await route.shown(reply, principal)
      return replyResponse(shown, replyValueFormat(route, deps.logger), deps.schemas, {
        ...headers,
        'content-location': location,
      })
    },
  }
}

function recordOf(result: ProduceResult): Record<string, unknown> {
  if (result.mode === 'async') return { topic: result.topic }
  const ack = result.acks[0]
  return { topic: result.topic, partition: ack?.partition, offset: ack?.offset }
}
