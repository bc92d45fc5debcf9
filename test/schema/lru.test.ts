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
