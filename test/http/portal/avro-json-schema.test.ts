// Avro → JSON Schema: the converted schemas must describe exactly what Weir's own Avro codec takes
// (write) and gives back (read). Besides the shapes, every check runs values through both: ajv
// validates them against the converted schema, and compileAvro's codec validates or produces them.
import { Ajv2020 } from 'ajv/dist/2020.js'
import formats from 'ajv-formats'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  avroToJsonSchema,
  avroTypeToJsonSchema,
} from '../../../src/http/portal/avro-json-schema.ts'
import { componentResolver, exampleOf } from '../../../src/http/portal/examples.ts'
import type { JsonSchema } from '../../../src/http/portal/json-schema.ts'
import { compileAvro } from '../../../src/schema/avro.ts'
import { compileReader } from '../../../src/schema/avro-read.ts'
import { parseAvro } from '../../../src/schema/avro-types.ts'

const base = '#/components/schemas/it'

function convert(schema: object, direction: 'write' | 'read' = 'write'): JsonSchema {
  return avroToJsonSchema(schema, [], { direction, base })
}

/** An ajv check of a converted schema placed where its `$ref`s point. */
function checker(schema: JsonSchema): (value: unknown) => boolean {
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  formats.default(ajv)
  return ajv.compile({ components: { schemas: { it: schema } }, $ref: base })
}

const order = {
  type: 'record',
  name: 'Order',
  namespace: 'com.acme',
  doc: 'An order',
  fields: [
    { name: 'id', type: 'string', doc: 'the order id' },
    { name: 'quantity', type: 'int' },
    { name: 'total', type: 'long' },
    { name: 'price', type: 'double' },
    { name: 'paid', type: 'boolean', default: false },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] } },
    { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
    { name: 'attributes', type: { type: 'map', values: 'int' } },
    { name: 'note', type: ['null', 'string'] },
    { name: 'digest', type: { type: 'fixed', name: 'Digest', size: 4 } },
    { name: 'blob', type: 'bytes' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 8, scale: 2 } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'localAt', type: { type: 'long', logicalType: 'local-timestamp-micros' } },
    { name: 'time', type: { type: 'int', logicalType: 'time-millis' } },
    { name: 'ref', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'previous', type: ['null', 'Status'], default: null },
    { name: 'parent', type: ['null', 'Order'], default: null },
  ],
}

