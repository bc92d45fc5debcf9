import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import avro from 'avsc'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SchemaRefConfig } from '../../src/config/index.ts'
import { GatewayError } from '../../src/core/errors.ts'
import { SchemaCatalog } from '../../src/schema/schemas.ts'
import { frame } from '../../src/schema/wire-format.ts'
import { startFakeRegistry, type FakeRegistry } from './fake-registry.ts'

const order = {
  type: 'record',
  name: 'Order',
  namespace: 'acme',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
}
const orderType = avro.Type.forSchema(order as avro.schema.AvroSchema)

let fake: FakeRegistry
let clock: { now: number }
let catalog: SchemaCatalog

beforeEach(async () => {
  fake = await startFakeRegistry()
  clock = { now: 0 }
  catalog = new SchemaCatalog(
    [{ name: 'main', url: fake.url, cacheTtlMs: 1000, requestTimeoutMs: 1000 }],
    { now: () => clock.now }
  )
})
afterEach(() => fake.close())

function ref(fields: Partial<SchemaRefConfig> = {}): SchemaRefConfig {
  return { format: 'avro', subjectStrategy: 'topic', version: 'latest', ...fields }
}
const value = { topic: 'orders', part: 'value' as const, registry: 'main' }

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError)
    return err as GatewayError
  }
  throw new Error('expected a failure')
}

