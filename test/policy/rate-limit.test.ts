import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RateLimitPolicy } from '../../src/config/schema/policies.ts'
import { RateLimiter, type Bucket, type RateLimiterOptions } from '../../src/policy/rate-limit.ts'
import { principal, request } from './fixtures.ts'

function limiter(config: Record<string, unknown>, options?: RateLimiterOptions): RateLimiter {
  return new RateLimiter(
    RateLimitPolicy.parse({ name: 'per-client', kind: 'rate-limit', ...config }),
    options
  )
}

/** A request from principal `key`, so per-principal limits keep one bucket per key. */
const from = (key: string, bytes: number) => request({ principal: principal(key), bytes })

/** check + commit, as the engine does when nothing else refuses. */
function take(l: RateLimiter, key: string, bytes: number, now: number): boolean {
  const checked = l.check(from(key, bytes), now)
  if (typeof checked === 'number' || 'verdict' in checked) return false
  l.commit(checked, bytes)
  return true
}

function takeMany(l: RateLimiter, n: number, now: number, bytes = 0, key = 'k'): number {
  let ok = 0
  for (let i = 0; i < n; i++) if (take(l, key, bytes, now)) ok++
  return ok
}

describe('RateLimiter', () => {
  it('admits a burst of rate × burstSeconds, then refills continuously', () => {
    const l = limiter({ requestsPerSecond: 10, burstSeconds: 2 })
    expect(takeMany(l, 25, 0)).toBe(20)
    expect(takeMany(l, 5, 99)).toBe(0)
    expect(takeMany(l, 5, 100)).toBe(1)
    expect(takeMany(l, 5, 350)).toBe(2)
    // Never more than the bucket, however long the pause.
    expect(takeMany(l, 100, 60_000)).toBe(20)
  })

  it('charges payload bytes against bytesPerSecond', () => {
    const l = limiter({ bytesPerSecond: 1000 })
    expect(take(l, 'k', 600, 0)).toBe(true)
    expect(take(l, 'k', 600, 0)).toBe(false)
    expect(take(l, 'k', 400, 0)).toBe(true)
    expect(take(l, 'k', 1, 0)).toBe(false)
    expect(take(l, 'k', 500, 500)).toBe(true)
  })

  it('lets a request larger than the bucket through on a full bucket, then makes it wait off the debt', () => {
    const l = limiter({ bytesPerSecond: 1000 })
    expect(take(l, 'k', 3000, 0)).toBe(true)
    // 2000 bytes of debt plus a 1000-byte bucket to refill: 3 s before the next big one.
    expect(l.check(from('k', 3000), 2999)).toBeCloseTo(1, 5)
    expect(take(l, 'k', 3000, 3000)).toBe(true)
  })

  it('enforces requests and bytes together', () => {
    const l = limiter({ requestsPerSecond: 2, bytesPerSecond: 100 })
    expect(take(l, 'k', 10, 0)).toBe(true)
    expect(take(l, 'k', 95, 0)).toBe(false)
    expect(take(l, 'k', 10, 0)).toBe(true)
    expect(take(l, 'k', 1, 0)).toBe(false)
  })

  it('keeps separate buckets per key', () => {
    const l = limiter({ requestsPerSecond: 1 })
    expect(take(l, 'a', 0, 0)).toBe(true)
    expect(take(l, 'a', 0, 0)).toBe(false)
    expect(take(l, 'b', 0, 0)).toBe(true)
  })

  it('returns the wait in ms when refusing, and never charges a refused request', () => {
    const l = limiter({ requestsPerSecond: 4, bytesPerSecond: 1000 })
    expect(takeMany(l, 4, 0)).toBe(4)
    expect(l.check(from('k', 0), 0)).toBe(250)
    expect(l.check(from('k', 0), 100)).toBeCloseTo(150, 6)
    // Checks alone, however many, cost nothing: the bucket refills as if they never happened.
    for (let i = 0; i < 100; i++) l.check(from('k', 0), 200)
    expect(take(l, 'k', 0, 250)).toBe(true)
    // Bytes short but requests fine: refused, and neither dimension charged.
    const m = limiter({ requestsPerSecond: 10, bytesPerSecond: 100 })
    expect(take(m, 'k', 100, 0)).toBe(true)
    expect(take(m, 'k', 50, 0)).toBe(false)
    expect(takeMany(m, 9, 500, 0)).toBe(9)
  })

  it('keys buckets by principal, route or virtual cluster, within the virtual cluster', () => {
    const r = request({ virtualCluster: 'vc1', route: 'orders', principal: principal('alice') })
    expect(limiter({ requestsPerSecond: 1, per: 'principal' }).idOf(r)).toBe('alice')
    expect(limiter({ requestsPerSecond: 1, per: 'route' }).idOf(r)).toBe('orders')
    expect(limiter({ requestsPerSecond: 1, per: 'virtual-cluster' }).idOf(r)).toBe('')
    const kafka = request({ door: 'kafka', virtualCluster: 'vc1' })
    expect(limiter({ requestsPerSecond: 1, per: 'route' }).idOf(kafka)).toBe('door:kafka')
    // The same principal in another virtual cluster draws from another bucket.
    const l = limiter({ requestsPerSecond: 1 })
    expect(l.check(r, 0)).not.toBeTypeOf('number')
    l.commit(l.check(r, 0) as Bucket, 0)
    expect(l.check(r, 0)).toBeTypeOf('number')
    expect(l.check({ ...r, virtualCluster: 'vc2' }, 0)).not.toBeTypeOf('number')
  })

  it('keeps at least one request in the bucket for slow rates', () => {
    const l = limiter({ requestsPerSecond: 0.5 })
    expect(takeMany(l, 3, 0)).toBe(1)
    expect(takeMany(l, 3, 1999)).toBe(0)
    expect(takeMany(l, 3, 2000)).toBe(1)
  })
})

