// The Reader and Writer: primitive round trips, Kafka's varint encodings, values a type cannot
// hold, and hostile length prefixes that must fail before allocating anything.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CodecError } from '../../src/protocol/codec-error.ts'
import { Reader } from '../../src/protocol/reader.ts'
import { deepEqual, ZERO_UUID } from '../../src/protocol/values.ts'
import { Writer } from '../../src/protocol/writer.ts'

function written(write: (w: Writer) => void): Buffer {
  const w = new Writer(1)
  write(w)
  return w.finish()
}

const hex = (text: string): Buffer => Buffer.from(text.replaceAll(' ', ''), 'hex')

describe('varints', () => {
  it.each([
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '80 01'],
    [300, 'ac 02'],
    [0xffffffff, 'ff ff ff ff 0f'],
  ])('unsigned %d is %s', (value, bytes) => {
    expect(written((w) => w.uvarint(value))).toEqual(hex(bytes))
    expect(new Reader(hex(bytes)).uvarint()).toBe(value)
  })

  it.each([
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [-64, '7f'],
    [64, '80 01'],
    [2147483647, 'fe ff ff ff 0f'],
    [-2147483648, 'ff ff ff ff 0f'],
  ])('zigzag %d is %s', (value, bytes) => {
    expect(written((w) => w.varint(value))).toEqual(hex(bytes))
    expect(new Reader(hex(bytes)).varint()).toBe(value)
  })

  it.each([
    [0n, '00'],
    [-1n, '01'],
    [2n ** 48n, '80 80 80 80 80 80 80 01'],
    [2n ** 63n - 1n, 'fe ff ff ff ff ff ff ff ff 01'],
    [-(2n ** 63n), 'ff ff ff ff ff ff ff ff ff 01'],
  ])('varlong %d is %s', (value, bytes) => {
    expect(written((w) => w.varlong(value))).toEqual(hex(bytes))
    expect(new Reader(hex(bytes)).varlong()).toBe(value)
  })

  it('round-trips any 32- and 64-bit value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        (int, long) => {
          const r = new Reader(written((w) => (w.varint(int), w.varlong(long))))
          expect([r.varint(), r.varlong(), r.remaining]).toEqual([int, long, 0])
        }
      )
    )
  })

  it('refuses varints that run past 32 or 64 bits', () => {
    expect(() => new Reader(hex('ff ff ff ff 1f')).uvarint()).toThrow(CodecError)
    expect(() => new Reader(hex('ff ff ff ff ff 01')).uvarint()).toThrow(CodecError)
    expect(() => new Reader(hex('ff ff ff ff ff ff ff ff ff 02')).varlong()).toThrow(CodecError)
    expect(() => new Reader(hex('80 80')).uvarint()).toThrow(CodecError)
  })
})

describe('fixed-width values', () => {
  it('round-trips every primitive', () => {
    const w = new Writer(1)
    w.int8(-128)
    w.int16(-32768)
    w.int32(-(2 ** 31))
    w.int64(-(2n ** 63n))
    w.uint16(65535)
    w.uint32(2 ** 32 - 1)
    w.float64(-0.5)
    w.bool(true)
    w.uuid('AAECAwQFBgcICQoLDA0ODw')
    const r = new Reader(w.finish())
    expect([r.int8(), r.int16(), r.int32(), r.int64(), r.uint16(), r.uint32()]).toEqual([
      -128,
      -32768,
      -(2 ** 31),
      -(2n ** 63n),
      65535,
      2 ** 32 - 1,
    ])
    expect([r.float64(), r.bool(), r.uuid(), r.remaining]).toEqual([
      -0.5,
      true,
      'AAECAwQFBgcICQoLDA0ODw',
      0,
    ])
  })

  it('writes UUIDs as their 16 bytes', () => {
    expect(written((w) => w.uuid('AAECAwQFBgcICQoLDA0ODw'))).toEqual(
      hex('000102030405060708090a0b0c0d0e0f')
    )
    expect(written((w) => w.uuid(ZERO_UUID))).toEqual(Buffer.alloc(16))
  })

  it.each([
    ['int8 128', (w: Writer) => w.int8(128)],
    ['int16 1.5', (w: Writer) => w.int16(1.5)],
    ['int32 2^31', (w: Writer) => w.int32(2 ** 31)],
    ['int64 2^63', (w: Writer) => w.int64(2n ** 63n)],
    ['uint16 -1', (w: Writer) => w.uint16(-1)],
    ['uint32 NaN', (w: Writer) => w.uint32(NaN)],
    ['a short uuid', (w: Writer) => w.uuid('AAAA')],
    ['a null string', (w: Writer) => w.string(false, null)],
    ['a null array', (w: Writer) => w.array(true, null, () => {})],
    ['a null bytes', (w: Writer) => w.bytes(true, null)],
    ['a 32768-byte string', (w: Writer) => w.string(true, 'x'.repeat(32768))],
  ])('refuses to write %s', (_label, write) => {
    expect(() => write(new Writer())).toThrow(CodecError)
  })
})