describe('Avro to JSON Schema', () => {
  it('turns a record into an object with its fields, doc, required list and no extra fields', () => {
    const schema = convert(order)
    expect(schema).toMatchObject({
      type: 'object',
      title: 'com.acme.Order',
      description: 'An order',
      additionalProperties: false,
    })
    const properties = schema.properties as Record<string, JsonSchema>
    expect(properties.id).toEqual({ type: 'string', description: 'the order id' })
    // Defaults and nullable fields may be left out when writing.
    expect(schema.required).toEqual([
      'id',
      'quantity',
      'total',
      'price',
      'status',
      'attributes',
      'digest',
      'blob',
      'amount',
      'day',
      'at',
      'localAt',
      'time',
      'ref',
    ])
    expect(properties.paid).toEqual({ type: 'boolean', default: false })
    expect(properties.tags).toEqual({ type: 'array', items: { type: 'string' }, default: [] })
  })

  it('reads every field back: all are required in the read form', () => {
    const schema = convert(order, 'read')
    expect(schema.required).toEqual(order.fields.map((f) => f.name))
  })

  it('converts enums, arrays, maps, fixed and bytes', () => {
    const properties = convert(order).properties as Record<string, JsonSchema>
    expect(properties.status).toEqual({
      type: 'string',
      title: 'com.acme.Status',
      enum: ['NEW', 'PAID'],
    })
    expect(properties.attributes).toEqual({
      type: 'object',
      additionalProperties: {
        type: 'integer',
        format: 'int32',
        minimum: -(2 ** 31),
        maximum: 2 ** 31 - 1,
      },
    })
    expect(properties.digest).toMatchObject({
      type: 'string',
      contentEncoding: 'base64',
      minLength: 6,
      maxLength: 8,
    })
    expect(properties.blob).toMatchObject({ type: 'string', contentEncoding: 'base64' })
    expect(properties.total).toMatchObject({ type: ['integer', 'string'], format: 'int64' })
  })

  it('makes unions with null an anyOf with null last, and refers to a named type seen before', () => {
    const properties = convert(order).properties as Record<string, JsonSchema>
    expect(properties.note).toEqual({ anyOf: [{ type: 'string' }, { type: 'null' }] })
    // Status was converted at /properties/status: later uses point there...
    expect(properties.previous).toEqual({
      anyOf: [{ $ref: `${base}/properties/status` }, { type: 'null' }],
      default: null,
    })
    // ...and a recursive record points at itself.
    expect(properties.parent).toEqual({ anyOf: [{ $ref: base }, { type: 'null' }], default: null })
  })

  it('explains the wrapped form only for unions with a real choice', () => {
    const union = convert({
      type: 'record',
      name: 'U',
      fields: [{ name: 'v', type: ['null', 'int', 'string'] }],
    })
    const v = (union.properties as Record<string, JsonSchema>).v as JsonSchema
    expect(v.anyOf).toEqual([
      { type: 'integer', format: 'int32', minimum: -(2 ** 31), maximum: 2 ** 31 - 1 },
      { type: 'string' },
      { type: 'null' },
    ])
    expect(v.description).toContain('wrapped form')
  })

  it('takes logical types as people write them, and gives them back as Weir reads them', () => {
    const write = convert(order).properties as Record<string, JsonSchema>
    const read = convert(order, 'read').properties as Record<string, JsonSchema>
    expect(write.amount).toMatchObject({ type: ['number', 'string'] })
    expect(read.amount).toMatchObject({ type: 'string', description: 'decimal(8,2), exact text' })
    expect(write.day).toMatchObject({
      anyOf: [{ type: 'string', format: 'date' }, { type: 'integer' }],
    })
    expect(read.day).toMatchObject({ type: 'integer' })
    expect(write.at).toMatchObject({
      anyOf: [{ type: 'string', format: 'date-time' }, { type: 'integer' }],
    })
    expect(read.at).toMatchObject({ type: ['integer', 'string'], format: 'int64' })
    expect((write.localAt?.anyOf as JsonSchema[])[0]).toMatchObject({
      type: 'string',
      pattern: expect.any(String),
    })
    expect(write.ref).toEqual({ type: 'string', format: 'uuid' })
    expect(write.time?.anyOf).toHaveLength(2)
  })

  it('describes what the codec takes: accepted values pass, refused values fail', () => {
    const codec = compileAvro(order)
    const valid = checker(convert(order))
    const good = {
      id: 'o-1',
      quantity: 3,
      total: '9007199254740993',
      price: 'NaN',
      status: 'NEW',
      attributes: { a: 1 },
      digest: 'AAAAAA',
      blob: 'aGVsbG8=',
      amount: '12.34',
      day: '2026-03-01',
      at: '2026-03-01T10:00:00Z',
      localAt: '2026-03-01T10:00:00.123456',
      time: '10:00:00',
      ref: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
      parent: {
        id: 'o-0',
        quantity: 1,
        total: 1,
        price: 1.5,
        status: 'PAID',
        attributes: {},
        digest: 'AAAAAA',
        blob: '',
        amount: 1,
        day: 0,
        at: 0,
        localAt: 0,
        time: 0,
        ref: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
      },
    }
    expect(codec.validate(good)).toEqual([])
    expect(valid(good)).toBe(true)
    for (const bad of [
      { ...good, quantity: 2 ** 31 },
      { ...good, status: 'LOST' },
      { ...good, extra: 1 },
      { ...good, id: undefined },
      { ...good, at: 'yesterday' },
      { ...good, tags: [1] },
    ]) {
      expect(codec.validate(JSON.parse(JSON.stringify(bad))).length).toBeGreaterThan(0)
      expect(valid(JSON.parse(JSON.stringify(bad)))).toBe(false)
    }
  })

  it('gives an example the codec accepts', () => {
    const schema = convert(order)
    const example = exampleOf(schema, componentResolver({ it: schema }))
    expect(compileAvro(order).validate(example)).toEqual([])
    expect(checker(schema)(example)).toBe(true)
  })

  it('describes every value Weir reads back, and the codec takes those values again', () => {
    // avsc's generator ignores what uuid and decimal(8,2) allow; those are checked above.
    const random = {
      ...order,
      fields: order.fields.filter((f) => f.name !== 'ref' && f.name !== 'amount'),
    }
    const type = parseAvro(random)
    const read = compileReader(type)
    const codec = compileAvro(random)
    const readSchema = checker(convert(random, 'read'))
    const writeSchema = checker(convert(random, 'write'))
    fc.assert(
      fc.property(fc.integer(), () => {
        // avsc's own generator covers every branch and type; what Weir reads from it is JSON.
        const value = JSON.parse(JSON.stringify(read(type.random())))
        expect(readSchema(value)).toBe(true)
        expect(writeSchema(value)).toBe(true)
        expect(codec.validate(value)).toEqual([])
      }),
      { numRuns: 200 }
    )
  })

  it('converts a bare type, and types within the schemas a schema references', () => {
    expect(avroTypeToJsonSchema(parseAvro('string'), { direction: 'write', base })).toEqual({
      type: 'string',
    })
    const schema = avroToJsonSchema(
      { type: 'record', name: 'Shipment', fields: [{ name: 'to', type: 'com.acme.Address' }] },
      [
        {
          name: 'com.acme.Address',
          format: 'avro',
          schema: JSON.stringify({
            type: 'record',
            name: 'Address',
            namespace: 'com.acme',
            fields: [{ name: 'city', type: 'string' }],
          }),
        },
      ],
      { direction: 'write', base }
    )
    expect((schema.properties as Record<string, JsonSchema>).to).toMatchObject({
      title: 'com.acme.Address',
      required: ['city'],
    })
  })
})
