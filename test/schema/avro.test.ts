import avro from 'avsc'
import { describe, expect, it } from 'vitest'
import { compileAvro } from '../../src/schema/avro.ts'
import type { Codec } from '../../src/schema/types.ts'

const order = {
  type: 'record',
  name: 'Order',
  namespace: 'weir.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'note', type: ['null', 'string'], default: null },
    {
      name: 'items',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'Item',
          fields: [
            { name: 'sku', type: 'string' },
            { name: 'price', type: 'double' },
            { name: 'qty', type: 'int', default: 1 },
          ],
        },
      },
      default: [],
    },
  ],
}

/** Encodes, then decodes with a plain avsc type: proves the bytes are standard Avro. */
function roundTrip(codec: Codec, schema: object, value: unknown): unknown {
  const written = codec.write(value)
  if (!written.ok) throw new Error(JSON.stringify(written.violations))
  return avro.Type.forSchema(schema as avro.schema.AvroSchema).fromBuffer(written.payload)
}

function violations(codec: Codec, value: unknown) {
  return codec.validate(value)
}

describe('Avro validation', () => {
  const codec = compileAvro(order)

  it('accepts a valid record and encodes standard Avro binary', () => {
    const value = { id: 'o-1', amount: 12.5, note: 'rush', items: [{ sku: 'a', price: 1 }] }
    expect(roundTrip(codec, order, value)).toEqual({
      ...value,
      items: [{ sku: 'a', price: 1, qty: 1 }],
    })
  })

  it('reports every violation with its JSON pointer, not just the first', () => {
    const value = {
      id: 7,
      items: [
        { sku: 'a', price: 'abc' },
        { price: 2, qty: 1.5 },
      ],
      extra: true,
    }
    expect(violations(codec, value)).toEqual([
      { path: '/id', message: 'expected string, got number 7' },
      { path: '/amount', message: 'missing required field "amount"' },
      { path: '/items/0/price', message: 'expected double, got string "abc"' },
      { path: '/items/1/sku', message: 'missing required field "sku"' },
      { path: '/items/1/qty', message: 'expected int, got number 1.5' },
      { path: '/extra', message: 'unknown field "extra"' },
    ])
  })

  it('reports unknown fields (avsc alone would drop them silently), suggesting near names', () => {
    const value = { id: 'o-1', amount: 1, nots: 'rush' }
    expect(violations(codec, value)).toEqual([
      { path: '/nots', message: 'unknown field "nots" (did you mean "note"?)' },
    ])
  })

  it('fills in defaults for missing fields', () => {
    expect(roundTrip(codec, order, { id: 'o-1', amount: 1 })).toEqual({
      id: 'o-1',
      amount: 1,
      note: null,
      items: [],
    })
  })

  it('lets a nullable field without a default be left out (it is null)', () => {
    const schema = {
      type: 'record',
      name: 'R',
      fields: [{ name: 'maybe', type: ['null', 'int'] }],
    }
    expect(roundTrip(compileAvro(schema), schema, {})).toEqual({ maybe: null })
  })

  it('treats fields named like Object.prototype members as ordinary fields', () => {
    const schema = {
      type: 'record',
      name: 'P',
      fields: [
        { name: 'constructor', type: 'string' },
        { name: 'toString', type: 'string', default: 'd' },
      ],
    }
    const c = compileAvro(schema)
    expect(c.validate({})).toEqual([
      { path: '/constructor', message: 'missing required field "constructor"' },
    ])
    const written = c.write({ constructor: 'c' })
    expect(written.ok && c.read(written.payload)).toEqual({ constructor: 'c', toString: 'd' })
  })

  it('escapes JSON pointer segments (RFC 6901)', () => {
    const schema = { type: 'map', values: 'int' }
    expect(violations(compileAvro(schema), { 'a/b~c': 'x' })).toEqual([
      { path: '/a~1b~0c', message: 'expected int, got string "x"' },
    ])
  })

  it('describes the top-level value with the empty pointer', () => {
    expect(violations(codec, 'nope')).toEqual([
      { path: '', message: 'expected record weir.test.Order, got string "nope"' },
    ])
    expect(violations(codec, [1])).toEqual([
      { path: '', message: 'expected record weir.test.Order, got an array' },
    ])
  })

  it('checks int range and long precision', () => {
    const schema = {
      type: 'record',
      name: 'N',
      fields: [
        { name: 'i', type: 'int' },
        { name: 'l', type: 'long' },
      ],
    }
    const c = compileAvro(schema)
    expect(violations(c, { i: 2 ** 31, l: 2 ** 60 })).toEqual([
      { path: '/i', message: 'expected int, got number 2147483648 (outside 32 bits)' },
      {
        path: '/l',
        message:
          'expected long, got number 1152921504606847000 (beyond ±2^53: send it as a string)',
      },
    ])
    // Beyond 2^53 a long travels as text, and reads back as text.
    const written = c.write({ i: 1, l: '9007199254740993' })
    expect(written.ok && c.read(written.payload)).toEqual({ i: 1, l: '9007199254740993' })
  })
})

