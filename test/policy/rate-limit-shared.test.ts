// Leases of a shared rate limit, over a fake store that takes tokens as the Lua script does (the
// real script runs against redis-server in test/integration/state/). Two nodes never spend more
// than the store's bucket; a door that does not prepare takes one request on credit after a quiet
// second, and the store is paid for it; a store that fails is reported as down.
import { describe, expect, it } from 'vitest'
import { SharedBuckets } from '../../src/policy/rate-limit-shared.ts'
import type { BucketShape, StateStore, TokenTake } from '../../src/state/store.ts'

class FakeStore {
  ready = true
  failing = false
  readonly tokens = new Map<string, number>()
  take(key: string, shape: BucketShape, want: number, min: number): Promise<TokenTake> {
    if (this.failing) return Promise.reject(new Error('down'))
    const tokens = this.tokens.get(key) ?? shape.capacity
    if (tokens < min) return Promise.resolve({ granted: 0, balance: tokens, waitMs: 1000 })
    const granted = Math.min(want, Math.floor(tokens))
    this.tokens.set(key, tokens - granted)
    return Promise.resolve({ granted, balance: tokens - granted, waitMs: 0 })
  }
}

const shape = { rate: 1, capacity: 10 }
const nodes = (store: FakeStore, now: () => number) =>
  [1, 2].map(() => new SharedBuckets(store as unknown as StateStore, 'p', { requests: shape }, now))

/** authorize after prepare, as HTTP produce does: true when admitted (and charged). */
async function admit(buckets: SharedBuckets, now: number): Promise<boolean> {
  await buckets.prepare('vc', 'alice', 0, now)
  const lease = buckets.check('vc', 'alice', 0, now)
  if (typeof lease !== 'object') return false
  lease.requests -= 1
  return true
}

describe('shared rate-limit leases', () => {
  it('two nodes together admit no more than the bucket holds', async () => {
    const store = new FakeStore()
    const [a, b] = nodes(store, () => 0) as [SharedBuckets, SharedBuckets]
    const admitted = await Promise.all(
      Array.from({ length: 30 }, (_, i) => admit(i % 2 === 0 ? a : b, 0))
    )
    expect(admitted.filter(Boolean)).toHaveLength(10)
  })

  it('a door that did not prepare takes one request on credit, which the store pays', async () => {
    const store = new FakeStore()
    const [a] = nodes(store, () => 0) as [SharedBuckets]
    const first = a.check('vc', 'alice', 0, 0)
    expect(typeof first).toBe('object')
    ;(first as { requests: number }).requests -= 1
    await new Promise((resolve) => setTimeout(resolve, 0)) // the fetch the check started
    expect(store.tokens.get('rl:p:vc:alice:r')).toBe(9)
    // Within the lease's second, nothing at hand is a refusal, not more credit.
    expect(a.check('vc', 'alice', 0, 1)).toBe(1)
  })

  it('a store that fails is down', async () => {
    const store = new FakeStore()
    store.failing = true
    const [a] = nodes(store, () => 0) as [SharedBuckets]
    await a.prepare('vc', 'alice', 0, 0)
    expect(a.check('vc', 'alice', 0, 0)).toBe('down')
  })
})
