import { describe, expect, it } from 'vitest'
import { BucketStore } from '../../src/policy/bucket-store.ts'

describe('BucketStore', () => {
  it('keeps buckets per scope and id, counting them', () => {
    const store = new BucketStore<number>()
    store.add('vc1', 'alice', 1)
    store.add('vc2', 'alice', 2)
    store.add('vc1', 'alice', 3)
    expect(store.size).toBe(2)
    expect(store.get('vc1', 'alice')).toBe(3)
    expect(store.get('vc2', 'alice')).toBe(2)
    expect(store.get('vc3', 'alice')).toBeUndefined()
  })

  it('sweeps by predicate and evicts oldest first', () => {
    const store = new BucketStore<number>()
    for (let i = 0; i < 10; i++) store.add(i < 5 ? 'a' : 'b', `id-${i}`, i)
    store.sweep((n) => n % 2 === 0)
    expect(store.size).toBe(5)
    store.evict(3)
    expect(store.size).toBe(2)
    expect(store.get('a', 'id-1')).toBeUndefined()
    expect(store.get('b', 'id-7')).toBe(7)
    expect(store.get('b', 'id-9')).toBe(9)
    store.evict(10)
    expect(store.size).toBe(0)
  })
})
