// The Produce filter: partitions with a bad record are taken out and answered INVALID_RECORD with
// the record's index and the problem; the rest goes on to the broker, and the broker's answer
// gets the refusals merged in. Requests and answers go through the codec both ways.
import { describe, expect, it } from 'vitest'
import { INVALID_RECORD } from '../../../src/kafka-listener/validation/index.ts'
import {
  framedOrder,
  harness,
  orderSchema,
  partitions,
  schemaPolicy,
  schemaValidationApiCap,
} from './support.ts'

const json = Buffer.from('{"id":"o-1","qty":2}')

describe('schema validation on Produce', () => {
  it('forwards records framed with a schema id of the topic subject, untouched', async () => {
    const h = harness([schemaPolicy()])
    const id = h.registry.add('orders-value', orderSchema)
    const out = await h.produce([{ topic: 'orders', records: [{ value: framedOrder(id) }] }])
    expect(out.decision).toEqual({ kind: 'forward', changed: false })
  })

  it('refuses unframed JSON with INVALID_RECORD, naming the record and the problem', async () => {
    const h = harness([schemaPolicy()])
    const id = h.registry.add('orders-value', orderSchema)
    const out = await h.produce([
      { topic: 'orders', records: [{ value: framedOrder(id) }, { value: json }] },
    ])
    const p = partitions(out.answer())['orders-0']
    expect(p?.code).toBe(INVALID_RECORD)
    expect(p?.message).toBe(
      '1 of 2 records break schema policy "orders-schema", so none was written: record 1: the value is not in the Confluent wire format: the first byte is 123, not the magic byte 0'
    )
    expect(p?.records).toEqual([
      [
        1,
        'the value is not in the Confluent wire format: the first byte is 123, not the magic byte 0',
      ],
    ])
  })

  it('refuses an id registered under another subject, and one the registry does not know', async () => {
    const h = harness([schemaPolicy()])
    h.registry.add('orders-value', orderSchema)
    const other = h.registry.add('payments-value', { type: 'string' })
    const out = await h.produce([
      { topic: 'orders', records: [{ value: framedOrder(other) }, { value: framedOrder(99) }] },
    ])
    expect(partitions(out.answer())['orders-0']?.records).toEqual([
      [0, `the value has schema id ${other}, which is not registered under subject "orders-value"`],
      [1, 'the value has schema id 99, which schema registry "main" does not know'],
    ])
  })

  it('lets the good partitions of a mixed request through and merges the bad one back', async () => {
    const h = harness([schemaPolicy()])
    const id = h.registry.add('orders-value', orderSchema)
    const good = [{ value: framedOrder(id) }]
    const out = await h.produce([
      { topic: 'orders', partition: 0, records: good },
      { topic: 'orders', partition: 1, records: [{ value: json }] },
      { topic: 'orders', partition: 2, records: good },
      { topic: 'audit', partition: 0, records: [{ value: json }] },
    ])
    expect(out.sent().topicData.map((t) => [t.name, t.partitionData.map((p) => p.index)])).toEqual([
      ['orders', [0, 2]],
      ['audit', [0]],
    ])
    const answer = out.answer()
    // Merged into the topic's own entry, not a second entry for the same topic.
    expect(answer.responses.map((t) => t.name)).toEqual(['orders', 'audit'])
    expect(Object.entries(partitions(answer)).map(([k, v]) => [k, v.code])).toEqual([
      ['orders-0', 0],
      ['orders-2', 0],
      ['orders-1', INVALID_RECORD],
      ['audit-0', 0],
    ])
  })

  it('sends an emptied request on when every partition is refused, so other edits still apply', async () => {
    const h = harness([schemaPolicy()])
    const out = await h.produce([
      { topic: 'orders', partition: 0, records: [{ value: json }] },
      { topic: 'orders', partition: 1, records: [{ value: json }] },
    ])
    expect(out.sent().topicData).toEqual([])
    expect(Object.values(partitions(out.answer())).map((p) => p.code)).toEqual([
      INVALID_RECORD,
      INVALID_RECORD,
    ])
  })

  it('closes the connection for a refused Produce with acks=0, as a broker does', async () => {
    const h = harness([schemaPolicy()])
    const out = await h.produce([{ topic: 'orders', records: [{ value: json }] }], { acks: 0 })
    expect(out.decision).toMatchObject({ kind: 'close' })
    expect((out.decision as { reason: string }).reason).toContain('orders-0: 1 of 1 records')
  })

  it('answers the code alone before Produce v8, which has no messages', async () => {
    const h = harness([schemaPolicy()])
    const out = await h.produce([{ topic: 'orders', records: [{ value: json }] }], { version: 7 })
    expect(partitions(out.answer())['orders-0']).toEqual({
      code: INVALID_RECORD,
      message: null,
      records: [],
    })
  })

  it('leaves topics without a schema policy alone', async () => {
    const h = harness([schemaPolicy()])
    const out = await h.produce([{ topic: 'audit', records: [{ value: json }] }])
    expect(out.decision).toEqual({ kind: 'forward', changed: false })
    expect(h.registry.requests).toEqual([])
  })

  it('wants nothing and caps nothing without a schema policy on the virtual cluster', () => {
    const h = harness([])
    const state = { principal: undefined, scratch: new Map() }
    expect(h.filter.wants(0, 11, state)).toBe(false)
    expect(schemaValidationApiCap(h.deps)(0)).toBeUndefined()
  })

  it('holds clients to Produce v12 (topics by name) and closes on v13', async () => {
    const h = harness([schemaPolicy()])
    expect(schemaValidationApiCap(h.deps)(0)).toEqual({ max: 12 })
    expect(schemaValidationApiCap(h.deps)(1)).toBeUndefined()
    const out = await h.produce([{ topic: 'orders', records: [{ value: json }] }], { version: 13 })
    expect(out.decision).toMatchObject({ kind: 'close' })
  })

  it('wants Produce below v3 too, so it is never let through undecoded', () => {
    const h = harness([schemaPolicy()])
    expect(h.filter.wants(0, 2, { principal: undefined, scratch: new Map() })).toBe(true)
    expect(h.filter.wants(1, 12, { principal: undefined, scratch: new Map() })).toBe(false)
  })
})
