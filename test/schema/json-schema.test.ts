import { describe, expect, it } from 'vitest'
import { compileJsonSchema, draftOf } from '../../src/schema/json-schema.ts'

const order = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['id', 'items'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 3 },
    email: { type: 'string', format: 'email' },
    kind: { enum: ['retail', 'wholesale'] },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['price'],
        properties: { price: { type: 'number', minimum: 0 } },
      },
    },
    shipTo: {
      type: 'object',
      required: ['city'],
      properties: { city: { type: 'string' } },
    },
  },
}

describe('JSON Schema validation', () => {
  const codec = compileJsonSchema(JSON.stringify(order))

  it('accepts a valid document and writes it as UTF-8 JSON text', () => {
    const value = { id: 'o-1', items: [{ price: 1 }], email: 'a@b.io' }
    const written = codec.write(value)
    expect(written.ok && written.payload.toString('utf8')).toBe(
      '{"id":"o-1","items":[{"price":1}],"email":"a@b.io"}'
    )
    expect(written.ok && codec.read(written.payload)).toEqual({
      id: 'o-1',
      items: [{ price: 1 }],
      email: 'a@b.io',
    })
  })

  it('reports every error with a JSON pointer to the property concerned', () => {
    const value = {
      id: 'ab',
      email: 'nope',
      kind: 'resale',
      items: [{ price: -1 }, {}, 'x'],
      shipTo: {},
      extra: 1,
    }
    expect(codec.validate(value)).toEqual([
      { path: '/extra', message: 'unknown property "extra"' },
      { path: '/id', message: 'must NOT have fewer than 3 characters, got string "ab"' },
      { path: '/email', message: 'expected format "email", got string "nope"' },
      { path: '/kind', message: 'expected one of "retail", "wholesale", got string "resale"' },
      { path: '/items/0/price', message: 'must be >= 0, got number -1' },
      { path: '/items/1/price', message: 'missing required property "price"' },
      { path: '/items/2', message: 'expected object, got string "x"' },
      { path: '/shipTo/city', message: 'missing required property "city"' },
    ])
  })

  it('points a missing top-level property at /name', () => {
    expect(codec.validate({ id: 'abc' })).toEqual([
      { path: '/items', message: 'missing required property "items"' },
    ])
  })

  it('escapes property names in pointers', () => {
    const c = compileJsonSchema({ type: 'object', required: ['a/b'] })
    expect(c.validate({})).toEqual([{ path: '/a~1b', message: 'missing required property "a/b"' }])
  })

  it('refuses nothing at all', () => {
    expect(codec.write(undefined)).toEqual({
      ok: false,
      violations: [{ path: '', message: 'expected a JSON value, got nothing' }],
    })
  })
})

describe('JSON Schema drafts', () => {
  it('uses draft-07 by default and the draft $schema names otherwise', () => {
    expect(draftOf({})).toBe('draft-07')
    expect(draftOf({ $schema: 'https://json-schema.org/draft/2020-12/schema' })).toBe('2020-12')
    expect(draftOf({ $schema: 'https://json-schema.org/draft/2019-09/schema#' })).toBe('2019-09')
    expect(draftOf({ $schema: 'http://json-schema.org/draft-06/schema#' })).toBe('draft-06')
    expect(() => draftOf({ $schema: 'http://json-schema.org/draft-04/schema#' })).toThrow(
      /draft-04.*not supported/
    )
  })

  it('validates 2020-12 keywords (prefixItems, unevaluatedProperties)', () => {
    const c = compileJsonSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }] },
      },
      unevaluatedProperties: false,
    })
    expect(c.validate({ pair: ['a', 'b'], other: 1 })).toEqual([
      { path: '/pair/1', message: 'expected integer, got string "b"' },
      { path: '/other', message: 'unknown property "other"' },
    ])
  })

  it('resolves references registered alongside', () => {
    const c = compileJsonSchema(
      { type: 'object', properties: { address: { $ref: 'address.json' } } },
      [
        {
          name: 'address.json',
          format: 'json-schema',
          schema: JSON.stringify({ type: 'object', required: ['city'] }),
        },
      ]
    )
    expect(c.validate({ address: {} })).toEqual([
      { path: '/address/city', message: 'missing required property "city"' },
    ])
  })

  it('throws for invalid schemas, with ajv’s reason', () => {
    expect(() => compileJsonSchema({ type: 'nope' })).toThrow(/schema is invalid/)
    expect(() => compileJsonSchema('{')).toThrow(/not JSON/)
  })

  it('ignores keywords it does not know (registry schemas carry annotations)', () => {
    expect(compileJsonSchema({ type: 'string', javaType: 'x.Y' }).validate('s')).toEqual([])
  })
})