describe('RateLimiter refusals and headers', () => {
  it('refuses with retryAfterMs, Retry-After and the IETF RateLimit fields', () => {
    const l = limiter({ requestsPerSecond: 200 })
    expect(l.policyHeader).toBe('"per-client";q=200;w=1')
    expect(takeMany(l, 200, 0)).toBe(200)
    expect(l.refusal(from('k', 0), 0)).toEqual({
      verdict: 'deny',
      code: 'rate-limited',
      detail: 'rate limit "per-client" exceeded (200 requests/s per principal)',
      policy: 'per-client',
      retryAfterMs: 5,
      headers: {
        'Retry-After': '1',
        'RateLimit-Policy': '"per-client";q=200;w=1',
        RateLimit: '"per-client";r=0;t=1',
      },
    })
  })

  it('rounds Retry-After up to whole seconds', () => {
    const l = limiter({ requestsPerSecond: 1, burstSeconds: 1 })
    take(l, 'k', 0, 0)
    expect(l.refusal(from('k', 0), 0)).toMatchObject({
      retryAfterMs: 1000,
      headers: { 'Retry-After': '1' },
    })
    const slow = limiter({ requestsPerSecond: 1 / 3 })
    take(slow, 'k', 0, 0)
    expect(slow.refusal(from('k', 0), 500)).toMatchObject({
      retryAfterMs: 2500,
      headers: { 'Retry-After': '3', RateLimit: '"per-client";r=0;t=3' },
    })
  })

  it('describes byte limits with a content-bytes quota unit', () => {
    const l = limiter({ requestsPerSecond: 10, bytesPerSecond: 1000, burstSeconds: 2 })
    expect(l.policyHeader).toBe(
      '"per-client";q=20;w=2, "per-client-bytes";q=2000;qu="content-bytes";w=2'
    )
    take(l, 'k', 1500, 0)
    const refusal = l.refusal(from('k', 1000), 0)
    expect(refusal.retryAfterMs).toBe(500)
    expect(refusal.headers?.RateLimit).toBe('"per-client";r=19;t=1, "per-client-bytes";r=500;t=1')
  })

  it('reports what is left without charging', () => {
    const l = limiter({ requestsPerSecond: 10 })
    expect(l.statusOf(from('k', 0), 0)).toBe('"per-client";r=10;t=0')
    takeMany(l, 4, 0)
    expect(l.statusOf(from('k', 0), 0)).toBe('"per-client";r=6;t=1')
    expect(l.statusOf(from('k', 0), 0)).toBe('"per-client";r=6;t=1')
    expect(l.size).toBe(1)
    l.statusOf(from('unknown', 0), 0)
    expect(l.size).toBe(1)
  })
})

describe('RateLimiter memory', () => {
  it('drops buckets that have refilled completely, losing nothing', () => {
    const l = limiter({ requestsPerSecond: 10 }, { sweepIntervalMs: 1000 })
    for (let i = 0; i < 50; i++) take(l, `key-${i}`, 0, 0)
    expect(l.size).toBe(50)
    // Drained at 500 ms: still refilling at 1 s, so it must survive the sweep.
    expect(takeMany(l, 10, 500, 0, 'busy')).toBe(10)
    expect(l.size).toBe(51)
    take(l, 'new', 0, 1000)
    expect(l.size).toBe(2)
    expect(take(l, 'busy', 0, 1000)).toBe(true)
    expect(takeMany(l, 10, 1000, 0, 'busy')).toBe(4)
  })

  it('caps the number of buckets, forgetting the oldest', () => {
    const l = limiter({ requestsPerSecond: 1 }, { maxBuckets: 100, sweepIntervalMs: 1e9 })
    for (let i = 0; i < 1000; i++) take(l, `key-${i}`, 0, i)
    expect(l.size).toBeLessThanOrEqual(100)
    // The most recent keys are still limited.
    expect(take(l, 'key-999', 0, 999)).toBe(false)
  })

  it('never admits more than capacity plus what the elapsed time refilled', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 500, noNaN: true }),
        fc.double({ min: 0.1, max: 5, noNaN: true }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 200 }),
        (rate, burst, gaps) => {
          const l = limiter({ requestsPerSecond: rate, burstSeconds: burst })
          let now = 0
          let admitted = 0
          for (const gap of gaps) {
            now += gap
            if (take(l, 'k', 0, now)) admitted++
          }
          const capacity = Math.max(1, rate * burst)
          expect(admitted).toBeLessThanOrEqual(Math.floor(capacity + (now * rate) / 1000 + 1e-6))
        }
      )
    )
  })
})