describe('Avro writing', () => {
  const codec = compileAvro(order)
  const plain = avro.Type.forSchema(order as avro.schema.AvroSchema)
  const sized = (bytes: number) => ({ id: 'x'.repeat(bytes), amount: 1, note: null, items: [] })

  // 64 KiB is the scratch buffer's first size, 1 MiB the most it keeps.
  for (const bytes of [10, 2000, 70_000, 1_100_000, 30]) {
    it(`writes a ${bytes}-byte string field as avsc does, after the headroom asked for`, () => {
      const value = sized(bytes)
      const bare = codec.write(value)
      const framed = codec.write(value, 5)
      if (!bare.ok || !framed.ok) throw new Error('expected success')
      expect(bare.payload.equals(plain.toBuffer(value))).toBe(true)
      expect(framed.payload.length).toBe(bare.payload.length + 5)
      expect(framed.payload.subarray(5).equals(bare.payload)).toBe(true)
    })
  }

  it('writes longs as standard Avro, numbers and bigints alike', () => {
    const schema = { type: 'record', name: 'L', fields: [{ name: 'n', type: 'long' }] }
    const longs = compileAvro(schema)
    const stock = avro.Type.forSchema(schema as avro.schema.AvroSchema)
    const safe = [0, 1, -1, 63, -64, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, -(2 ** 32) - 1]
    for (const n of safe) {
      const written = longs.write({ n })
      expect(written.ok && written.payload.equals(stock.toBuffer({ n }))).toBe(true)
      expect(written.ok && longs.read(written.payload)).toEqual({ n })
    }
    for (const n of [
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      -(2n ** 63n),
      2n ** 63n - 1n,
      2n ** 53n,
      -(2n ** 53n) - 1n,
    ]) {
      const written = longs.write({ n })
      // Read back JSON-friendly: a long past 2^53 as its decimal text.
      expect(written.ok && longs.read(written.payload)).toEqual({
        n: typeof n === 'bigint' ? String(n) : n,
      })
    }
    // The largest long: zig-zag 2^64 - 2, ten bytes, all but the last with the continuation bit.
    const top = longs.write({ n: 2n ** 63n - 1n })
    expect(top.ok && [...top.payload]).toEqual([...Array(9).fill(0xfe).fill(0xff, 1), 0x01])
  })

  it('gives each record bytes of its own (the scratch buffer is reused)', () => {
    const first = codec.write(sized(100))
    const second = codec.write(sized(200))
    if (!first.ok || !second.ok) throw new Error('expected success')
    expect(plain.fromBuffer(first.payload)).toMatchObject({ id: 'x'.repeat(100) })
    expect(plain.fromBuffer(second.payload)).toMatchObject({ id: 'x'.repeat(200) })
  })
})

