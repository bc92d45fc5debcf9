import { describe, expect, it, vi } from 'vitest'
import { ViewTable } from '../../src/views/view-table.ts'

const at = (offset: number, partition = 0) => ({
  partition,
  offset: String(offset),
  timestamp: '1760000000000',
})
const value = (text: string) => Buffer.from(text)

describe('view table', () => {
  it('keeps the latest value per key, with an ETag per version; tombstones delete', () => {
    const table = new ViewTable({ maxKeys: 10, maxBytes: 100_000 })
    table.apply('a', value('1'), at(0))
    table.apply('a', value('2'), at(5))
    expect(table.get('a')).toMatchObject({ value: value('2'), etag: '"0-5"' })
    table.apply('a', value('old'), at(3))
    expect(table.get('a')?.value.toString()).toBe('2')
    table.apply('a', null, at(6))
    expect(table.get('a')).toBeUndefined()
    expect(table.stats()).toMatchObject({ keys: 0, bytes: 0 })
  })

  it('never exceeds its bounds, dropping keys written least recently, and says so', () => {
    const table = new ViewTable({ maxKeys: 3, maxBytes: 100_000 })
    for (const [i, key] of ['a', 'b', 'c'].entries()) table.apply(key, value('x'), at(i))
    table.apply('a', value('y'), at(3))
    table.apply('d', value('x'), at(4))
    expect(table.get('b')).toBeUndefined()
    expect(table.get('a')).toBeDefined()
    expect(table.stats()).toMatchObject({ keys: 3, evicted: 1 })
    expect(table.complete).toBe(false)

    const bytes = new ViewTable({ maxKeys: 1000, maxBytes: 1000 })
    for (let i = 0; i < 50; i++) bytes.apply(`k${i}`, Buffer.alloc(100), at(i))
    expect(bytes.stats().bytes).toBeLessThanOrEqual(1000)
    expect(bytes.stats().keys).toBeGreaterThan(0)
    bytes.apply('huge', Buffer.alloc(2000), at(99))
    expect(bytes.get('huge')).toBeUndefined()
  })

  it('lists keys in order, a page at a time', () => {
    const table = new ViewTable({ maxKeys: 100, maxBytes: 100_000 })
    for (const [i, key] of ['d', 'b', 'a', 'c', 'e'].entries()) table.apply(key, value(key), at(i))
    const first = table.page(undefined, 2)
    expect(first.keys.map((e) => e.key)).toEqual(['a', 'b'])
    expect(first.next).toBe('b')
    const second = table.page('b', 2)
    expect(second.keys.map((e) => e.key)).toEqual(['c', 'd'])
    table.apply('bb', value('new'), at(9))
    expect(table.page('b', 2).keys.map((e) => e.key)).toEqual(['bb', 'c'])
    const last = table.page('d', 2)
    expect(last.keys.map((e) => e.key)).toEqual(['e'])
    expect(last.next).toBeUndefined()
    expect(table.page('zzz', 2).keys).toEqual([])
  })

  it('wakes a long poll when its key changes, is deleted or appears', async () => {
    vi.useFakeTimers()
    try {
      const table = new ViewTable({ maxKeys: 10, maxBytes: 100_000 })
      table.apply('a', value('1'), at(0))
      let woke = 0
      void table.waitForChange('a', '"0-0"', 10_000).then(() => woke++)
      void table.waitForChange('new', undefined, 10_000).then(() => woke++)
      await vi.advanceTimersByTimeAsync(0)
      expect(woke).toBe(0)
      table.apply('a', value('2'), at(1))
      table.apply('new', value('n'), at(2))
      await vi.advanceTimersByTimeAsync(0)
      expect(woke).toBe(2)
      // Already different: at once. Unchanged: after the wait.
      await table.waitForChange('a', '"0-0"', 10_000)
      let timedOut = false
      void table.waitForChange('a', '"0-1"', 500).then(() => (timedOut = true))
      await vi.advanceTimersByTimeAsync(499)
      expect(timedOut).toBe(false)
      await vi.advanceTimersByTimeAsync(1)
      expect(timedOut).toBe(true)
      expect(table.stats().waiters).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })
})
