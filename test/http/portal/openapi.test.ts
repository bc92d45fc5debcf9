// The generated documents from a configuration alone (inline schemas, no registry): their shape,
// and that an OpenAPI 3.1 validator and the AsyncAPI parser take them.
import { Parser } from '@asyncapi/parser'
import { Validator } from '@seriousme/openapi-schema-validator'
import { describe, expect, it } from 'vitest'
import { parseConfig, type HttpListenerConfig, type WeirConfig } from '../../../src/config/index.ts'
import { DocumentCache, type PortalDocuments } from '../../../src/http/portal/document-cache.ts'
import { SchemaSources } from '../../../src/http/portal/schema-sources.ts'

const sha = 'a'.repeat(64)

const yaml = `
backendClusters: [{ name: main, bootstrapServers: ['127.0.0.1:9'] }]
virtualClusters:
  - name: shop
    backendCluster: main
    namespace: { prefix: 'tenant.' }
    authentication:
      - { kind: api-key, header: X-Shop-Key, keys: [{ principal: alice, sha256: ${sha} }] }
      - { kind: jwt, issuer: https://issuer.example, keys: ['-----BEGIN PUBLIC KEY-----x'] }
      - { kind: basic, users: [{ username: dev, passwordHash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==' }] }
    policies: [orders-schema, acl]
  - name: open
    backendCluster: main
policies:
  - name: acl
    kind: acl
    rules: [{ principals: ['*'], names: ['*'], operations: [produce, consume] }]
  - name: limit
    kind: rate-limit
    requestsPerSecond: 10
  - name: orders-schema
    kind: schema
    topics: [orders]
    value:
      format: avro
      schema:
        type: record
        name: Order
        fields:
          - { name: id, type: string }
          - { name: amount, type: double }
          - { name: next, type: ['null', Order], default: null }
  - name: clicks-schema
    kind: schema
    topics: ['clicks']
    value:
      format: json-schema
      schema:
        $schema: http://json-schema.org/draft-07/schema#
        $id: https://acme.example/click.json
        type: object
        required: [page, at]
        properties:
          page: { type: string }
          at: { $ref: '#/definitions/instant' }
        definitions:
          instant: { type: string, format: date-time }
listeners:
  - name: public
    kind: http
    port: 0
    portal: true
    routes:
      - { path: /orders, virtualCluster: shop, topic: orders, key: { from: body, pointer: /id }, policies: [limit] }
      - path: '/devices/{id}/telemetry'
        method: PUT
        virtualCluster: open
        topic: telemetry
        key: { from: path, name: id }
        partition: { from: query, name: p }
        batch: false
        delivery: { mode: async }
        headers: { forward: [x-tenant, 'x-trace-*'] }
      - { path: '/t/{name}', virtualCluster: open, topic: { from: path, name: name, allowed: [clicks, 'events.*'] }, policies: [clicks-schema] }
    topicsEndpoint: { virtualCluster: open, allowed: ['events.*'] }
    streams:
      - { name: orders, path: /streams/orders, virtualCluster: shop, topics: [orders] }
      - { path: '/streams/{topic}', virtualCluster: open, topics: { from: path, name: topic, allowed: [clicks] }, protocols: [websocket], policies: [clicks-schema] }
  - name: bare
    kind: http
    port: 0
`

