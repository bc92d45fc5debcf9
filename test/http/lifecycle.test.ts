import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base'
import { Hono } from 'hono'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Observability as ObservabilityConfig } from '../../src/config/schema/observability.ts'
import { GatewayError } from '../../src/core/errors.ts'
import type { Credentials, Principal } from '../../src/core/principal.ts'
import type { HttpClient } from '../../src/http/exchange.ts'
import {
  HttpLifecycle,
  queryCredentials,
  requestTarget,
  type LifecycleRoute,
  type RequestTarget,
} from '../../src/http/lifecycle.ts'
import { GatewayMetrics } from '../../src/observability/metrics/gateway-metrics.ts'
import { Observability } from '../../src/observability/observability.ts'
import type { Observation } from '../../src/observability/observer.ts'
import { silentLogger } from '../stream/fakes.ts'

const alice: Principal = { name: 'alice', method: 'api-key', roles: [] }

interface Setup {
  accepting?: boolean
  /** Who the credentials are; undefined: refused (401). */
  principal?: (credentials: Credentials) => Principal | undefined
}

const open: Observability[] = []
afterEach(async () => {
  for (const observability of open.splice(0)) await observability.close()
})

function setup({ accepting = true, principal = () => alice }: Setup = {}) {
  const exporter = new InMemorySpanExporter()
  const observability = new Observability(
    ObservabilityConfig.parse({ tracing: { enabled: true } }),
    {
      metrics: new GatewayMetrics(),
      kafka: () => {
        throw new Error('no Kafka here')
      },
      logger: silentLogger(),
      spanExporter: exporter,
    }
  )
  open.push(observability)
  const observations: Observation[] = []
  vi.spyOn(observability, 'observe').mockImplementation((o) => void observations.push(o))
  const seen: { virtualCluster: string; credentials: Credentials }[] = []
  const lifecycle = new HttpLifecycle({
    authenticate: (virtualCluster, credentials) => {
      seen.push({ virtualCluster, credentials })
      const found = principal(credentials)
      if (found === undefined) throw new GatewayError('unauthenticated', 'who are you?')
      return Promise.resolve(found)
    },
    apiKeyHeaders: () => ['x-api-key'],
    accepting: () => accepting,
    observability,
    logger: silentLogger(),
  })
  return { lifecycle, observations, authentications: seen, exporter, observability }
}

type Request = HttpClient & { id: string | null }

function client(headers: Record<string, string>, clientCertSubject?: string): Request {
  const web = new Headers(headers)
  return {
    headers: web,
    id: web.get('x-request-id'),
    ...(clientCertSubject && { clientCertSubject }),
  }
}

const route: LifecycleRoute<Request, RequestTarget> = {
  template: '/orders/{id}',
  route: 'orders',
  virtualCluster: 'tenant-a',
  admit: 'request',
  locate: (request, observed) => requestTarget('tenant-a', request.id, observed),
}

