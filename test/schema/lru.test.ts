import { describe, expect, it } from 'vitest'
import { BoundedMap } from '../../src/schema/lru.ts'

describe('BoundedMap', () => {
  it('forgets the least recently used entry beyond its size', () => {
    const map = new BoundedMap<string, number>(2)
    map.set('a', 1)
    map.set('b', 2)
    expect(map.get('a')).toBe(1) // a is now more recent than b
    map.set('c', 3)
    expect(map.get('b')).toBeUndefined()
    expect(map.get('a')).toBe(1)
    expect(map.get('c')).toBe(3)
    expect(map.size).toBe(2)
  })

  it('keeps the order of use when the same key is read again and again', () => {
    const map = new BoundedMap<string, number>(3)
    map.set('a', 1)
    map.set('b', 2)
    map.set('c', 3)
    for (let i = 0; i < 3; i++) expect(map.get('a')).toBe(1)
    expect(map.get('c')).toBe(3)
    expect(map.get('c')).toBe(3)
    map.delete('c')
    map.set('d', 4) // b is the least recently used now
    map.set('e', 5)
    expect([map.peek('a'), map.peek('b'), map.peek('d'), map.peek('e')]).toEqual([
      1,
      undefined,
      4,
      5,
    ])
    expect(map.get('a')).toBe(1)
    map.set('f', 6) // d, not a
    expect([map.peek('a'), map.peek('d')]).toEqual([1, undefined])
  })

  it('peek does not count as a use', () => {
    const map = new BoundedMap<string, number>(2)
    map.set('a', 1)
    map.set('b', 2)
    expect(map.peek('a')).toBe(1)
    map.set('c', 3)
    expect(map.peek('a')).toBeUndefined()
  })

  it('needs room for one entry', () => {
    expect(() => new BoundedMap(0)).toThrow(RangeError)
  })
})