async function documents(config: WeirConfig, name = 'public'): Promise<PortalDocuments> {
  const listener = config.listeners.find((l) => l.name === name) as HttpListenerConfig
  const cache = new DocumentCache({
    listener,
    config,
    sources: new SchemaSources(config),
    refreshMs: 60_000,
    serverUrl: '/',
  })
  return cache.documents()
}

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the OpenAPI document', () => {
  const config = parseConfig(yaml)

  it('validates as OpenAPI 3.1, and the validator does refuse a broken document', async () => {
    const { openapi } = await documents(config)
    const validator = new Validator()
    const result = await validator.validate(openapi)
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
    const broken = structuredClone(openapi) as Json
    broken.paths['/orders'].post.responses['202'] = { content: {} }
    expect((await new Validator().validate(broken)).valid).toBe(false)
  })

  it('has every route, with its path parameters, key, partition and headers', async () => {
    const { openapi } = await documents(config)
    const paths = openapi.paths as Json
    expect(Object.keys(paths)).toEqual([
      '/orders',
      '/devices/{id}/telemetry',
      '/t/{name}',
      '/topics/{topic}',
      '/streams/orders',
    ])
    const telemetry = paths['/devices/{id}/telemetry'].put
    const parameter = (name: string) => telemetry.parameters.find((p: Json) => p.name === name)
    expect(parameter('id')).toMatchObject({
      in: 'path',
      required: true,
      description: 'the record key',
    })
    expect(parameter('p')).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'integer' },
    })
    expect(parameter('x-tenant')).toMatchObject({ in: 'header' })
    expect(parameter('Idempotency-Key')).toMatchObject({ in: 'header' })
    expect(parameter('ce-specversion')).toMatchObject({ in: 'header' })
    expect(telemetry.description).toContain('`x-trace-*`')
    const topic = paths['/t/{name}'].post.parameters.find((p: Json) => p.name === 'name')
    expect(topic).toMatchObject({ in: 'path', required: true, example: 'clicks' })
    expect(paths['/topics/{topic}'].post.parameters[0]).toMatchObject({
      name: 'topic',
      in: 'path',
      example: 'events.example',
    })
  })

  it('describes bodies: the Avro schema as JSON, batches, NDJSON, CloudEvents', async () => {
    const { openapi } = await documents(config)
    const paths = openapi.paths as Json
    const schemas = (openapi.components as Json).schemas
    const body = paths['/orders'].post.requestBody.content
    expect(Object.keys(body)).toEqual([
      'application/json',
      'application/x-ndjson',
      'application/cloudevents+json',
      'application/cloudevents-batch+json',
    ])
    expect(body['application/json'].schema.anyOf[0]).toEqual({
      $ref: '#/components/schemas/orders-value',
    })
    expect(body['application/json'].schema.anyOf[1]).toMatchObject({ type: 'array', minItems: 1 })
    expect(body['application/json'].example).toEqual({ id: 'string', amount: 0, next: null })
    expect(schemas['orders-value']).toMatchObject({
      type: 'object',
      title: 'Order',
      required: ['id', 'amount'],
    })
    // No schema and no batch: one JSON value, or any bytes.
    const telemetry = paths['/devices/{id}/telemetry'].put.requestBody.content
    expect(Object.keys(telemetry)).toEqual([
      'application/json',
      'application/cloudevents+json',
      'application/octet-stream',
    ])
  })

  it('moves JSON Schemas into components with their references rewritten', async () => {
    const { openapi } = await documents(config)
    const schemas = (openapi.components as Json).schemas
    expect(schemas['clicks-value']).toMatchObject({
      properties: { at: { $ref: '#/components/schemas/clicks-value/definitions/instant' } },
    })
    expect(schemas['clicks-value'].$id).toBeUndefined()
    expect(schemas['clicks-value'].$schema).toBeUndefined()
    const body = (openapi.paths as Json)['/t/{name}'].post.requestBody.content['application/json']
    expect(body.schema.anyOf[0].anyOf[0]).toMatchObject({
      $ref: '#/components/schemas/clicks-value',
    })
    expect(body.example).toEqual({ page: 'string', at: '2026-01-01T12:00:00Z' })
  })

  it('declares security schemes from the virtual cluster and the refusals that apply', async () => {
    const { openapi } = await documents(config)
    const components = openapi.components as Json
    expect(components.securitySchemes).toEqual({
      'apiKey-x-shop-key': expect.objectContaining({
        type: 'apiKey',
        in: 'header',
        name: 'X-Shop-Key',
      }),
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
      basic: expect.objectContaining({ type: 'http', scheme: 'basic' }),
      apiKeyQuery: expect.objectContaining({ type: 'apiKey', in: 'query', name: 'api_key' }),
      bearerQuery: expect.objectContaining({ type: 'apiKey', in: 'query', name: 'access_token' }),
    })
    const paths = openapi.paths as Json
    const orders = paths['/orders'].post
    expect(orders.security).toEqual([{ 'apiKey-x-shop-key': [] }, { bearer: [] }, { basic: [] }])
    expect(Object.keys(orders.responses)).toEqual([
      '202',
      '400',
      '401',
      '403',
      '404',
      '413',
      '415',
      '422',
      '429',
      '503',
      '504',
    ])
    // An open virtual cluster: no credentials, no ACL, async delivery.
    const telemetry = paths['/devices/{id}/telemetry'].put
    expect(telemetry.security).toEqual([])
    expect(Object.keys(telemetry.responses)).toEqual([
      '202',
      '400',
      '404',
      '413',
      '415',
      '422',
      '503',
    ])
    expect(telemetry.responses['202'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ProduceBuffered',
    })
    const problem = components.responses.UnprocessableContent.content['application/problem+json']
    expect(problem.examples.schema.value).toMatchObject({
      type: 'https://weir.dev/problems/invalid-record',
      status: 422,
      violations: [{ path: '/amount' }],
    })
    expect(components.responses.Unauthorized.headers['WWW-Authenticate']).toBeDefined()
  })

  it("describes a stream's long-poll and SSE answers", async () => {
    const { openapi } = await documents(config)
    const stream = (openapi.paths as Json)['/streams/orders'].get
    expect(Object.keys(stream.responses['200'].content)).toEqual([
      'application/json',
      'text/event-stream',
    ])
    expect(stream.parameters.map((p: Json) => p.name)).toEqual([
      'topics',
      'from',
      'cursor',
      'max',
      'wait',
      'Last-Event-ID',
    ])
    // An inline Avro schema writes bare Avro binary, which a stream can only send as base64.
    const record = (openapi.components as Json).schemas['orders.record']
    expect(record.properties.value.anyOf).toBeUndefined()
    expect(record.required).toContain('tombstone')
  })

  it('has an empty but valid document for a listener without routes', async () => {
    const { openapi, asyncapi } = await documents(config, 'bare')
    expect(openapi.paths).toEqual({})
    expect((await new Validator().validate(openapi)).valid).toBe(true)
    expect(asyncapi.channels).toEqual({})
  })
})

