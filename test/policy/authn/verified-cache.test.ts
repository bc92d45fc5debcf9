import { describe, expect, it } from 'vitest'
import { VerifiedCache } from '../../../src/policy/authn/verified-cache.ts'
import { manualClock } from '../fixtures.ts'

function counting(result: boolean): { check: () => Promise<boolean>; calls: () => number } {
  let calls = 0
  return {
    check: async () => {
      calls++
      await new Promise((resolve) => setTimeout(resolve, 5))
      return result
    },
    calls: () => calls,
  }
}

describe('VerifiedCache', () => {
  it('runs the slow check once per TTL for a verified pair', async () => {
    const clock = manualClock()
    const cache = new VerifiedCache({ ttlMs: 1000, maxEntries: 10, now: clock.now })
    const ok = counting(true)
    expect(await cache.verify('u', 'p', ok.check)).toBe(true)
    expect(await cache.verify('u', 'p', ok.check)).toBe(true)
    expect(ok.calls()).toBe(1)
    clock.advance(1001)
    expect(await cache.verify('u', 'p', ok.check)).toBe(true)
    expect(ok.calls()).toBe(2)
  })

  it('never caches failures', async () => {
    const cache = new VerifiedCache({ ttlMs: 1000, maxEntries: 10, now: () => 0 })
    const bad = counting(false)
    expect(await cache.verify('u', 'wrong', bad.check)).toBe(false)
    expect(await cache.verify('u', 'wrong', bad.check)).toBe(false)
    expect(bad.calls()).toBe(2)
    expect(cache.size).toBe(0)
  })

  it('shares one check among concurrent requests with the same credentials', async () => {
    const cache = new VerifiedCache({ ttlMs: 1000, maxEntries: 10, now: () => 0 })
    const ok = counting(true)
    const results = await Promise.all(
      Array.from({ length: 20 }, () => cache.verify('u', 'p', ok.check))
    )
    expect(results.every(Boolean)).toBe(true)
    expect(ok.calls()).toBe(1)
  })

  it('keys on the exact pair: a password is not reusable with another username split', async () => {
    const cache = new VerifiedCache({ ttlMs: 1000, maxEntries: 10, now: () => 0 })
    await cache.verify('a:b', 'c', counting(true).check)
    const other = counting(false)
    expect(await cache.verify('a', 'b:c', other.check)).toBe(false)
    expect(other.calls()).toBe(1)
  })

  it('is bounded, forgetting the oldest entries first', async () => {
    const cache = new VerifiedCache({ ttlMs: 10_000, maxEntries: 3, now: () => 0 })
    for (const user of ['a', 'b', 'c', 'd']) await cache.verify(user, 'p', counting(true).check)
    expect(cache.size).toBe(3)
    const again = counting(true)
    await cache.verify('a', 'p', again.check)
    expect(again.calls()).toBe(1)
    await cache.verify('d', 'p', again.check)
    expect(again.calls()).toBe(1)
  })
})