describe('SchemaCatalog with a registry', () => {
  it('serializes in the Confluent wire format under the topic strategy', async () => {
    const id = fake.add('orders-value', order)
    const result = await catalog.serialize(ref(), value, { id: 'o-1', note: 'rush' })
    if (!result.ok) throw new Error('expected success')
    expect(result.schemaId).toBe(id)
    expect(result.bytes[0]).toBe(0)
    expect(result.bytes.readInt32BE(1)).toBe(id)
    expect(orderType.fromBuffer(result.bytes.subarray(5))).toEqual({ id: 'o-1', note: 'rush' })
  })

  it('resolves by record, topic-record, explicit subject, version and id', async () => {
    const byRecord = fake.add('acme.Order', order)
    const byTopicRecord = fake.add('orders-acme.Order', { ...order, doc: 'v1' })
    fake.add('shared', { ...order, doc: 'a' })
    const sharedV2 = fake.add('shared', { ...order, doc: 'b' })
    const sharedV1 = 3
    const resolve = (r: Partial<SchemaRefConfig>) => catalog.resolve(ref(r), value)
    expect((await resolve({ subjectStrategy: 'record', recordName: 'acme.Order' })).id).toBe(
      byRecord
    )
    const tr = await resolve({ subjectStrategy: 'topic-record', recordName: 'acme.Order' })
    expect(tr).toMatchObject({ id: byTopicRecord, subject: 'orders-acme.Order', version: 1 })
    expect(await resolve({ subject: 'shared' })).toMatchObject({ id: sharedV2, version: 2 })
    expect(await resolve({ subject: 'shared', version: 1 })).toMatchObject({ id: sharedV1 })
    const byId = await resolve({ id: sharedV1 })
    expect(byId).toMatchObject({ id: sharedV1, framed: true, registry: 'main' })
    expect(byId.subject).toBeUndefined()
  })

  it('tags violations with the part', async () => {
    fake.add('orders-key', 'string')
    const result = await catalog.serialize(ref(), { ...value, part: 'key' }, 5)
    expect(result).toEqual({
      ok: false,
      violations: [{ path: '', message: 'expected string, got number 5', part: 'key' }],
    })
  })

  it('serializes JSON Schema as framed UTF-8 JSON text', async () => {
    const id = fake.add('orders-value', { type: 'object', required: ['id'] }, 'JSON')
    const result = await catalog.serialize(ref({ format: 'json-schema' }), value, { id: 1 })
    expect(result.ok && result.bytes).toEqual(frame(id, Buffer.from('{"id":1}')))
    expect(await catalog.serialize(ref({ format: 'json-schema' }), value, {})).toEqual({
      ok: false,
      violations: [{ path: '/id', message: 'missing required property "id"', part: 'value' }],
    })
  })

  it('costs no registry call per record once cached; asks again after cacheTtlMs', async () => {
    fake.add('orders-value', order)
    for (let i = 0; i < 50; i++) await catalog.serialize(ref(), value, { id: `o-${i}` })
    expect(fake.requests).toEqual(['GET /subjects/orders-value/versions/latest'])
    clock.now = 1000
    await catalog.serialize(ref(), value, { id: 'o' })
    expect(fake.requests).toHaveLength(2)
  })

  it('keeps serializing from cache while the registry is down', async () => {
    fake.add('orders-value', order)
    const r = ref()
    await catalog.serialize(r, value, { id: 'o-1' })
    fake.down()
    clock.now = 60_000
    const result = await catalog.serialize(r, value, { id: 'o-2' })
    expect(result.ok).toBe(true)
  })

  it('with nothing cached and the registry down: backend-unavailable', async () => {
    fake.down()
    const err = await failure(catalog.serialize(ref(), value, { id: 'o-1' }))
    expect(err.code).toBe('backend-unavailable')
    const byId = await failure(catalog.serialize(ref({ id: 1 }), value, { id: 'o-1' }))
    expect(byId.code).toBe('backend-unavailable')
    // The outage was not remembered: once the registry is back, the same reference works.
    fake.up()
    fake.add('orders-value', order)
    expect((await catalog.serialize(ref({ id: 1 }), value, { id: 'o-1' })).ok).toBe(true)
  })

  it('refuses a registry schema of another format, and Protobuf, clearly', async () => {
    fake.add('orders-value', { type: 'object' }, 'JSON')
    const mismatch = await failure(catalog.resolve(ref(), value))
    expect(mismatch.code).toBe('internal')
    expect(mismatch.detail).toBe(
      'subject "orders-value" version 1 in schema registry "main" is JSON Schema, but the schema policy says Avro'
    )
    const proto = fake.add('p-value', 'syntax = "proto3"; message M {}', 'PROTOBUF')
    const err = await failure(catalog.resolve(ref({ id: proto }), value))
    expect(err.detail).toBe(
      `schema id ${proto} in schema registry "main" is a PROTOBUF schema; Weir supports Avro and JSON Schema only`
    )
  })

  it('names the registry problem: none configured, unknown name', async () => {
    const none = await failure(catalog.resolve(ref(), { topic: 'orders', part: 'value' }))
    expect(none.detail).toMatch(
      /value schema of topic "orders" has no registry and no inline schema/
    )
    const unknown = await failure(catalog.resolve(ref({ registry: 'other' }), value))
    expect(unknown.detail).toBe('no schema registry named "other" (known: "main")')
  })

  it('resolves Avro schema references', async () => {
    fake.add('address', {
      type: 'record',
      name: 'Address',
      namespace: 'acme',
      fields: [{ name: 'city', type: 'string' }],
    })
    const res = await fetch(`${fake.url}/subjects/person-value/versions`, {
      method: 'POST',
      body: JSON.stringify({
        schema: JSON.stringify({
          type: 'record',
          name: 'Person',
          namespace: 'acme',
          fields: [{ name: 'home', type: 'Address' }],
        }),
        references: [{ name: 'acme.Address', subject: 'address', version: 1 }],
      }),
    })
    expect(res.ok).toBe(true)
    const person = { topic: 'person', part: 'value' as const, registry: 'main' }
    expect((await catalog.serialize(ref(), person, { home: { city: 'Oslo' } })).ok).toBe(true)
    expect(await catalog.serialize(ref(), person, { home: {} })).toMatchObject({
      ok: false,
      violations: [{ path: '/home/city' }],
    })
  })
})

