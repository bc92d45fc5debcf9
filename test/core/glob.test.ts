import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileGlob, compileGlobs } from '../../src/core/glob.ts'

/** A slow, obviously-correct glob matcher to compare the compiled one against. */
function reference(pattern: string, value: string): boolean {
  if (pattern === '') return value === ''
  const [head, rest] = [pattern[0], pattern.slice(1)]
  if (head === '*') {
    for (let i = 0; i <= value.length; i++) if (reference(rest, value.slice(i))) return true
    return false
  }
  if (value === '') return false
  return (head === '?' || head === value[0]) && reference(rest, value.slice(1))
}

describe('compileGlob', () => {
  it.each([
    ['orders', 'orders', true],
    ['orders', 'orders-eu', false],
    ['orders-*', 'orders-eu', true],
    ['orders-*', 'orders-', true],
    ['orders-*', 'order', false],
    ['*', '', true],
    ['*-dlq', 'orders-dlq', true],
    ['*-dlq', 'orders-dlq2', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['a.c', 'abc', false],
    ['a.c', 'a.c', true],
    ['(x)+[y]', '(x)+[y]', true],
    ['team-*-*', 'team-a-b', true],
    ['x*', 'x\ny', true],
  ])('%s matches %s: %s', (pattern, value, expected) => {
    expect(compileGlob(pattern)(value)).toBe(expected)
  })

  it('agrees with a reference matcher on arbitrary patterns and names', () => {
    const alphabet = fc.constantFrom('a', 'b', '.', '-', '*', '?', '(', '\\', '$')
    const text = fc.constantFrom('a', 'b', '.', '-', '(', '\\', '$', '*', '?')
    fc.assert(
      fc.property(
        fc.string({ unit: alphabet, maxLength: 8 }),
        fc.string({ unit: text, maxLength: 8 }),
        (pattern, value) => {
          expect(compileGlob(pattern)(value)).toBe(reference(pattern, value))
        }
      ),
      { numRuns: 2000 }
    )
  })
})

describe('compileGlobs', () => {
  it('matches when any pattern does', () => {
    const match = compileGlobs(['orders', 'audit-*', 'x?'])
    expect(['orders', 'audit-1', 'xy'].map(match)).toEqual([true, true, true])
    expect(['order', 'audit', 'xyz'].map(match)).toEqual([false, false, false])
  })

  it('treats a lone * as match-all', () => {
    expect(compileGlobs(['orders', '*'])('anything')).toBe(true)
  })
})