describe('Avro unions', () => {
  const schema = {
    type: 'record',
    name: 'Event',
    namespace: 'weir.test',
    fields: [
      { name: 'note', type: ['null', 'string'], default: null },
      {
        name: 'shipTo',
        type: [
          'null',
          {
            type: 'record',
            name: 'Address',
            fields: [{ name: 'city', type: 'string' }],
          },
        ],
        default: null,
      },
      { name: 'n', type: ['null', 'int', 'long', 'double'], default: null },
    ],
  }
  const codec = compileAvro(schema)
  const plain = avro.Type.forSchema(schema as avro.schema.AvroSchema, { wrapUnions: true })
  const decode = (value: unknown) => {
    const written = codec.write(value)
    if (!written.ok) throw new Error(JSON.stringify(written.violations))
    return JSON.parse(JSON.stringify(plain.fromBuffer(written.payload)))
  }

  it('accepts the natural form a person writes', () => {
    expect(decode({ note: 'rush', shipTo: { city: 'Oslo' }, n: 5 })).toEqual({
      note: { string: 'rush' },
      shipTo: { 'weir.test.Address': { city: 'Oslo' } },
      n: { int: 5 },
    })
    expect(decode({ note: null, shipTo: null, n: null })).toEqual({
      note: null,
      shipTo: null,
      n: null,
    })
  })

  it('accepts the Avro JSON wrapped form, with full or short names', () => {
    const value = {
      note: { string: 'rush' },
      shipTo: { Address: { city: 'Oslo' } },
      n: { long: 5 },
    }
    expect(decode(value)).toEqual({
      note: { string: 'rush' },
      shipTo: { 'weir.test.Address': { city: 'Oslo' } },
      n: { long: 5 },
    })
    expect(
      decode({ shipTo: { 'weir.test.Address': { city: 'Oslo' } }, n: { null: null } }).shipTo
    ).toEqual({ 'weir.test.Address': { city: 'Oslo' } })
  })

  it('picks the first branch that accepts a number: int, then long, then double', () => {
    expect(decode({ n: 5 }).n).toEqual({ int: 5 })
    expect(decode({ n: 2 ** 40 }).n).toEqual({ long: 2 ** 40 })
    expect(decode({ n: 1.5 }).n).toEqual({ double: 1.5 })
  })

  it('reports a mismatch against the branches', () => {
    expect(violations(codec, { note: 5 })).toEqual([
      { path: '/note', message: 'expected null or string, got number 5' },
    ])
  })

  it('reports violations inside the one branch of the value’s kind (a typo in a record)', () => {
    expect(violations(codec, { shipTo: { cty: 'Oslo' } })).toEqual([
      { path: '/shipTo/city', message: 'missing required field "city"' },
      { path: '/shipTo/cty', message: 'unknown field "cty" (did you mean "city"?)' },
    ])
  })

  it('for a nullable field, says what the one real branch needs when that says more', () => {
    const s = {
      type: 'record',
      name: 'Opt',
      fields: [
        { name: 'at', type: ['null', { type: 'long', logicalType: 'timestamp-millis' }] },
        { name: 'n', type: ['null', 'int'] },
        { name: 's', type: ['null', 'string'] },
      ],
    }
    expect(compileAvro(s).validate({ at: '2024-01-02', n: 2 ** 31, s: 1 })).toEqual([
      {
        path: '/at',
        message:
          'expected epoch millis or an ISO-8601 date-time with a time zone (timestamp-millis), got string "2024-01-02"',
      },
      { path: '/n', message: 'expected int, got number 2147483648 (outside 32 bits)' },
      { path: '/s', message: 'expected null or string, got number 1' },
    ])
  })

  it('points into the wrapped form when the wrapped value is wrong', () => {
    expect(violations(codec, { note: { string: 5 } })).toEqual([
      { path: '/note/string', message: 'expected string, got number 5' },
    ])
  })

  it('tells two record branches apart by their fields, first match winning', () => {
    const two = {
      type: 'record',
      name: 'Holder',
      fields: [
        {
          name: 'payment',
          type: [
            { type: 'record', name: 'Card', fields: [{ name: 'number', type: 'string' }] },
            { type: 'record', name: 'Iban', fields: [{ name: 'iban', type: 'string' }] },
            {
              type: 'record',
              name: 'Either',
              fields: [{ name: 'iban', type: 'string' }],
            },
          ],
        },
      ],
    }
    const c = compileAvro(two)
    const t = avro.Type.forSchema(two as avro.schema.AvroSchema, { wrapUnions: true })
    const branchOf = (value: unknown) => {
      const written = c.write(value)
      if (!written.ok) throw new Error(JSON.stringify(written.violations))
      return Object.keys((t.fromBuffer(written.payload) as { payment: object }).payment)
    }
    expect(branchOf({ payment: { number: '4111' } })).toEqual(['Card'])
    expect(branchOf({ payment: { iban: 'NO93' } })).toEqual(['Iban'])
    expect(violations(c, { payment: { bic: 'x' } })).toEqual([
      {
        path: '/payment',
        message: 'expected record Card or record Iban or record Either, got an object',
      },
    ])
  })

  it('prefers a branch of the value’s own kind before coercing (string before bytes)', () => {
    const s = { type: 'record', name: 'B', fields: [{ name: 'v', type: ['bytes', 'string'] }] }
    const t = avro.Type.forSchema(s as avro.schema.AvroSchema, { wrapUnions: true })
    const written = compileAvro(s).write({ v: 'AAEC' })
    expect(written.ok && t.fromBuffer(written.payload)).toMatchObject({ v: { string: 'AAEC' } })
  })

  it('reads a map with a single key named like a branch as a map when the wrap fails', () => {
    const s = { type: 'map', values: ['null', { type: 'map', values: 'int' }] }
    const c = compileAvro(s)
    const written = c.write({ a: { null: 5 } })
    expect(written.ok && c.read(written.payload)).toEqual({ a: { null: 5 } })
  })

  it('decodes unions to their natural form', () => {
    const written = codec.write({ note: { string: 'rush' }, shipTo: { city: 'Oslo' }, n: 2.5 })
    expect(written.ok && codec.read(written.payload)).toEqual({
      note: 'rush',
      shipTo: { city: 'Oslo' },
      n: 2.5,
    })
  })
})