describe('SchemaCatalog deserialize', () => {
  it('decodes framed bytes by their schema id, to JSON-friendly values', async () => {
    const id = fake.add('orders-value', order)
    const bytes = frame(id, orderType.toBuffer({ id: 'o-1', note: 'rush' }))
    expect(await catalog.deserialize(bytes, 'main')).toEqual({
      schemaId: id,
      format: 'avro',
      value: { id: 'o-1', note: 'rush' },
    })
    await catalog.deserialize(bytes, 'main')
    expect(fake.requests).toEqual([`GET /schemas/ids/${id}`])
  })

  it('decodes JSON Schema payloads', async () => {
    const id = fake.add('j', { type: 'object' }, 'JSON')
    const decoded = await catalog.deserialize(frame(id, Buffer.from('{"a":[1]}')), 'main')
    expect(decoded).toEqual({ schemaId: id, format: 'json-schema', value: { a: [1] } })
  })

  it('refuses bytes that are not framed, or do not decode', async () => {
    const id = fake.add('orders-value', order)
    const unframed = await failure(catalog.deserialize(Buffer.from('hello'), 'main'))
    expect(unframed.code).toBe('invalid-record')
    const garbage = await failure(catalog.deserialize(frame(id, Buffer.from([0xff])), 'main'))
    expect(garbage.code).toBe('invalid-record')
    expect(garbage.detail).toMatch(
      new RegExp(`cannot decode the avro payload written with schema id ${id}`)
    )
  })
})

describe('SchemaCatalog with inline schemas', () => {
  it('writes bare Avro binary (no framing) from an inline schema', async () => {
    const r = ref({ schema: order })
    const resolved = await catalog.resolve(r, { topic: 't', part: 'value' })
    expect(resolved).toMatchObject({ framed: false, format: 'avro' })
    expect(resolved.id).toBeUndefined()
    const bytes = resolved.encode({ id: 'o-1' })
    expect(orderType.fromBuffer(bytes)).toEqual({ id: 'o-1', note: null })
    expect(resolved.decode(bytes)).toEqual({ id: 'o-1', note: null })
    expect(fake.requests).toEqual([])
  })

  it('writes bare JSON text from an inline JSON Schema given as text', async () => {
    const r = ref({ format: 'json-schema', schema: '{"type":"array"}' })
    const result = await catalog.serialize(r, { topic: 't', part: 'key' }, [1])
    expect(result).toEqual({ ok: true, bytes: Buffer.from('[1]') })
  })

  it('reads schemaFile relative to baseDir', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weir-schema-'))
    writeFileSync(path.join(dir, 'order.avsc'), JSON.stringify(order))
    const local = new SchemaCatalog([], { baseDir: dir })
    const resolved = await local.resolve(ref({ schemaFile: 'order.avsc' }), value)
    expect(resolved.validate({ id: 1 })).toEqual([
      { path: '/id', message: 'expected string, got number 1', part: 'value' },
    ])
    const missing = await failure(local.resolve(ref({ schemaFile: 'nope.avsc' }), value))
    expect(missing.detail).toMatch(/^schemaFile "nope.avsc" cannot be read: ENOENT/)
  })

  it('rejects an invalid inline schema at resolve time, clearly', async () => {
    const bad = await failure(
      catalog.resolve(ref({ schema: { type: 'record', name: 'X' } }), value)
    )
    expect(bad.code).toBe('internal')
    expect(bad.detail).toMatch(/^the inline schema is not a valid Avro schema: /)
  })

  it('encode throws invalid-record carrying the violations', async () => {
    const resolved = await catalog.resolve(ref({ schema: order }), value)
    try {
      resolved.encode({})
      throw new Error('expected a failure')
    } catch (err) {
      expect(err).toBeInstanceOf(GatewayError)
      expect((err as GatewayError).code).toBe('invalid-record')
      expect((err as GatewayError).extensions.violations).toEqual([
        { path: '/id', message: 'missing required field "id"', part: 'value' },
      ])
    }
  })
})
