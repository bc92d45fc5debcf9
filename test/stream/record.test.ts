import { describe, expect, it, vi } from 'vitest'
import { GatewayError } from '../../src/core/errors.ts'
import type { Deserialized } from '../../src/schema/index.ts'
import { SchemaCatalog } from '../../src/schema/schemas.ts'
import { frame, unframe } from '../../src/schema/wire-format.ts'
import {
  decodeHeaders,
  formatRecord,
  type FormatOptions,
  type KafkaMessage,
  type RecordDeserializer,
} from '../../src/stream/record.ts'

function message(fields: Partial<KafkaMessage> = {}): KafkaMessage {
  return {
    topic: 'acme.orders',
    partition: 3,
    offset: '41',
    timestamp: '1700000000000',
    key: Buffer.from('o-1'),
    value: Buffer.from('{"status":"paid"}'),
    headers: {},
    ...fields,
  }
}

const auto: FormatOptions = { key: 'auto', value: 'auto', clientTopic: 'orders' }
const withRegistry: FormatOptions = { ...auto, registry: 'main' }

/** A registry that knows schema 7 (Avro) and 8 (JSON Schema); the payload is JSON for ease. */
function fakeSchemas(): RecordDeserializer & { calls: number } {
  const schemas = {
    calls: 0,
    async deserialize(bytes: Uint8Array, registry: string): Promise<Deserialized> {
      schemas.calls++
      expect(registry).toBe('main')
      const { schemaId, payload } = unframe(bytes)
      if (schemaId !== 7 && schemaId !== 8) {
        throw new GatewayError('invalid-record', `schema id ${schemaId} is unknown`)
      }
      const value: unknown = JSON.parse(payload.toString())
      return { schemaId, format: schemaId === 7 ? 'avro' : 'json-schema', value }
    },
  }
  return schemas
}
const framed = (id: number, value: unknown): Buffer => frame(id, Buffer.from(JSON.stringify(value)))

describe('formatRecord', () => {
  it('delivers a JSON record under the client topic name, with its position', async () => {
    const record = await formatRecord(message(), auto, fakeSchemas())
    expect(record).toEqual({
      topic: 'orders',
      partition: 3,
      offset: '41',
      timestamp: '1700000000000',
      key: 'o-1',
      headers: {},
      value: { status: 'paid' },
      tombstone: false,
      encoding: { key: 'text', value: 'json' },
    })
    expect(JSON.parse(JSON.stringify(record))).toEqual(record)
  })

  it('decodes Avro and JSON Schema framed values and keys through the registry', async () => {
    const schemas = fakeSchemas()
    const record = await formatRecord(
      message({ key: framed(8, { id: 'o-1' }), value: framed(7, { total: 12.5 }) }),
      withRegistry,
      schemas
    )
    expect(record).toMatchObject({
      key: { id: 'o-1' },
      keySchemaId: 8,
      value: { total: 12.5 },
      schemaId: 7,
      encoding: { key: 'json-schema', value: 'avro' },
    })
    expect(schemas.calls).toBe(2)
  })

  it('falls back to base64 when framed-looking bytes do not decode, and says why', async () => {
    const onDecodeError = vi.fn()
    const bytes = framed(99, 'x')
    const record = await formatRecord(
      message({ value: bytes }),
      { ...withRegistry, onDecodeError },
      fakeSchemas()
    )
    expect(record.value).toBe(bytes.toString('base64'))
    expect(record.encoding?.value).toBe('base64')
    expect(record.schemaId).toBeUndefined()
    expect(onDecodeError).toHaveBeenCalledWith('value', expect.any(GatewayError))
  })

  it('does not break on bytes that start with 0 but are not framed', async () => {
    const bytes = Buffer.from([0, 0, 0, 0, 7, 0xff, 0xfe])
    const failing: RecordDeserializer = {
      deserialize: () => Promise.reject(new GatewayError('invalid-record', 'garbage')),
    }
    const record = await formatRecord(message({ value: bytes }), withRegistry, failing)
    expect(record).toMatchObject({ value: bytes.toString('base64'), tombstone: false })
    expect(record.encoding?.value).toBe('base64')
  })

  it('never asks a registry when none is configured, the mode is forced, or bytes are short', async () => {
    const schemas = fakeSchemas()
    const value = framed(7, { a: 1 })
    const none = await formatRecord(message({ value }), auto, schemas)
    expect(none.encoding?.value).toBe('base64')
    const forced = await formatRecord(
      message({ value }),
      { ...withRegistry, value: 'base64' },
      schemas
    )
    expect(forced.value).toBe(value.toString('base64'))
    await formatRecord(message({ value: Buffer.from([0, 1]) }), withRegistry, schemas)
    expect(schemas.calls).toBe(0)
  })

  it('forces each mode independently for key and value', async () => {
    const record = await formatRecord(
      message({ key: Buffer.from('{"k":1}'), value: Buffer.from('{"v":1}') }),
      { key: 'text', value: 'base64', clientTopic: 'orders' },
      fakeSchemas()
    )
    expect(record.key).toBe('{"k":1}')
    expect(record.value).toBe(Buffer.from('{"v":1}').toString('base64'))
    expect(record.encoding).toEqual({ key: 'text', value: 'base64' })
  })

  it('marks a null value as a tombstone and leaves null parts without an encoding', async () => {
    const record = await formatRecord(message({ key: null, value: null }), auto, fakeSchemas())
    expect(record).toMatchObject({ key: null, value: null, tombstone: true })
    expect(record.encoding).toBeUndefined()
    const keyed = await formatRecord(message({ value: null }), withRegistry, fakeSchemas())
    expect(keyed.encoding).toEqual({ key: 'text', value: undefined })
    expect(JSON.stringify(keyed.encoding)).toBe('{"key":"text"}')
  })

  it('does not take an empty value for a tombstone', async () => {
    const record = await formatRecord(message({ value: Buffer.alloc(0) }), auto, fakeSchemas())
    expect(record).toMatchObject({ value: '', tombstone: false })
  })

  it('decodes headers as UTF-8 strings', async () => {
    const record = await formatRecord(
      message({ headers: { source: Buffer.from('web'), kind: 'order', skipped: undefined } }),
      auto,
      fakeSchemas()
    )
    expect({ ...record.headers }).toEqual({ source: 'web', kind: 'order' })
  })

  it('takes SchemaCatalog as its deserializer', async () => {
    const catalog = new SchemaCatalog([])
    const record = await formatRecord(message(), auto, catalog)
    expect(record.value).toEqual({ status: 'paid' })
  })
})

describe('decodeHeaders', () => {
  it('keeps the last value of a repeated header', () => {
    const headers = decodeHeaders({ trace: [Buffer.from('a'), 'b', Buffer.from('c')], empty: [] })
    expect({ ...headers }).toEqual({ trace: 'c' })
  })

  it('treats names like __proto__ and constructor as plain headers', () => {
    const headers = decodeHeaders({ ['__proto__']: 'x', constructor: 'y' })
    expect(Object.keys(headers).sort()).toEqual(['__proto__', 'constructor'])
    expect(headers['__proto__']).toBe('x')
    expect(decodeHeaders({}).constructor).toBeUndefined()
  })

  it('shares one frozen empty map for records without headers', () => {
    expect(decodeHeaders({})).toBe(decodeHeaders(undefined))
    expect(Object.isFrozen(decodeHeaders({}))).toBe(true)
  })
})