describe('length-prefixed values', () => {
  it('writes classic and compact forms', () => {
    expect(written((w) => w.string(false, 'hé'))).toEqual(hex('0003 68c3a9'))
    expect(written((w) => w.string(true, 'hé'))).toEqual(hex('04 68c3a9'))
    expect(written((w) => w.nullableString(false, null))).toEqual(hex('ffff'))
    expect(written((w) => w.nullableString(true, null))).toEqual(hex('00'))
    expect(written((w) => w.nullableBytes(false, null))).toEqual(hex('ffffffff'))
    expect(written((w) => w.bytes(true, Buffer.from([9])))).toEqual(hex('02 09'))
    expect(written((w) => w.array(false, [1], (e) => w.int8(e)))).toEqual(hex('00000001 01'))
    expect(written((w) => w.nullableArray(true, null, () => {}))).toEqual(hex('00'))
  })

  it('refuses nulls where the type has none', () => {
    expect(() => new Reader(hex('ffff')).string(false)).toThrow(CodecError)
    expect(() => new Reader(hex('00')).bytes(true)).toThrow(CodecError)
    expect(() => new Reader(hex('ffffffff')).array(false, () => 0)).toThrow(CodecError)
  })

  it.each([
    ['array of 2^31-1', 'array', '7fffffff 00'],
    ['compact array of 2^32-2', 'array', 'ffffffff0f 00'],
    ['bytes of 2^31-1', 'bytes', '7fffffff 00'],
    ['string of 32767', 'string', '7fff 00'],
    ['negative length', 'bytes', 'fffffffe'],
  ])('refuses a hostile %s before allocating', (_label, kind, bytes) => {
    const compact = _label.startsWith('compact')
    const r = new Reader(hex(bytes))
    const read = {
      array: () => r.array(compact, () => r.int8()),
      bytes: () => r.bytes(compact),
      string: () => r.string(compact),
    }[kind]!
    expect(read).toThrow(/exceeds the input|negative/)
  })
})

describe('tagged fields', () => {
  it('merges unknown tags with known ones in tag order, with multi-byte sizes', () => {
    const target = {
      unknownTaggedFields: [
        { tag: 0, data: hex('aa') },
        { tag: 9, data: hex('bb') },
      ],
    }
    const w = new Writer(1)
    let cursor = w.taggedFields(target, 1)
    cursor = w.tagged(target, cursor, 4, () => w.raw(Buffer.alloc(200, 1)))
    w.unknownTagsFrom(target, cursor)
    const r = new Reader(w.finish())
    expect(r.uvarint()).toBe(3)
    expect([r.uvarint(), r.uvarint(), r.raw(1)]).toEqual([0, 1, hex('aa')])
    expect([r.uvarint(), r.uvarint()]).toEqual([4, 200])
    expect(r.raw(200)).toEqual(Buffer.alloc(200, 1))
    expect([r.uvarint(), r.uvarint(), r.raw(1), r.remaining]).toEqual([9, 1, hex('bb'), 0])
  })

  it('refuses a known tagged field that does not fill its declared size', () => {
    const r = new Reader(hex('0102'))
    expect(() => r.tagged(2, () => r.int8())).toThrow(/not read to its end/)
    expect(() => new Reader(hex('01')).tagged(5, () => 0)).toThrow(CodecError)
  })

  it('refuses unknown tags in a version without tagged fields', () => {
    const target = { unknownTaggedFields: [{ tag: 1, data: hex('00') }] }
    expect(() => new Writer().unknownTaggedFields(false, target, 'X')).toThrow(CodecError)
  })
})

describe('deepEqual', () => {
  it('compares decoded values structurally', () => {
    expect(deepEqual({ a: [1n, Buffer.from('x')] }, { a: [1n, Buffer.from('x')] })).toBe(true)
    expect(deepEqual({ a: Buffer.from('x') }, { a: Buffer.from('y') })).toBe(false)
    expect(deepEqual({ a: 1, unknownTaggedFields: [] }, { a: 1 })).toBe(true)
    expect(deepEqual({ a: 1 }, { a: 1, b: null })).toBe(false)
    expect(deepEqual([1, 2], [1])).toBe(false)
    expect(deepEqual(NaN, NaN)).toBe(true)
  })
})