describe('the AsyncAPI document', () => {
  const config = parseConfig(yaml)

  it('parses without errors, with a channel per stream and protocol', async () => {
    const { asyncapi } = await documents(config)
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(asyncapi))
    expect(diagnostics.filter((d) => d.severity === 0)).toEqual([])
    expect(document).toBeDefined()
    expect(Object.keys(asyncapi.channels as Json)).toEqual([
      'orders-websocket',
      'orders-sse',
      'streams.topic-websocket',
    ])
    const ws = (asyncapi.channels as Json)['streams.topic-websocket']
    expect(ws).toMatchObject({
      address: '/streams/{topic}',
      parameters: { topic: { enum: ['clicks'] } },
    })
    expect(ws.bindings.ws.method).toBe('GET')
    // Inline JSON Schema values are plain JSON text: the stream delivers them decoded.
    const record = (asyncapi.components as Json).schemas['streams.topic.record']
    expect(record.properties.value.anyOf[0]).toEqual({ $ref: '#/components/schemas/clicks-value' })
  })

  it('is refused by the parser when broken (the check can fail)', async () => {
    const { asyncapi } = await documents(config)
    const broken = structuredClone(asyncapi) as Json
    broken.operations['orders-websocket-send'].action = 'publish'
    const { diagnostics } = await new Parser().parse(JSON.stringify(broken))
    expect(diagnostics.filter((d) => d.severity === 0).length).toBeGreaterThan(0)
  })
})

const resourcesYaml = `
backendClusters: [{ name: main, bootstrapServers: ['127.0.0.1:9'] }]
virtualClusters:
  - name: shop
    backendCluster: main
    authentication:
      - { kind: api-key, keys: [{ principal: alice, sha256: ${sha} }] }
    policies: [acl, replies-schema]
  - name: open
    backendCluster: main
policies:
  - name: acl
    kind: acl
    rules: [{ principals: ['*'], names: ['*'], operations: [produce, consume] }]
  - name: limit
    kind: rate-limit
    requestsPerSecond: 10
  - name: replies-schema
    kind: schema
    topics: [orders.replies, orders.state]
    value:
      format: json-schema
      schema: { type: object, required: [orderId], properties: { orderId: { type: string } } }
  - name: prices-schema
    kind: schema
    topics: [prices]
    value:
      format: avro
      schema: { type: record, name: Price, fields: [{ name: amount, type: double }] }
listeners:
  - name: public
    kind: http
    port: 0
    portal: true
    requests: { path: /replies, secret: '${'s'.repeat(40)}', maxWaitMs: 20000 }
    routes:
      - { name: order, path: /orders, virtualCluster: shop, topic: orders.requests, reply: { topic: orders.replies, timeoutMs: 5000, retentionMs: 60000 } }
      - { path: /quotes, virtualCluster: open, topic: quotes.requests, batch: true, policies: [limit], reply: { topic: quotes.replies } }
      - { path: /plain, virtualCluster: open, topic: plain }
    views:
      - { name: orders, virtualCluster: shop, topic: orders.state, maxWaitMs: 10000, pageSize: 50 }
      - { name: prices, path: /prices, virtualCluster: open, topic: prices, policies: [prices-schema, limit] }
      - { name: raw, virtualCluster: open, topic: raw, format: { value: base64 } }
`

