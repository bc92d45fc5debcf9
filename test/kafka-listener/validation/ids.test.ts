// The registry behind the checks: answers are cached per id (a steady stream of records costs
// no round trip), a cached "not there" is asked again (at most once a second), an outage falls
// back to what is cached, and with nothing cached the partition gets a retriable error rather
// than going through unchecked.
import { describe, expect, it } from 'vitest'
import {
  INVALID_RECORD,
  REQUEST_TIMED_OUT,
  UNKNOWN_SERVER_ERROR,
} from '../../../src/kafka-listener/validation/index.ts'
import { framedOrder, harness, orderSchema, partitions, schemaPolicy } from './support.ts'

describe('registry lookups', () => {
  it('asks the registry once per id, then not again within cacheTtlMs', async () => {
    const h = harness([schemaPolicy({ validate: true })])
    const id = h.registry.add('orders-value', orderSchema)
    const send = () =>
      h.produce([
        { topic: 'orders', partition: 0, records: [{ value: framedOrder(id) }] },
        { topic: 'orders', partition: 1, records: [{ value: framedOrder(id) }] },
      ])
    expect((await send()).decision).toEqual({ kind: 'forward', changed: false })
    expect(h.registry.take().sort()).toEqual([
      `GET /schemas/ids/${id}`,
      `GET /schemas/ids/${id}/versions`,
    ])
    await send()
    h.clock.now += 59_000
    await send()
    expect(h.registry.take()).toEqual([])
    h.clock.now += 2000
    await send()
    expect(h.registry.take()).toEqual([`GET /schemas/ids/${id}/versions`])
  })

  it('asks again when an id it saw elsewhere is registered under the subject later', async () => {
    const h = harness([schemaPolicy()])
    // Registries give identical schemas one id: registered for payments first...
    const id = h.registry.add('payments-value', orderSchema)
    const send = async () => {
      const out = await h.produce([{ topic: 'orders', records: [{ value: framedOrder(id) }] }])
      return out.decision.kind === 'forward' && out.decision.changed
        ? partitions(out.answer())['orders-0']?.code
        : 0
    }
    expect(await send()).toBe(INVALID_RECORD)
    // ...a bad id costs one more look at most once a second, not one per request...
    h.registry.take()
    h.clock.now += 500
    expect(await send()).toBe(INVALID_RECORD)
    expect(h.registry.take()).toEqual([])
    // ...and once the producer registers it for orders too, it passes.
    h.registry.add('orders-value', orderSchema)
    h.clock.now += 1000
    expect(await send()).toBe(0)
  })

  it('does not ask a registry that is down again about a bad id until retryAfterMs', async () => {
    const h = harness([schemaPolicy()])
    const id = h.registry.add('payments-value', orderSchema)
    const send = async () => {
      const out = await h.produce([{ topic: 'orders', records: [{ value: framedOrder(id) }] }])
      return partitions(out.answer())['orders-0']?.code
    }
    expect(await send()).toBe(INVALID_RECORD)
    h.registry.down()
    h.registry.take()
    for (let i = 0; i < 5; i++) {
      h.clock.now += 1000
      expect(await send()).toBe(INVALID_RECORD)
    }
    // One failed recheck; the cached answer stands for the 10 s after it.
    expect(h.registry.take()).toEqual([`GET /schemas/ids/${id}/versions`])
  })

  it('keeps validating from the cache while the registry is down', async () => {
    const h = harness([schemaPolicy({ validate: true })])
    const id = h.registry.add('orders-value', orderSchema)
    const send = () => h.produce([{ topic: 'orders', records: [{ value: framedOrder(id) }] }])
    await send()
    h.registry.down()
    h.clock.now += 120_000 // long expired: served stale
    expect((await send()).decision).toEqual({ kind: 'forward', changed: false })
  })

  it('answers a retriable error, never lets records through, when nothing is cached', async () => {
    const h = harness([schemaPolicy()])
    const id = h.registry.add('orders-value', orderSchema)
    h.registry.down()
    const out = await h.produce([
      { topic: 'orders', records: [{ value: framedOrder(id) }] },
      { topic: 'audit', records: [{ value: Buffer.from('x') }] },
    ])
    expect(out.sent().topicData.map((t) => t.name)).toEqual(['audit'])
    const p = partitions(out.answer())['orders-0']
    expect(p?.code).toBe(REQUEST_TIMED_OUT)
    expect(p?.message).toMatch(
      /^the records could not be checked against schema policy "orders-schema", so none was written \(retry\): schema registry "main" is unreachable/
    )
    expect(p?.records).toEqual([])
    h.registry.up()
    h.clock.now += 10_000
    const again = await h.produce([{ topic: 'orders', records: [{ value: framedOrder(id) }] }])
    expect(again.decision).toEqual({ kind: 'forward', changed: false })
  })

  it('answers a registry that refuses Weir with a non-retriable error naming it', async () => {
    const h = harness([schemaPolicy()])
    h.registry.failWith(401)
    const out = await h.produce([{ topic: 'orders', records: [{ value: framedOrder(1) }] }])
    const p = partitions(out.answer())['orders-0']
    expect(p?.code).toBe(UNKNOWN_SERVER_ERROR)
    expect(p?.message).toContain(`schema registry "main" refused Weir's credentials (HTTP 401)`)
  })

  it('refuses, as a configuration error, a policy with no registry to ask', async () => {
    const h = harness([schemaPolicy()], {})
    const out = await h.produce([{ topic: 'orders', records: [{ value: framedOrder(1) }] }])
    const p = partitions(out.answer())['orders-0']
    expect(p?.code).toBe(UNKNOWN_SERVER_ERROR)
    expect(p?.message).toContain('has no registry: set schemaRegistry on the virtual cluster')
  })
})