describe('Avro types', () => {
  it('handles enums, fixed and bytes (base64), maps, nested and named type references', () => {
    const schema = {
      type: 'record',
      name: 'Doc',
      namespace: 'acme',
      fields: [
        { name: 'color', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'] } },
        { name: 'other', type: 'Color' },
        { name: 'hash', type: { type: 'fixed', name: 'Md5', size: 4 } },
        { name: 'blob', type: 'bytes' },
        { name: 'counts', type: { type: 'map', values: { type: 'array', items: 'long' } } },
        { name: 'parent', type: ['null', 'Doc'], default: null },
      ],
    }
    const c = compileAvro(schema)
    const value = {
      color: 'RED',
      other: 'GREEN',
      hash: 'AQIDBA==',
      blob: '',
      counts: { a: [1, 2], b: [] },
      parent: {
        color: 'GREEN',
        other: 'RED',
        hash: Buffer.from([9, 9, 9, 9]),
        blob: 'aGk',
        counts: {},
      },
    }
    const written = c.write(value)
    expect(written.ok && c.read(written.payload)).toEqual({
      ...value,
      parent: { ...value.parent, hash: 'CQkJCQ==', blob: 'aGk=', parent: null },
    })
    expect(
      c.validate({
        ...value,
        color: 'GRN',
        hash: 'AQID',
        blob: 'not base64!',
        counts: { a: ['x'] },
      })
    ).toEqual([
      {
        path: '/color',
        message:
          'expected one of "RED", "GREEN" (enum acme.Color), got string "GRN" (did you mean "GREEN"?)',
      },
      { path: '/hash', message: 'expected fixed acme.Md5, got string "AQID" (4 bytes expected)' },
      {
        path: '/blob',
        message: 'expected bytes, got string "not base64!" (bytes are base64 text)',
      },
      { path: '/counts/a/0', message: 'expected long, got string "x"' },
    ])
  })

  it('applies the schema namespace to unqualified references', () => {
    const schema = {
      type: 'record',
      name: 'Outer',
      namespace: 'a.b',
      fields: [
        {
          name: 'x',
          type: { type: 'record', name: 'Inner', fields: [{ name: 'v', type: 'int' }] },
        },
        { name: 'y', type: ['null', 'a.b.Inner'] },
      ],
    }
    const c = compileAvro(schema)
    expect(c.validate({ x: { v: 1 }, y: { 'a.b.Inner': { v: 2 } } })).toEqual([])
    expect(c.validate({ x: { v: 1 }, y: { Inner: { v: 2 } } })).toEqual([])
  })

  it('accepts NaN and infinities as strings for float and double, and reads them back so', () => {
    const c = compileAvro({ type: 'array', items: 'double' })
    const written = c.write(['NaN', 'Infinity', '-Infinity', 1])
    expect(written.ok && c.read(written.payload)).toEqual(['NaN', 'Infinity', '-Infinity', 1])
  })

  it('compiles recursive schemas', () => {
    const list = {
      type: 'record',
      name: 'Node',
      fields: [
        { name: 'v', type: 'int' },
        { name: 'next', type: ['null', 'Node'], default: null },
      ],
    }
    const c = compileAvro(list)
    expect(c.validate({ v: 1, next: { v: 2, next: { v: 'x' } } })).toEqual([
      { path: '/next/next/v', message: 'expected int, got string "x"' },
    ])
  })

  it('takes bare primitive schemas, as text or JSON text', () => {
    expect(compileAvro('string').validate('x')).toEqual([])
    expect(compileAvro('"long"').validate(1.5)).toEqual([
      { path: '', message: 'expected long, got number 1.5' },
    ])
  })

  it('throws for schemas that are not Avro', () => {
    expect(() => compileAvro({ type: 'record', name: 'X' })).toThrow()
    expect(() => compileAvro('{nope')).toThrow(/not JSON/)
  })
})