describe('the HTTP request lifecycle', () => {
  it('authenticates the HTTP credentials and the TLS client certificate before the handler, and observes one span named after the path', async () => {
    const { lifecycle, observations, authentications, exporter, observability } = setup()
    const handler = vi.fn(async ({ principal, target }) => ({
      status: 202,
      body: { by: principal.name, id: target.requestId },
      headers: {},
    }))
    const reply = await lifecycle.serve(
      route,
      'POST',
      client({ 'x-api-key': 'k1', 'x-request-id': 'r-1' }, 'CN=alice'),
      handler
    )
    // The body serialized once, for the access log's byte count and the answer alike.
    expect(reply).toEqual({
      status: 202,
      body: { by: 'alice', id: 'r-1' },
      headers: {},
      json: '{"by":"alice","id":"r-1"}',
    })
    expect(authentications).toEqual([
      { virtualCluster: 'tenant-a', credentials: { apiKey: 'k1', clientCertSubject: 'CN=alice' } },
    ])
    expect(observations).toEqual([
      expect.objectContaining({
        door: 'http',
        route: 'orders',
        virtualCluster: 'tenant-a',
        principal: 'alice',
        requestId: 'r-1',
        status: 202,
        outcome: 'accepted',
        bytesOut: Buffer.byteLength(JSON.stringify(reply.body)),
      }),
    ])
    await observability.tracing.flush()
    const spans = exporter.getFinishedSpans()
    expect(spans.map((s) => s.name)).toEqual(['POST /orders/{id}'])
  })

  it('refuses while the node shuts down, before authenticating: 503 with Connection: close', async () => {
    const { lifecycle, observations, authentications } = setup({ accepting: false })
    const handler = vi.fn()
    const reply = await lifecycle.serve(route, 'POST', client({}), handler)
    expect(reply.status).toBe(503)
    expect(reply.headers).toMatchObject({ connection: 'close', 'retry-after': '1' })
    expect(reply.body).toMatchObject({ type: expect.stringContaining('backend-unavailable') })
    expect(handler).not.toHaveBeenCalled()
    expect(authentications).toEqual([])
    expect(observations).toEqual([expect.objectContaining({ status: 503, outcome: 'rejected' })])
  })

  it('answers an unauthenticated client 401 problem+json, observed as rejected, without calling the handler', async () => {
    const { lifecycle, observations } = setup({ principal: () => undefined })
    const handler = vi.fn()
    const reply = await lifecycle.serve(
      route,
      'POST',
      client({ authorization: 'Bearer t' }),
      handler
    )
    expect(reply).toMatchObject({ status: 401, body: { status: 401, detail: 'who are you?' } })
    expect(handler).not.toHaveBeenCalled()
    expect(observations).toEqual([
      expect.objectContaining({ status: 401, outcome: 'rejected', reason: 'auth' }),
    ])
  })

  it('locates before authenticating: a request for nothing is 404 for anybody', async () => {
    const { lifecycle, authentications } = setup()
    const reply = await lifecycle.serve(
      {
        ...route,
        locate: () => {
          throw new GatewayError('not-found', 'no such reply')
        },
      },
      'GET',
      client({}),
      vi.fn()
    )
    expect(reply).toMatchObject({ status: 404, body: { detail: 'no such reply' } })
    expect(authentications).toEqual([])
  })

  it('maps an error that is not a GatewayError to 500 without its message', async () => {
    const { lifecycle } = setup()
    const reply = await lifecycle.serve(route, 'POST', client({}), () =>
      Promise.reject(new Error('secret internals'))
    )
    expect(reply.status).toBe(500)
    expect(JSON.stringify(reply.body)).not.toContain('secret internals')
  })

  it('as a hono route: errors become problem+json here, and the handler gets the principal', async () => {
    const { lifecycle, observations } = setup({
      principal: (c) => (c.apiKey === 'good' ? alice : undefined),
    })
    const app = new Hono()
    app.get(
      '/views/:key',
      lifecycle.route(
        {
          template: '/views/{key}',
          route: 'GET /views/{key}',
          admit: 'always',
          locate: () => ({ virtualCluster: 'tenant-a' }),
        },
        ({ principal }, c) => c.json({ key: c.req.param('key'), by: principal.name })
      )
    )
    const ok = await app.request('/views/k1', { headers: { 'x-api-key': 'good' } })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ key: 'k1', by: 'alice' })
    const refused = await app.request('/views/k1', { headers: { 'x-api-key': 'bad' } })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('content-type')).toBe('application/problem+json')
    expect(observations.map((o) => [o.route, o.status, o.outcome])).toEqual([
      ['GET /views/{key}', 200, 'accepted'],
      ['GET /views/{key}', 401, 'rejected'],
    ])
  })

  it('takes credentials from the query and the protocol, headers winning', async () => {
    expect(queryCredentials(new URLSearchParams('access_token=t&api_key=k'))).toEqual({
      bearerToken: 't',
      apiKey: 'k',
    })
    expect(queryCredentials(new URLSearchParams('x=1'))).toBeUndefined()
    const { lifecycle, authentications } = setup()
    await lifecycle.authenticate('tenant-a', client({ 'x-api-key': 'header' }), {
      apiKey: 'query',
      bearerToken: 't',
    })
    expect(authentications[0]?.credentials).toEqual({ apiKey: 'header', bearerToken: 't' })
  })
})
