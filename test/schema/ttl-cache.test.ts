import { describe, expect, it } from 'vitest'
import { TtlCache } from '../../src/schema/ttl-cache.ts'

class Outage extends Error {}

function cache(clock: { now: number }, onStale?: (key: string) => void) {
  return new TtlCache<string>({
    ttlMs: 1000,
    retryAfterMs: 100,
    maxEntries: 10,
    now: () => clock.now,
    isOutage: (err) => err instanceof Outage,
    onStale,
  })
}

describe('TtlCache', () => {
  it('serves a fresh entry without a lookup, and looks up again after the TTL', async () => {
    const clock = { now: 0 }
    const c = cache(clock)
    let calls = 0
    const load = async () => `v${++calls}`
    expect(await c.get('k', load)).toBe('v1')
    clock.now = 999
    expect(await c.get('k', load)).toBe('v1')
    expect(c.peek('k')).toBe('v1')
    clock.now = 1000
    expect(c.peek('k')).toBeUndefined()
    expect(await c.get('k', load)).toBe('v2')
    expect(calls).toBe(2)
  })

  it('shares one lookup among concurrent misses', async () => {
    const c = cache({ now: 0 })
    let calls = 0
    const load = async () => {
      calls++
      await new Promise((r) => setTimeout(r, 10))
      return 'v'
    }
    const all = await Promise.all([c.get('k', load), c.get('k', load), c.get('k', load)])
    expect(all).toEqual(['v', 'v', 'v'])
    expect(calls).toBe(1)
  })

  it('serves an expired entry stale during an outage, and retries only after retryAfterMs', async () => {
    const clock = { now: 0 }
    const stale: string[] = []
    const c = cache(clock, (key) => stale.push(key))
    await c.get('k', async () => 'old')
    clock.now = 5000
    let calls = 0
    const down = async (): Promise<string> => {
      calls++
      throw new Outage('down')
    }
    expect(await c.get('k', down)).toBe('old')
    expect(await c.get('k', down)).toBe('old') // within retryAfterMs: no new attempt
    expect(calls).toBe(1)
    clock.now = 5100
    expect(await c.get('k', down)).toBe('old')
    expect(calls).toBe(2)
    expect(stale).toEqual(['k', 'k'])
    clock.now = 5200
    expect(await c.get('k', async () => 'new')).toBe('new')
  })

  it('passes errors through when nothing is cached, or when the error is a definite answer', async () => {
    const clock = { now: 0 }
    const c = cache(clock)
    await expect(c.get('k', async () => Promise.reject(new Outage('down')))).rejects.toThrow('down')
    await c.get('k', async () => 'old')
    clock.now = 5000
    await expect(c.get('k', async () => Promise.reject(new Error('gone')))).rejects.toThrow('gone')
  })
})