describe('request-reply routes and views in the documents', () => {
  const config = parseConfig(resourcesYaml)

  it('validate as OpenAPI 3.1 and AsyncAPI 3, with every resource path', async () => {
    const { openapi, asyncapi } = await documents(config)
    const result = await new Validator().validate(openapi)
    expect(result.errors).toBeUndefined()
    expect(Object.keys(openapi.paths)).toEqual([
      '/orders',
      '/quotes',
      '/plain',
      '/replies/{id}',
      '/replies',
      '/views/orders',
      '/views/orders/{key}',
      '/prices',
      '/prices/{key}',
      '/views/raw',
      '/views/raw/{key}',
    ])
    expect((openapi.tags as Json[]).map((t) => t.name)).toEqual(['Produce', 'Requests', 'Views'])
    const { diagnostics } = await new Parser().parse(JSON.stringify(asyncapi))
    expect(diagnostics.filter((d) => d.severity === 0)).toEqual([])
  })

  it('answers a request-reply route with the reply, or 202 + Location', async () => {
    const { openapi } = await documents(config)
    const paths = openapi.paths as Json
    const order = paths['/orders'].post
    expect(order.summary).toContain('answered with the reply')
    expect(order.description).toContain('"orders.replies"')
    expect(order.description).toContain('`Location: /replies/{id}`')
    // Status codes come in numeric order (JavaScript orders integer keys), `default` last.
    expect(Object.keys(order.responses)).toEqual([
      '200',
      '202',
      '400',
      '401',
      '403',
      '404',
      '413',
      '415',
      '422',
      '503',
      '504',
      'default',
    ])
    // The reply topic's schema: replies decode as JSON.
    expect(order.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/orders.replies-value',
    })
    expect(order.responses['200'].headers['Content-Location']).toBeDefined()
    expect(order.responses.default.content).toEqual(order.responses['200'].content)
    const pending = order.responses['202']
    expect(Object.keys(pending.headers)).toEqual([
      'Location',
      'Retry-After',
      'Cache-Control',
      'Preference-Applied',
      'X-Request-Id',
      'Idempotent-Replayed',
    ])
    expect(pending.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/RequestPending',
    })
    expect((openapi.components as Json).schemas.RequestPending.required).toEqual([
      'id',
      'status',
      'location',
    ])
    const prefer = order.parameters.find((p: Json) => p.name === 'Prefer')
    expect(prefer).toMatchObject({ in: 'header' })
    expect(prefer.description).toContain('respond-async')
    expect(prefer.description).toContain('at most 5 s')
    // One event per request even where the route says batch: no arrays, no NDJSON.
    const quotes = paths['/quotes'].post
    expect(Object.keys(quotes.requestBody.content)).not.toContain('application/x-ndjson')
    expect(quotes.requestBody.content['application/json'].schema.anyOf).toBeUndefined()
    // No schema on the reply topic: any JSON; an open virtual cluster without ACLs.
    expect(quotes.responses['200'].content['application/json'].schema.$ref).toBeUndefined()
    expect(quotes.security).toEqual([])
    expect(Object.keys(quotes.responses)).toContain('429')
    expect(Object.keys(quotes.responses)).not.toContain('403')
    // A plain route is as before.
    expect(Object.keys(paths['/plain'].post.responses)[0]).toBe('202')
    expect(paths['/plain'].post.parameters.map((p: Json) => p.name)).not.toContain('Prefer')
  })

  it('describes fetching a reply: pending, the reply, another principal, unknown ids', async () => {
    const { openapi } = await documents(config)
    const fetchReply = (openapi.paths as Json)['/replies/{id}'].get
    expect(fetchReply.parameters.map((p: Json) => [p.name, p.in])).toEqual([
      ['id', 'path'],
      ['Prefer', 'header'],
    ])
    expect(fetchReply.parameters[1].description).toContain('at most 20 s')
    expect(Object.keys(fetchReply.responses)).toEqual([
      '200',
      '202',
      '401',
      '403',
      '404',
      '429',
      'default',
    ])
    expect(Object.keys(fetchReply.responses['202'].headers)).toEqual([
      'Location',
      'Retry-After',
      'Cache-Control',
    ])
    // Replies of two routes: one with a schema, one without.
    expect(fetchReply.responses['200'].content['application/json'].schema.anyOf).toEqual([
      expect.objectContaining({
        $ref: '#/components/schemas/orders.replies-value',
        description: 'a reply of route "order"',
      }),
      { description: 'a reply of another route: any JSON value' },
    ])
    const problems = (status: string) =>
      fetchReply.responses[status].content['application/problem+json'].examples
    expect(problems('403').owner.value).toEqual({
      type: 'https://weir.dev/problems/forbidden',
      title: 'Forbidden',
      status: 403,
      detail: 'this request was made by another principal',
    })
    expect(problems('404').expired.value.detail).toContain('replies are kept 60000 ms')
    // Either virtual cluster's credentials (or none: "open" is anonymous).
    expect(fetchReply.security).toEqual([{ apiKey: [] }, {}])
  })

  it('describes the reply push as SSE in OpenAPI and as channels in AsyncAPI', async () => {
    const { openapi, asyncapi } = await documents(config)
    const push = (openapi.paths as Json)['/replies'].get
    expect(Object.keys(push.responses['200'].content)).toEqual(['text/event-stream'])
    // Routes of two virtual clusters: `route` is needed, and names them as the server does.
    expect(push.parameters).toEqual([
      expect.objectContaining({
        name: 'route',
        in: 'query',
        required: true,
        schema: { type: 'string', enum: ['order', 'POST /quotes'] },
      }),
    ])
    expect(push.security).toEqual([{ apiKey: [] }, { apiKeyQuery: [] }, {}])
    expect(Object.keys(push.responses)).toEqual(['200', '400', '401', '403', '404', '429', '503'])

    const channels = asyncapi.channels as Json
    expect(Object.keys(channels)).toEqual(['requests-websocket', 'requests-sse'])
    expect(channels['requests-sse']).toMatchObject({ address: '/replies' })
    expect(Object.keys(channels['requests-sse'].messages)).toEqual(['ready', 'reply'])
    expect(channels['requests-websocket'].bindings.ws.query.properties.route.enum).toEqual([
      'order',
      'POST /quotes',
    ])
    expect(Object.keys(asyncapi.servers as Json)).toEqual(['websocket', 'sse'])
    const pushed = (asyncapi.components as Json).schemas.PushedReply
    expect(pushed.required).toEqual(['type', 'id', 'location', 'status', 'headers', 'body'])
    expect(pushed.properties.body.anyOf[0].anyOf[0]).toMatchObject({
      $ref: '#/components/schemas/orders.replies-value',
    })
    expect((asyncapi.operations as Json)['requests-sse-send'].security).toEqual([
      { $ref: '#/components/securitySchemes/apiKey' },
      { $ref: '#/components/securitySchemes/apiKeyQuery' },
    ])
  })

  it('describes views: the listing, and a key with its ETag, 304, long poll, 404 and 503', async () => {
    const { openapi } = await documents(config)
    const paths = openapi.paths as Json
    const list = paths['/views/orders'].get
    expect(list.parameters.map((p: Json) => p.name)).toEqual(['limit', 'after'])
    expect(list.parameters[0].description).toContain('default 50')
    expect(list.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ViewPage',
    })
    expect(list.responses['200'].headers.Link).toBeDefined()
    expect(Object.keys(list.responses)).toEqual(['200', '400', '401', '403', '503'])

    const read = paths['/views/orders/{key}'].get
    expect(read.parameters.map((p: Json) => [p.name, p.in])).toEqual([
      ['key', 'path'],
      ['If-None-Match', 'header'],
      ['Prefer', 'header'],
    ])
    expect(read.parameters[0].example).toBe('key-1')
    expect(read.parameters[2].description).toContain('at most 10 s')
    expect(Object.keys(read.responses)).toEqual(['200', '304', '401', '403', '404', '503'])
    expect(Object.keys(read.responses['200'].headers)).toEqual([
      'ETag',
      'Last-Modified',
      'Cache-Control',
    ])
    expect(read.responses['304'].content).toBeUndefined()
    expect(read.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/orders.replies-value',
    })
    const loading = read.responses['503']
    expect(loading.headers['Retry-After']).toBeDefined()
    expect(loading.content['application/problem+json'].examples.loading.value).toMatchObject({
      status: 503,
      detail: 'view "orders" is still loading its topic',
    })
    expect(
      read.responses['404'].content['application/problem+json'].examples.incomplete.value
    ).toMatchObject({ complete: false })
    expect(read.security).toEqual([{ apiKey: [] }])

    // Inline Avro is bare binary: the view serves it as bytes, not as the schema's JSON.
    const prices = paths['/prices/{key}'].get
    expect(prices.responses['200'].content['application/json'].schema.$ref).toBeUndefined()
    expect(prices.description).toContain('served as they are, not decoded')
    expect(prices.security).toEqual([])
    expect(Object.keys(prices.responses)).toContain('429')
    // A base64 view sends bytes only.
    expect(Object.keys(paths['/views/raw/{key}'].get.responses['200'].content)).toEqual([
      'application/octet-stream',
    ])
  })
})

