import avro from 'avsc'
import { describe, expect, it } from 'vitest'
import { compileAvro } from '../../src/schema/avro.ts'
import { readDecimal, toUnscaled, unscaledBytes } from '../../src/schema/avro-decimal.ts'
import { parseDate, parseDateTime, parseTime } from '../../src/schema/avro-time.ts'

const logical = (type: string, logicalType: string, extra: object = {}) => ({
  type,
  logicalType,
  ...extra,
})

const schema = {
  type: 'record',
  name: 'Times',
  fields: [
    { name: 'at', type: logical('long', 'timestamp-millis') },
    { name: 'atMicros', type: logical('long', 'timestamp-micros'), default: 0 },
    { name: 'local', type: logical('long', 'local-timestamp-millis'), default: 0 },
    { name: 'day', type: logical('int', 'date'), default: 0 },
    { name: 'time', type: logical('int', 'time-millis'), default: 0 },
    {
      name: 'id',
      type: logical('string', 'uuid'),
      default: '00000000-0000-0000-0000-000000000000',
    },
    {
      name: 'price',
      type: logical('bytes', 'decimal', { precision: 6, scale: 2 }),
      default: '\u0000',
    },
    {
      name: 'fixedPrice',
      type: { type: 'fixed', name: 'F', size: 2, logicalType: 'decimal', precision: 4, scale: 1 },
      default: '\u0000\u0000',
    },
    { name: 'maybeAt', type: ['null', logical('long', 'timestamp-millis')], default: null },
  ],
}
const codec = compileAvro(schema)
/** avsc without logical types: what any Avro reader sees. */
const raw = avro.Type.forSchema(schema as avro.schema.AvroSchema, { wrapUnions: true })

function written(value: object): Record<string, unknown> {
  const result = codec.write({ at: 0, ...value })
  if (!result.ok) throw new Error(JSON.stringify(result.violations))
  return raw.fromBuffer(result.payload) as Record<string, unknown>
}

describe('Avro logical types', () => {
  it('takes epoch numbers as they are', () => {
    expect(written({ at: 1_700_000_000_000, day: 19_000, time: 1000 })).toMatchObject({
      at: 1_700_000_000_000,
      day: 19_000,
      time: 1000,
    })
  })

  it('takes ISO-8601 text and Dates for timestamps, dates and times', () => {
    const out = written({
      at: '2024-01-02T03:04:05.678Z',
      atMicros: '2024-01-02T04:04:05.678901+01:00',
      local: '2024-01-02T03:04:05',
      day: '2024-01-02',
      time: '03:04:05.678',
      maybeAt: new Date(Date.UTC(2024, 0, 2)),
    })
    expect(out).toMatchObject({
      at: Date.UTC(2024, 0, 2, 3, 4, 5, 678),
      atMicros: Date.UTC(2024, 0, 2, 3, 4, 5, 678) * 1000 + 901,
      local: Date.UTC(2024, 0, 2, 3, 4, 5),
      day: 19_724,
      time: (3 * 3600 + 4 * 60 + 5) * 1000 + 678,
      maybeAt: { long: Date.UTC(2024, 0, 2) },
    })
  })

  it('explains what a timestamp accepts when the text is not one', () => {
    expect(codec.validate({ at: '2024-01-02T03:04:05', day: '2024-02-30', time: '25:00' })).toEqual(
      [
        {
          path: '/at',
          message:
            'expected epoch millis or an ISO-8601 date-time with a time zone (timestamp-millis), got string "2024-01-02T03:04:05"',
        },
        {
          path: '/day',
          message: 'expected days since the epoch or a date YYYY-MM-DD, got string "2024-02-30"',
        },
        {
          path: '/time',
          message:
            'expected millis since midnight or a time of day HH:MM:SS (time-millis), got string "25:00"',
        },
      ]
    )
    expect(codec.validate({ at: true })).toEqual([
      { path: '/at', message: 'expected long (timestamp-millis), got boolean true' },
    ])
  })

  it('checks uuids', () => {
    expect(written({ id: '123e4567-e89b-12d3-a456-426614174000' }).id).toBe(
      '123e4567-e89b-12d3-a456-426614174000'
    )
    expect(codec.validate({ at: 0, id: 'nope' })).toEqual([
      { path: '/id', message: 'expected a UUID, got string "nope"' },
    ])
  })

  it('encodes decimals from numbers and strings, exactly', () => {
    const out = written({ price: '-12.5', fixedPrice: 12.3 })
    expect(readDecimal(out.price as Buffer, 2)).toBe('-12.50')
    expect(out.fixedPrice).toEqual(Buffer.from([0, 123]))
    expect(codec.validate({ at: 0, price: '1.234', fixedPrice: '1000' })).toEqual([
      {
        path: '/price',
        message:
          'expected a decimal(6,2): more than 2 digits after the decimal point, got string "1.234"',
      },
      {
        path: '/fixedPrice',
        message: 'expected a decimal(4,1): more than 4 significant digits, got string "1000"',
      },
    ])
  })

  it('reads logical types back: epoch numbers, and decimals as exact strings', () => {
    const result = codec.write({ at: '2024-01-02T00:00:00Z', price: 7, fixedPrice: '-0.5' })
    expect(result.ok && codec.read(result.payload)).toMatchObject({
      at: Date.UTC(2024, 0, 2),
      price: '7.00',
      fixedPrice: '-0.5',
      maybeAt: null,
    })
  })

  it('ignores a logical type on the wrong underlying type, as the spec says', () => {
    const c = compileAvro(logical('string', 'timestamp-millis'))
    expect(c.validate('not a time')).toEqual([])
  })
})

