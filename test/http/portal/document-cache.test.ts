// Regeneration: registry schemas are looked up again once the refresh interval has passed, and
// the documents change exactly when a schema did.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseConfig, type HttpListenerConfig, type WeirConfig } from '../../../src/config/index.ts'
import { DocumentCache } from '../../../src/http/portal/document-cache.ts'
import { SchemaSources } from '../../../src/http/portal/schema-sources.ts'
import { startFakeRegistry, type FakeRegistry } from '../../schema/fake-registry.ts'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const v1 = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }] }
const v2 = {
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'coupon', type: ['null', 'string'], default: null },
  ],
}

let fake: FakeRegistry
let clock: { now: number }

beforeEach(async () => {
  fake = await startFakeRegistry()
  clock = { now: 0 }
})
afterEach(() => fake.close())

function setup(refreshMs = 1000): { cache: DocumentCache; config: WeirConfig } {
  const config = parseConfig(`
backendClusters: [{ name: main, bootstrapServers: ['127.0.0.1:9'] }]
schemaRegistries: [{ name: reg, url: '${fake.url}', requestTimeoutMs: 500 }]
virtualClusters: [{ name: vc, backendCluster: main, schemaRegistry: reg, policies: [orders] }]
policies:
  - { name: orders, kind: schema, topics: [orders], value: { format: avro } }
listeners:
  - name: public
    kind: http
    port: 0
    portal: { schemaRefreshMs: ${refreshMs} }
    routes: [{ path: /orders, virtualCluster: vc, topic: orders }]
`)
  const listener = config.listeners[0] as HttpListenerConfig
  const sources = new SchemaSources(config, {
    registry: { now: () => clock.now, retryAfterMs: 1000 },
  })
  const cache = new DocumentCache({
    listener,
    config,
    sources,
    refreshMs: listener.portal?.schemaRefreshMs ?? 0,
    serverUrl: '/',
    now: () => clock.now,
  })
  return { cache, config }
}

const fields = (doc: Json) => Object.keys(doc.components.schemas['orders-value'].properties)
const lookups = () =>
  fake.requests.filter((r) => r.includes('/subjects/orders-value/versions/latest')).length

describe('DocumentCache', () => {
  it('asks the registry again after the refresh interval, and shows a new version then', async () => {
    fake.add('orders-value', v1)
    const { cache } = setup(1000)
    const first = await cache.documents()
    expect(fields(first.openapi)).toEqual(['id'])
    expect(lookups()).toBe(1)

    fake.add('orders-value', v2)
    clock.now = 999
    expect(await cache.documents()).toBe(first)
    expect(lookups()).toBe(1)

    clock.now = 1000
    const second = await cache.documents()
    expect(lookups()).toBe(2)
    expect(fields(second.openapi)).toEqual(['id', 'coupon'])
    expect(second.version).not.toBe(first.version)
    expect(second.openapi.info).toMatchObject({ version: second.version })
  })

  it('keeps the same documents when nothing changed, and shares one refresh between callers', async () => {
    fake.add('orders-value', v1)
    const { cache } = setup(1000)
    const first = await cache.documents()
    clock.now = 5000
    const [a, b, c] = await Promise.all([cache.documents(), cache.documents(), cache.documents()])
    expect(lookups()).toBe(2)
    expect(a).toBe(first)
    expect(b).toBe(first)
    expect(c).toBe(first)
  })

  it('keeps showing the last schema while the registry is down', async () => {
    fake.add('orders-value', v1)
    const { cache } = setup(1000)
    await cache.documents()
    fake.down()
    clock.now = 2000
    const during = await cache.documents()
    expect(fields(during.openapi)).toEqual(['id'])
    expect(during.unavailable).toEqual([])
  })

  it('says which schema cannot be had, and shows any JSON in its place', async () => {
    const { cache } = setup(1000)
    const { openapi, unavailable } = await cache.documents()
    expect(unavailable).toEqual([
      { name: 'orders-value', reason: expect.stringContaining('orders-value') },
    ])
    const body = (openapi as Json).paths['/orders'].post.requestBody.content['application/json']
    expect(body.schema.anyOf[0].description).toContain('cannot be read now')
    // Registered later: shown at the next refresh.
    fake.add('orders-value', v1)
    clock.now = 1000
    const later = await cache.documents()
    expect(later.unavailable).toEqual([])
    expect(fields(later.openapi)).toEqual(['id'])
  })
})
