// Views of compacted topics against the real broker and registry: readiness waits for the table
// to load, a produce and a tombstone show within a long poll, Avro values come decoded, a new
// node rebuilds the same table (ETags included), and the table never exceeds its bounds.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { beforeAll, describe, expect, it } from 'vitest'
import { hashApiKey } from '../../../../src/policy/secrets.ts'
import { nodeMetrics } from '../../../../src/observability/metrics/gateway-metrics.ts'
import { startTestGateway } from '../../../support/gateway.ts'
import { metricValue } from '../../../support/metrics.ts'
import { stack, testKafka, uniqueName } from '../../../support/kafka.ts'

async function compactedTopic(prefix: string, partitions = 3): Promise<string> {
  const topic = uniqueName(prefix)
  const admin = testKafka().admin()
  await admin.connect()
  try {
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: partitions,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
      waitForLeaders: true,
    })
  } finally {
    await admin.disconnect()
  }
  return topic
}

async function produce(
  topic: string,
  records: { key: string; value: string | Buffer | null }[]
): Promise<void> {
  const producer = testKafka('views-test').producer()
  await producer.connect()
  try {
    await producer.send({ topic, messages: records })
  } finally {
    await producer.disconnect()
  }
}

function config(topics: { products: string; small: string; avro: string }): string {
  return `virtualClusters:
  - name: shop
    backendCluster: main
    schemaRegistry: registry
    authentication:
      - kind: api-key
        keys:
          - { principal: reader, sha256: ${hashApiKey('key-reader')} }
          - { principal: stranger, sha256: ${hashApiKey('key-stranger')} }
    policies: [views-acl]
policies:
  - name: views-acl
    kind: acl
    rules:
      - { principals: [reader], names: ['${topics.products}', '${topics.small}', '${topics.avro}'], operations: [consume] }
listeners:
  - name: public
    kind: http
    port: 0
    views:
      - { name: products, virtualCluster: shop, topic: ${topics.products}, maxWaitMs: 10000 }
      - { name: small, virtualCluster: shop, topic: ${topics.small}, maxKeys: 20, maxBytes: 8000 }
      - { name: prices, path: /prices, virtualCluster: shop, topic: ${topics.avro} }
`
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const res = await fetch(`${url}/readyz`)
    if (res.ok) return
    if (Date.now() > deadline) throw new Error(`not ready: ${await res.text()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const reader = { 'x-api-key': 'key-reader' }

describe('views of compacted topics', () => {
  const topics = { products: '', small: '', avro: '' }
  let url = ''
  let stop: () => Promise<unknown> = async () => undefined

  beforeAll(async () => {
    topics.products = await compactedTopic('products')
    topics.small = await compactedTopic('small', 1)
    topics.avro = await compactedTopic('prices', 1)
    // Written before Weir starts: readiness must wait until the table holds all of them.
    await produce(
      topics.products,
      Array.from({ length: 250 }, (_, i) => ({
        key: `p-${String(i).padStart(3, '0')}`,
        value: JSON.stringify({ id: i, name: `product ${i}` }),
      }))
    )
    const started = await startTestGateway(config(topics))
    url = started.url
    stop = () => started.gateway.stop()
    const early = await fetch(`${url}/readyz`)
    // Either still loading (503 naming the views) or already caught up.
    if (early.status === 503) expect(await early.text()).toMatch(/still reading|Backend/)
    await waitReady(url)
  })

  it('serves every key written before the node started, once ready, and lists them', async () => {
    const metrics = nodeMetrics()
    const reads = (outcome: string) =>
      metricValue(metrics, 'weir_requests_total', { route: 'GET /views/products/{key}', outcome })
    const [acceptedBefore, rejectedBefore] = [await reads('accepted'), await reads('rejected')]
    const res = await fetch(`${url}/views/products/p-007`, { headers: reader })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.headers.get('etag')).toMatch(/^"\d+-\d+"$/)
    expect(await res.json()).toEqual({ id: 7, name: 'product 7' })

    const seen: string[] = []
    let next: string | undefined = '/views/products?limit=100'
    while (next !== undefined) {
      const page = await fetch(`${url}${next}`, { headers: reader })
      expect(page.status).toBe(200)
      const body = (await page.json()) as { keys: string[]; next?: string; size: number }
      expect(body.size).toBeGreaterThanOrEqual(250)
      seen.push(...body.keys)
      next = body.next
    }
    expect(seen.filter((k) => k.startsWith('p-'))).toHaveLength(250)
    expect(seen).toEqual([...seen].sort())

    const missing = await fetch(`${url}/views/products/nope`, { headers: reader })
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toBe('application/problem+json')
    expect((await fetch(`${url}/views/products/p-007`)).status).toBe(401)
    expect(
      (await fetch(`${url}/views/products/p-007`, { headers: { 'x-api-key': 'key-stranger' } }))
        .status
    ).toBe(403)
    // Each read is observed like any request: accepted, or refused with its reason.
    expect((await reads('accepted')) - acceptedBefore).toBe(1)
    expect((await reads('rejected')) - rejectedBefore).toBe(3)
    expect(
      await metricValue(metrics, 'weir_requests_total', {
        route: 'GET /views/products/{key}',
        reason: 'acl',
      })
    ).toBeGreaterThanOrEqual(1)
  })

  it('reads the topic to its end before answering: a value written just before is served', async () => {
    const producer = testKafka('views-test').producer()
    await producer.connect()
    try {
      for (let round = 0; round < 10; round++) {
        // A new key, and a new value of a key the table holds: neither answer may be stale.
        await producer.send({
          topic: topics.products,
          acks: -1,
          messages: [
            { key: `fresh-${round}`, value: JSON.stringify({ round }) },
            { key: 'p-100', value: JSON.stringify({ id: 100, round }) },
          ],
        })
        const fresh = await fetch(`${url}/views/products/fresh-${round}`, { headers: reader })
        expect({ round, status: fresh.status }).toEqual({ round, status: 200 })
        expect(await fresh.json()).toEqual({ round })
        const updated = await fetch(`${url}/views/products/p-100`, { headers: reader })
        expect(await updated.json()).toEqual({ id: 100, round })
      }
    } finally {
      await producer.disconnect()
    }
  })

  it('shows a new value and a tombstone within a long poll', async () => {
    const first = await fetch(`${url}/views/products/p-001`, { headers: reader })
    const etag = first.headers.get('etag') ?? ''
    const unchanged = await fetch(`${url}/views/products/p-001`, {
      headers: { ...reader, 'if-none-match': etag },
    })
    expect(unchanged.status).toBe(304)

    const started = Date.now()
    const polled = fetch(`${url}/views/products/p-001`, {
      headers: { ...reader, 'if-none-match': etag, prefer: 'wait=10' },
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    await produce(topics.products, [{ key: 'p-001', value: '{"id":1,"name":"renamed"}' }])
    const changed = await polled
    expect(changed.status).toBe(200)
    expect(Date.now() - started).toBeLessThan(8000)
    expect(await changed.json()).toEqual({ id: 1, name: 'renamed' })
    const newTag = changed.headers.get('etag') ?? ''
    expect(newTag).not.toBe(etag)

    const deleted = fetch(`${url}/views/products/p-001`, {
      headers: { ...reader, 'if-none-match': newTag, prefer: 'wait=10' },
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    await produce(topics.products, [{ key: 'p-001', value: null }])
    expect((await deleted).status).toBe(404)

    // A key that does not exist yet: the poll waits for it.
    const created = fetch(`${url}/views/products/p-new`, {
      headers: { ...reader, prefer: 'wait=10' },
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    await produce(topics.products, [{ key: 'p-new', value: '"fresh"' }])
    const fresh = await created
    expect(fresh.status).toBe(200)
    expect(await fresh.json()).toBe('fresh')

    // Nothing changes: 304 once the wait is over.
    const quiet = Date.now()
    const idle = await fetch(`${url}/views/products/p-new`, {
      headers: { ...reader, 'if-none-match': fresh.headers.get('etag') ?? '', prefer: 'wait=1' },
    })
    expect(idle.status).toBe(304)
    expect(Date.now() - quiet).toBeGreaterThanOrEqual(900)
  })

  it('decodes registry-framed values', async () => {
    const registry = new SchemaRegistry({ host: stack().registryUrl })
    const { id } = await registry.register(
      {
        type: SchemaType.AVRO,
        schema: JSON.stringify({
          type: 'record',
          name: 'Price',
          namespace: 'weir.test',
          fields: [
            { name: 'sku', type: 'string' },
            { name: 'cents', type: 'long' },
          ],
        }),
      },
      { subject: `${topics.avro}-value` }
    )
    await produce(topics.avro, [
      { key: 'sku-1', value: await registry.encode(id, { sku: 'sku-1', cents: 1999 }) },
    ])
    const res = await fetch(`${url}/prices/sku-1`, { headers: { ...reader, prefer: 'wait=10' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(await res.json()).toEqual({ sku: 'sku-1', cents: 1999 })
  })

  it('never holds more than its bounds', async () => {
    await produce(
      topics.small,
      Array.from({ length: 200 }, (_, i) => ({ key: `k-${i}`, value: 'x'.repeat(300) }))
    )
    const last = await fetch(`${url}/views/small/k-199`, {
      headers: { ...reader, prefer: 'wait=10' },
    })
    expect(last.status).toBe(200)
    const listing = (await (await fetch(`${url}/views/small`, { headers: reader })).json()) as {
      size: number
      bytes: number
      complete: boolean
    }
    expect(listing.size).toBeLessThanOrEqual(20)
    expect(listing.bytes).toBeLessThanOrEqual(8000)
    expect(listing.complete).toBe(false)
    const dropped = await fetch(`${url}/views/small/k-0`, { headers: reader })
    expect(dropped.status).toBe(404)
    expect(await dropped.json()).toMatchObject({ complete: false })
  })

  it('rebuilds the same table on a node started later, ETags included', async () => {
    const before = await fetch(`${url}/views/products/p-100`, { headers: reader })
    const other = await startTestGateway(config(topics))
    await waitReady(other.url)
    await stop()
    const after = await fetch(`${other.url}/views/products/p-100`, { headers: reader })
    expect(after.status).toBe(200)
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'))
    expect(await after.json()).toEqual(await before.json())
    expect((await fetch(`${other.url}/views/products/p-001`, { headers: reader })).status).toBe(404)
    expect((await fetch(`${other.url}/views/products/p-new`, { headers: reader })).status).toBe(200)
  })
})