describe('ISO-8601 parsing', () => {
  it('parses instants to the unit, with offsets', () => {
    expect(parseDateTime('1970-01-01T00:00:01Z', 'millis', true)).toBe(1000n)
    expect(parseDateTime('1970-01-01T01:00:00+01:00', 'millis', true)).toBe(0n)
    expect(parseDateTime('1970-01-01T00:00:00.000000001Z', 'nanos', true)).toBe(1n)
  })

  it('refuses more digits than the unit holds, missing or unwanted zones, bad dates', () => {
    expect(parseDateTime('1970-01-01T00:00:00.0001Z', 'millis', true)).toBeUndefined()
    expect(parseDateTime('1970-01-01T00:00:00.1000Z', 'millis', true)).toBe(100n)
    expect(parseDateTime('1970-01-01T00:00:00', 'millis', true)).toBeUndefined()
    expect(parseDateTime('1970-01-01T00:00:00Z', 'millis', false)).toBeUndefined()
    expect(parseDateTime('2023-02-29T00:00:00Z', 'millis', true)).toBeUndefined()
  })

  it('parses dates and times of day', () => {
    expect(parseDate('1970-01-02')).toBe(1)
    expect(parseDate('1969-12-31')).toBe(-1)
    expect(parseTime('00:00:01.5', 'micros')).toBe(1_500_000n)
    expect(parseTime('24:00', 'millis')).toBeUndefined()
  })
})

describe('decimals', () => {
  it('scales text and numbers, dropping only trailing zeros', () => {
    expect(toUnscaled('12.3400', 10, 2)).toBe(1234n)
    expect(toUnscaled(1.5e3, 10, 2)).toBe(150000n)
    expect(toUnscaled('-0.01', 3, 2)).toBe(-1n)
    expect(toUnscaled('1e-3', 10, 2)).toMatch(/more than 2 digits/)
    expect(toUnscaled('abc', 10, 2)).toBe('not a decimal number')
  })

  it('writes minimal two’s complement, or sign-extends to a fixed size', () => {
    expect([...(unscaledBytes(127n) as Buffer)]).toEqual([127])
    expect([...(unscaledBytes(128n) as Buffer)]).toEqual([0, 128])
    expect([...(unscaledBytes(-1n, 3) as Buffer)]).toEqual([255, 255, 255])
    expect(unscaledBytes(70000n, 2)).toBeUndefined()
    expect(readDecimal(Buffer.from([255, 255, 255]), 1)).toBe('-0.1')
    expect(readDecimal(Buffer.from([0, 128]), 0)).toBe('128')
  })
})
