import { describe, expect, it, vi } from 'vitest'
import { ReplyStore, type StoredReply } from '../../src/replies/reply-store.ts'

const reply = (id: string, expiresAt: number, bytes = 100): StoredReply => ({
  id,
  status: 200,
  headers: {},
  body: Buffer.from(id),
  expiresAt,
  bytes,
})

describe('reply store', () => {
  it('keeps the first reply to a request and forgets it when it expires', () => {
    let now = 1000
    const store = new ReplyStore({ maxEntries: 10, maxBytes: 10_000 }, () => now)
    store.put(reply('a', 2000))
    store.put({ ...reply('a', 2000), status: 500 })
    expect(store.get('a')?.status).toBe(200)
    now = 2000
    expect(store.get('a')).toBeUndefined()
    store.put(reply('late', 1500))
    expect(store.get('late')).toBeUndefined()
    expect(store.stats().entries).toBe(0)
  })

  it('drops expired replies at the old end when new ones come', () => {
    let now = 0
    const store = new ReplyStore({ maxEntries: 100, maxBytes: 100_000 }, () => now)
    for (let i = 0; i < 10; i++) store.put(reply(`r${i}`, 100 + i))
    now = 105
    store.put(reply('new', 1000))
    expect(store.stats().entries).toBe(5)
    expect(store.stats().evicted).toBe(0)
  })

  it('never holds more than its bounds, dropping the oldest replies first', () => {
    const store = new ReplyStore({ maxEntries: 3, maxBytes: 250 }, () => 0)
    for (const id of ['a', 'b', 'c']) store.put(reply(id, 10, 80))
    expect(store.stats()).toMatchObject({ entries: 3, bytes: 240, evicted: 0 })
    store.put(reply('d', 10, 80))
    expect(store.get('a')).toBeUndefined()
    expect(store.stats()).toMatchObject({ entries: 3, bytes: 240, evicted: 1 })
    store.put(reply('big', 10, 200))
    expect(store.stats().bytes).toBeLessThanOrEqual(250)
    expect(store.get('big')).toBeDefined()
    store.put(reply('huge', 10, 251))
    expect(store.get('huge')).toBeUndefined()
  })

  it('answers a waiter as soon as the reply comes, or with nothing after its time', async () => {
    vi.useFakeTimers()
    try {
      const store = new ReplyStore({ maxEntries: 10, maxBytes: 10_000 }, () => 0)
      const waiting = store.wait('a', 1000)
      const other = store.wait('b', 1000)
      expect(store.stats().waiters).toBe(2)
      store.put(reply('a', 10))
      expect((await waiting)?.id).toBe('a')
      await vi.advanceTimersByTimeAsync(1000)
      expect(await other).toBeUndefined()
      expect(store.stats().waiters).toBe(0)
      // Already there: at once.
      expect((await store.wait('a', 1000))?.id).toBe('a')
    } finally {
      vi.useRealTimers()
    }
  })

  it('stops waiting when the read-through it waits on settles, and leaves no waiter', async () => {
    const store = new ReplyStore({ maxEntries: 10, maxBytes: 10_000 })
    let caughtUp: (value: boolean) => void = () => undefined
    const readThrough = new Promise<boolean>((resolve) => (caughtUp = resolve))
    const waiting = store.wait('a', 60_000, readThrough)
    expect(store.stats().waiters).toBe(1)
    caughtUp(true)
    expect(await waiting).toBeUndefined()
    expect(store.stats().waiters).toBe(0)
  })

  it('wakes every waiter at shutdown, and tells subscribers of each new reply', async () => {
    const store = new ReplyStore({ maxEntries: 10, maxBytes: 10_000 }, () => 0)
    const waiting = store.wait('x', 60_000)
    store.wakeAll()
    expect(await waiting).toBeUndefined()
    const seen: string[] = []
    const off = store.subscribe((r) => seen.push(r.id))
    store.put(reply('a', 10))
    off()
    store.put(reply('b', 10))
    expect(seen).toEqual(['a'])
  })
})
