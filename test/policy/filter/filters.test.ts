import { describe, expect, it } from 'vitest'
import type { StreamFiltersConfig } from '../../../src/config/index.ts'
import { compileFilters, keyText } from '../../../src/policy/filter/filters.ts'
import type { StreamRecord } from '../../../src/stream/record.ts'

function record(fields: Partial<StreamRecord> = {}): StreamRecord {
  return {
    topic: 'orders',
    partition: 0,
    offset: '0',
    timestamp: '0',
    key: 'eu-42',
    headers: { source: 'web', region: 'eu-west-1' },
    value: { status: 'paid', total: 120, items: [{ sku: 'a' }] },
    tombstone: false,
    encoding: { key: 'text', value: 'json' },
    ...fields,
  }
}

const passes = (config: StreamFiltersConfig, r: StreamRecord = record()): boolean =>
  compileFilters(config)(r)

describe('compileFilters', () => {
  it('lets everything through when empty', () => {
    expect(passes({})).toBe(true)
    expect(passes({ keys: [], headers: {}, json: [] })).toBe(true)
    expect(passes({}, record({ key: null, value: null, tombstone: true }))).toBe(true)
  })

  describe('keys', () => {
    it.each([
      [['eu-*'], true],
      [['us-*', 'eu-4?'], true],
      [['eu-42'], true],
      [['eu-4'], false],
      [['us-*'], false],
    ])('%j on key "eu-42": %s', (keys, expected) => {
      expect(passes({ keys })).toBe(expected)
    })

    it('never matches a record without a key, even with *', () => {
      expect(passes({ keys: ['*'] }, record({ key: null }))).toBe(false)
      expect(passes({ keys: ['*'] })).toBe(true)
    })

    it('matches the text form of JSON keys', () => {
      expect(passes({ keys: ['42'] }, record({ key: 42 }))).toBe(true)
      expect(passes({ keys: ['{"id":*}'] }, record({ key: { id: 7 } }))).toBe(true)
    })
  })

  describe('headers', () => {
    it('requires every named header to match its glob', () => {
      expect(passes({ headers: { source: 'web' } })).toBe(true)
      expect(passes({ headers: { source: 'web', region: 'eu-*' } })).toBe(true)
      expect(passes({ headers: { source: 'web', region: 'us-*' } })).toBe(false)
    })

    it('treats * as "present" and a missing header as no match', () => {
      expect(passes({ headers: { source: '*' } })).toBe(true)
      expect(passes({ headers: { trace: '*' } })).toBe(false)
    })

    it('compares names case-sensitively, as Kafka does', () => {
      expect(passes({ headers: { Source: 'web' } })).toBe(false)
    })

    it('does not see prototype members of a plain header object', () => {
      expect(passes({ headers: { constructor: '*' } })).toBe(false)
    })
  })

  describe('json', () => {
    it('requires every predicate to hold', () => {
      const json = [
        { pointer: '/status', equals: 'paid' },
        { pointer: '/total', gt: 100 },
      ]
      expect(passes({ json })).toBe(true)
      expect(passes({ json }, record({ value: { status: 'paid', total: 50 } }))).toBe(false)
    })

    it('sees no document in tombstones and base64 values', () => {
      const absent = { json: [{ pointer: '', exists: false }] }
      const present = { json: [{ pointer: '', exists: true }] }
      expect(passes(absent, record({ value: null, tombstone: true }))).toBe(true)
      expect(passes(present, record({ value: null, tombstone: true }))).toBe(false)
      const binary = record({ value: 'AAE=', encoding: { value: 'base64' } })
      expect(passes(absent, binary)).toBe(true)
    })

    it('looks into text values only at the root', () => {
      const text = record({ value: 'hello', encoding: { value: 'text' } })
      expect(passes({ json: [{ pointer: '', equals: 'hello' }] }, text)).toBe(true)
      expect(passes({ json: [{ pointer: '/0', exists: true }] }, text)).toBe(false)
    })
  })

  it('combines keys, headers and predicates with AND', () => {
    const config: StreamFiltersConfig = {
      keys: ['eu-*'],
      headers: { source: 'web' },
      json: [{ pointer: '/items/0/sku', in: ['a', 'b'] }],
    }
    expect(passes(config)).toBe(true)
    expect(passes(config, record({ key: 'us-1' }))).toBe(false)
    expect(passes(config, record({ headers: { source: 'app' } }))).toBe(false)
    expect(passes(config, record({ value: { items: [{ sku: 'c' }] } }))).toBe(false)
  })
})

describe('keyText', () => {
  it.each([
    ['abc', 'abc'],
    [42, '42'],
    [true, 'true'],
    [{ a: [1] }, '{"a":[1]}'],
    [null, undefined],
  ])('%j → %j', (key, text) => {
    expect(keyText(key)).toBe(text)
  })
})
