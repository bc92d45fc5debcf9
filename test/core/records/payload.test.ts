import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBytes, type FormatMode } from '../../../src/core/records/payload.ts'

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8')
const invalidUtf8 = Buffer.from([0xc3, 0x28, 0xff])

describe('decodeBytes auto', () => {
  it.each([
    ['{"a":1,"b":[true,null]}', { a: 1, b: [true, null] }],
    ['  [1, 2]\n', [1, 2]],
    ['"quoted"', 'quoted'],
    ['42', 42],
    ['-1.5', -1.5],
    ['true', true],
    ['null', null],
  ])('parses JSON %j', (text, value) => {
    expect(decodeBytes(utf8(text), 'auto')).toEqual({ value, encoding: 'json' })
  })

  it.each(['hello', 'true story', '{not json', '00123', '', 'ünïcödé ✓'])(
    'keeps UTF-8 that is not JSON as text: %j',
    (text) => {
      expect(decodeBytes(utf8(text), 'auto')).toEqual({ value: text, encoding: 'text' })
    }
  )

  it('keeps a bare integer a double cannot hold as its text, not a changed number', () => {
    expect(decodeBytes(utf8('12345678901234567890'), 'auto')).toEqual({
      value: '12345678901234567890',
      encoding: 'text',
    })
    expect(decodeBytes(utf8('1e400'), 'auto').encoding).toBe('text')
    expect(decodeBytes(utf8('9007199254740991'), 'auto').value).toBe(9007199254740991)
  })

  it('gives invalid UTF-8 as base64', () => {
    expect(decodeBytes(invalidUtf8, 'auto')).toEqual({
      value: invalidUtf8.toString('base64'),
      encoding: 'base64',
    })
  })

  it('treats bytes holding a NUL as binary, even when they are valid UTF-8', () => {
    const bytes = Buffer.from([0, 0, 0, 0, 7, 0x68, 0x69])
    expect(decodeBytes(bytes, 'auto')).toEqual({ value: 'AAAAAAdoaQ==', encoding: 'base64' })
    expect(decodeBytes(utf8('a\u0000b'), 'auto').encoding).toBe('base64')
  })
})

describe('decodeBytes forced modes', () => {
  it('json parses, falls back to text, then to base64', () => {
    expect(decodeBytes(utf8('{"x":1}'), 'json')).toEqual({ value: { x: 1 }, encoding: 'json' })
    expect(decodeBytes(utf8('plain'), 'json')).toEqual({ value: 'plain', encoding: 'text' })
    expect(decodeBytes(invalidUtf8, 'json').encoding).toBe('base64')
  })

  it('text decodes UTF-8 without parsing, and never mangles invalid bytes', () => {
    expect(decodeBytes(utf8('{"x":1}'), 'text')).toEqual({ value: '{"x":1}', encoding: 'text' })
    expect(decodeBytes(utf8('a\u0000b'), 'text')).toEqual({ value: 'a\u0000b', encoding: 'text' })
    expect(decodeBytes(invalidUtf8, 'text').encoding).toBe('base64')
  })

  it('base64 always encodes', () => {
    expect(decodeBytes(utf8('{"x":1}'), 'base64')).toEqual({
      value: 'eyJ4IjoxfQ==',
      encoding: 'base64',
    })
    expect(decodeBytes(Buffer.alloc(0), 'base64')).toEqual({ value: '', encoding: 'base64' })
  })

  it('loses no bytes in any mode: every result decodes back to the input', () => {
    const modes = fc.constantFrom<FormatMode>('auto', 'json', 'text', 'base64')
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), modes, (raw, mode) => {
        const bytes = Buffer.from(raw)
        const { value, encoding } = decodeBytes(bytes, mode)
        if (encoding === 'base64') {
          expect(Buffer.from(value as string, 'base64').equals(bytes)).toBe(true)
        } else if (encoding === 'text') {
          expect(utf8(value as string).equals(bytes)).toBe(true)
        } else {
          expect(value).toEqual(JSON.parse(bytes.toString('utf8')))
        }
      })
    )
  })
})
