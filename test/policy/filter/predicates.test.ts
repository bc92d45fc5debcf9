import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compilePredicate, deepEqual } from '../../../src/policy/filter/predicates.ts'

const order = {
  status: 'paid',
  total: 120,
  tags: ['rush', 'gift'],
  addr: { zip: '1010' },
  note: null,
}

describe('compilePredicate', () => {
  it.each([
    [{ pointer: '/status', equals: 'paid' }, true],
    [{ pointer: '/status', equals: 'open' }, false],
    [{ pointer: '/addr', equals: { zip: '1010' } }, true],
    [{ pointer: '/addr', equals: { zip: 1010 } }, false],
    [{ pointer: '/tags', equals: ['rush', 'gift'] }, true],
    [{ pointer: '/tags', equals: ['gift', 'rush'] }, false],
    [{ pointer: '/note', equals: null }, true],
    [{ pointer: '/missing', equals: null }, false],
    [{ pointer: '/status', in: ['open', 'paid'] }, true],
    [{ pointer: '/status', in: ['open'] }, false],
    [{ pointer: '/addr', in: ['x', { zip: '1010' }] }, true],
    [{ pointer: '/missing', in: [null] }, false],
    [{ pointer: '/note', exists: true }, true],
    [{ pointer: '/missing', exists: true }, false],
    [{ pointer: '/missing', exists: false }, true],
    [{ pointer: '/total', gt: 100 }, true],
    [{ pointer: '/total', gt: 120 }, false],
    [{ pointer: '/total', lt: 121 }, true],
    [{ pointer: '/total', gt: 100, lt: 200 }, true],
    [{ pointer: '/total', gt: 100, lt: 110 }, false],
    [{ pointer: '/addr/zip', gt: 1000 }, false],
    [{ pointer: '/tags/1', equals: 'gift' }, true],
    [{ pointer: '/tags/length', exists: true }, false],
    [{ pointer: '/constructor', exists: true }, false],
    [{ pointer: '/status' }, true],
    [{ pointer: '/missing' }, false],
  ])('%j: %s', (predicate, expected) => {
    expect(compilePredicate(predicate)(order)).toBe(expected)
  })

  it('follows escaped pointer tokens (RFC 6901)', () => {
    const doc = { 'a/b': { 'c~d': 1 } }
    expect(compilePredicate({ pointer: '/a~1b/c~0d', equals: 1 })(doc)).toBe(true)
  })

  it('holds nothing but exists:false on an absent document', () => {
    expect(compilePredicate({ pointer: '', exists: false })(undefined)).toBe(true)
    expect(compilePredicate({ pointer: '/x', lt: 1 })(undefined)).toBe(false)
  })
})

describe('deepEqual', () => {
  it('ignores key order and compares arrays by position', () => {
    expect(deepEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true)
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false)
    expect(deepEqual([1, 2], { 0: 1, 1: 2 })).toBe(false)
    expect(deepEqual(null, {})).toBe(false)
  })

  it('agrees with comparing canonical JSON', () => {
    const canonical = (v: unknown): string =>
      JSON.stringify(v, (_k, x: unknown) =>
        x && typeof x === 'object' && !Array.isArray(x)
          ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1)))
          : x
      )
    const json = fc.jsonValue({ maxDepth: 3 })
    fc.assert(
      fc.property(json, json, (a, b) => {
        expect(deepEqual(a, b)).toBe(canonical(a) === canonical(b))
        expect(deepEqual(a, structuredClone(a))).toBe(true)
      })
    )
  })
})
