// What is checked in each record: keys and values as the policy asks, the subject its strategy
// names (or the version or id it pins), payloads against their schema (unless `validate: false`),
// inline schemas, and batches as producers send them (compressed, or corrupt).
import avro from 'avsc'
import { describe, expect, it } from 'vitest'
import { CORRUPT_MESSAGE, INVALID_RECORD } from '../../../src/kafka-listener/validation/index.ts'
import { Compression } from '../../../src/protocol/records/index.ts'
import { frame } from '../../../src/schema/wire-format.ts'
import { framedOrder, harness, orderSchema, partitions, schemaPolicy } from './support.ts'

const order = { id: 'o-1', qty: 2 }

async function refusals(
  h: ReturnType<typeof harness>,
  records: { key?: Buffer | null; value: Buffer | null }[]
) {
  const out = await h.produce([{ topic: 'orders', records }])
  if (out.decision.kind === 'forward' && !out.decision.changed) return []
  return partitions(out.answer())['orders-0']?.records
}

describe('record checks', () => {
  it('checks keys under <topic>-key when the policy has a key schema; nulls pass', async () => {
    const h = harness([schemaPolicy({ key: { format: 'avro' } })])
    const keyId = h.registry.add('orders-key', { type: 'string' })
    const valueId = h.registry.add('orders-value', orderSchema)
    const key = frame(keyId, Buffer.from([2, 0x61]))
    expect(
      await refusals(h, [
        { key, value: framedOrder(valueId) },
        { key: null, value: framedOrder(valueId) },
        { key, value: null },
        { key: Buffer.from('k'), value: framedOrder(keyId) },
      ])
    ).toEqual([
      [
        3,
        'the key is not in the Confluent wire format: 1 bytes, fewer than the 5-byte header (magic byte and schema id); ' +
          `the value has schema id ${keyId}, which is not registered under subject "orders-value"`,
      ],
    ])
  })

  it('accepts any version of the subject, or only the one the policy pins', async () => {
    const v2 = {
      ...orderSchema,
      fields: [...orderSchema.fields, { name: 'note', type: 'string', default: '' }],
    }
    const v2Order = (id: number) =>
      frame(id, avro.Type.forSchema(v2 as avro.schema.AvroSchema).toBuffer({ ...order, note: '' }))
    const latest = harness([schemaPolicy()])
    const first = latest.registry.add('orders-value', orderSchema)
    const second = latest.registry.add('orders-value', v2)
    expect(
      await refusals(latest, [{ value: framedOrder(first) }, { value: v2Order(second) }])
    ).toEqual([])

    const pinned = harness([schemaPolicy({ value: { format: 'avro', version: 2 } })])
    pinned.registry.add('orders-value', orderSchema)
    pinned.registry.add('orders-value', v2)
    expect(await refusals(pinned, [{ value: framedOrder(1) }, { value: v2Order(2) }])).toEqual([
      [
        0,
        'the value has schema id 1, which is not version 2 of subject "orders-value" as the policy requires',
      ],
    ])
  })

  it('holds records to the id a policy pins, and to the subject of the record strategy', async () => {
    const byId = harness([schemaPolicy({ value: { format: 'avro', id: 1 } })])
    byId.registry.add('orders-value', orderSchema)
    expect(await refusals(byId, [{ value: framedOrder(1) }, { value: framedOrder(2) }])).toEqual([
      [1, 'the value has schema id 2, not 1 as the policy requires'],
    ])
    const byRecord = harness([
      schemaPolicy({
        value: { format: 'avro', subjectStrategy: 'record', recordName: 'acme.Order' },
      }),
    ])
    const id = byRecord.registry.add('acme.Order', orderSchema)
    expect(await refusals(byRecord, [{ value: framedOrder(id) }])).toEqual([])
  })

  it('with validate: false, checks the id only; by default, decodes the payload too', async () => {
    const garbage = frame(1, Buffer.from([0x02]))
    const loose = harness([schemaPolicy({ validate: false })])
    loose.registry.add('orders-value', orderSchema)
    expect(await refusals(loose, [{ value: garbage }])).toEqual([])

    const strict = harness([schemaPolicy()])
    strict.registry.add('orders-value', orderSchema)
    const records = await refusals(strict, [{ value: framedOrder(1) }, { value: garbage }])
    expect(records).toHaveLength(1)
    expect(records?.[0]).toEqual([
      1,
      expect.stringMatching(/^the value does not decode with schema id 1: /),
    ])
  })

  it('validates JSON Schema payloads after parsing them, every violation named', async () => {
    const schema = {
      type: 'object',
      properties: { id: { type: 'string' }, qty: { type: 'integer' } },
      required: ['id', 'qty'],
    }
    const h = harness([schemaPolicy({ value: { format: 'json-schema' }, validate: true })])
    const id = h.registry.add('orders-value', schema, 'JSON')
    const text = (value: unknown) => frame(id, Buffer.from(JSON.stringify(value)))
    const records = await refusals(h, [
      { value: text(order) },
      { value: text({ id: 7 }) },
      { value: frame(id, Buffer.from('{not json')) },
    ])
    expect(records?.map((r) => (r as unknown[])[0])).toEqual([1, 2])
    expect((records?.[0] as string[])[1]).toBe(
      'the value does not match schema id 1: /qty: missing required property "qty"; /id: expected string, got number 7'
    )
    expect((records?.[1] as string[])[1]).toMatch(/^the value does not decode with schema id 1: /)
  })

  it('refuses a schema of the other format when validating', async () => {
    const h = harness([schemaPolicy({ validate: true })])
    const id = h.registry.add('orders-value', { type: 'object' }, 'JSON')
    expect(await refusals(h, [{ value: frame(id, Buffer.from('{}')) }])).toEqual([
      [0, `the value has schema id ${id}, which is JSON Schema, not Avro as the policy says`],
    ])
  })

  it('decodes bare payloads with an inline schema (no registry involved)', async () => {
    const h = harness([schemaPolicy({ value: { format: 'avro', schema: orderSchema } })])
    const records = await refusals(h, [
      { value: Buffer.from(framedOrder(1).subarray(5)) },
      { value: Buffer.from('{"id":"o-1"}') },
    ])
    expect(records).toHaveLength(1)
    expect((records?.[0] as unknown[])[0]).toBe(1)
    expect(h.registry.requests).toEqual([])
  })

  it('reads compressed batches', async () => {
    const h = harness([schemaPolicy()])
    const id = h.registry.add('orders-value', orderSchema)
    for (const compression of [
      Compression.gzip,
      Compression.snappy,
      Compression.lz4,
      Compression.zstd,
    ]) {
      const out = await h.produce([
        {
          topic: 'orders',
          compression,
          records: [{ value: framedOrder(id) }, { value: Buffer.from('{}') }],
        },
      ])
      expect(partitions(out.answer())['orders-0']?.records).toEqual([
        [1, expect.stringContaining('magic byte')],
      ])
    }
  })

  it('answers records it cannot read CORRUPT_MESSAGE, and leaves CRCs to the broker', async () => {
    const h = harness([schemaPolicy()])
    const id = h.registry.add('orders-value', orderSchema)
    const out = await h.produce([{ topic: 'orders', records: [{ value: framedOrder(id) }] }])
    const batch = out.sent().topicData[0]?.partitionData[0]?.records as Buffer
    const send = async (records: Buffer) => {
      const request = out.sent()
      ;(request.topicData[0]?.partitionData[0] as { records: Buffer }).records = records
      const header = { requestApiKey: 0, requestApiVersion: 11, correlationId: 1, clientId: 't' }
      const state = { principal: undefined, scratch: new Map() }
      const decision = await h.filter.onRequest(request, header, { brokers: h.brokers, state })
      if (decision.kind !== 'forward') throw new Error('expected a forward')
      const response = { responses: [], throttleTimeMs: 0, nodeEndpoints: [] }
      decision.onResponse?.(response)
      return { changed: decision.changed, response }
    }
    const cut = await send(batch.subarray(0, batch.length - 1))
    expect(cut.response.responses).toMatchObject([
      {
        name: 'orders',
        partitionResponses: [
          {
            errorCode: CORRUPT_MESSAGE,
            errorMessage: `the records cannot be read: they end in ${batch.length - 1} bytes of a batch`,
          },
        ],
      },
    ])
    const lying = Buffer.from(batch)
    lying.writeInt32BE(1000, 57) // the record count
    const counted = await send(lying)
    expect(counted.response.responses).toMatchObject([
      { partitionResponses: [{ errorCode: CORRUPT_MESSAGE }] },
    ])
    // A bad CRC alone: the broker checks the very bytes it is sent, and refuses them itself.
    const crc = Buffer.from(batch)
    crc.writeInt32BE(crc.readInt32BE(17) ^ 1, 17)
    expect((await send(crc)).changed).toBe(false)
  })

  it('quotes three record errors in the partition message and lists them all', async () => {
    const h = harness([schemaPolicy()])
    const bad = { value: Buffer.from('plain') }
    const out = await h.produce([{ topic: 'orders', records: [bad, bad, bad, bad, bad] }])
    const p = partitions(out.answer())['orders-0']
    expect(p?.code).toBe(INVALID_RECORD)
    expect(p?.records.map((r) => (r as unknown[])[0])).toEqual([0, 1, 2, 3, 4])
    expect(p?.message).toMatch(
      /^5 of 5 records break schema policy "orders-schema", so none was written: record 0: .*; record 1: .*; record 2: .*; and 2 more$/
    )
  })
})