describe('client certificates in the documents', () => {
  // The same virtual cluster on a listener that asks for client certificates and on one that
  // cannot: mutualTLS is offered only where a certificate can let a client in.
  const config = parseConfig(`
backendClusters: [{ name: main, bootstrapServers: ['127.0.0.1:9'] }]
virtualClusters:
  - name: certs
    backendCluster: main
    authentication:
      - { kind: mtls }
      - { kind: api-key, keys: [{ principal: alice, sha256: ${sha} }] }
listeners:
  - name: mutual
    kind: http
    port: 0
    tls: { certFile: server.crt, keyFile: server.key, clientCaFile: clients-ca.crt }
    topicsEndpoint: { virtualCluster: certs, allowed: ['*'] }
    streams: [{ path: '/s/{topic}', virtualCluster: certs, topics: { from: path, name: topic, allowed: ['*'] } }]
  - name: plain
    kind: http
    port: 0
    topicsEndpoint: { virtualCluster: certs, allowed: ['*'] }
    streams: [{ path: '/s/{topic}', virtualCluster: certs, topics: { from: path, name: topic, allowed: ['*'] } }]
`)

  it('offers mutualTLS where the listener has a clientCaFile, and only there', async () => {
    const mutual = await documents(config, 'mutual')
    const openapi = mutual.openapi as Json
    expect(openapi.components.securitySchemes.mutualTLS).toMatchObject({ type: 'mutualTLS' })
    expect(openapi.paths['/topics/{topic}'].post.security).toEqual([
      { mutualTLS: [] },
      { apiKey: [] },
    ])
    const asyncapi = mutual.asyncapi as Json
    expect(asyncapi.components.securitySchemes.mutualTLS).toMatchObject({ type: 'X509' })

    const plain = await documents(config, 'plain')
    expect(Object.keys((plain.openapi as Json).components.securitySchemes)).toEqual([
      'apiKey',
      'apiKeyQuery',
    ])
    expect((plain.openapi as Json).paths['/topics/{topic}'].post.security).toEqual([{ apiKey: [] }])
    expect((plain.asyncapi as Json).components.securitySchemes.mutualTLS).toBeUndefined()
  })
})

describe('a tenant with a backend identity', () => {
  // No ACL of Weir's, but the broker judges the tenant's own user: produce can answer 403.
  const config = parseConfig(`
backendClusters: [{ name: main, bootstrapServers: ['127.0.0.1:9'] }]
virtualClusters:
  - name: tenant
    backendCluster: main
    authentication: [{ kind: api-key, keys: [{ principal: alice, sha256: ${sha} }] }]
    backendIdentity: { sasl: { mechanism: plain, username: tenant, password: secret } }
  - name: own
    backendCluster: main
    authentication: [{ kind: api-key, keys: [{ principal: alice, sha256: ${sha} }] }]
listeners:
  - name: public
    kind: http
    port: 0
    routes:
      - { path: /tenant, virtualCluster: tenant, topic: orders }
      - { path: /own, virtualCluster: own, topic: orders }
`)

  it("lists the broker's refusal (403) where the broker sees the tenant, not where it sees Weir", async () => {
    const paths = ((await documents(config)).openapi as Json).paths
    expect(Object.keys(paths['/tenant'].post.responses)).toContain('403')
    expect(Object.keys(paths['/own'].post.responses)).not.toContain('403')
  })
})
