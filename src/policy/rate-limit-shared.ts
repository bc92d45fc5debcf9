// A rate limit's buckets in the shared state store, spent through local leases so `authorize`
// stays synchronous: a node takes a few tokens at a time from the store's bucket (atomically, by
// the store's Lua script) and spends them locally. Leased tokens are gone from the store, so the
// nodes together can never spend more than the bucket holds; the price is that tokens a node
// leased and did not spend within `leaseMs` are lost to the others (a node may refuse while
// another holds spare tokens), bounded by the lease size: a tenth of the bucket.
import type { Decision } from '../core/decision.ts'
import type { BucketShape, StateStore } from '../state/store.ts'
import { BucketStore } from './bucket-store.ts'

export type OnUnavailable = 'fail-open' | 'fail-closed'

/** How long a client refused by a fail-closed limit whose store is down is told to wait. */
export const STORE_DOWN_RETRY_MS = 1_000

/** The refusal (503) of a fail-closed `limit` (rate or connection) while the store is down. */
export function storeDownRefusal(
  limit: string,
  policy: string
): Extract<Decision, { verdict: 'deny' }> {
  return {
    verdict: 'deny',
    code: 'backend-unavailable',
    detail: `${limit} cannot be checked: the shared state store is unavailable (fail-closed)`,
    policy,
    retryAfterMs: STORE_DOWN_RETRY_MS,
  }
}

export interface SharedRateLimits {
  store: StateStore
  /** The state section's default, for policies that set none. */
  onUnavailable: OnUnavailable
  /** Counts (and logs) a decision taken without the store. */
  report(outcome: OnUnavailable): void
  /** The engine's clock. */
  now: () => number
}

/** Tokens this node holds of one shared bucket pair; `requests`/`bytes`/`at` as a local Bucket. */
export interface Lease {
  requests: number
  bytes: number
  at: number
  /** When unspent tokens are dropped: a lease must not carry one burst into the next. */
  expires: number
  fetching: Promise<void> | undefined
  /** The store's last word on when the tokens asked for will be there. */
  waitMs: number
  /** The last call to the store failed (or timed out). */
  failed: boolean
  /** For a Kafka charge: when the shared debt last reported is paid off (clock ms). */
  debtUntil: number
  /** Requests (and their bytes) awaiting `prepare` now: the next fetch asks for them all. */
  waiting: number
  waitingBytes: number
}

/** Whether the lease can pay, the wait when it cannot, or that the store is unreachable. */
export type LeaseCheck = Lease | number | 'down'

const LEASE_MS = 1_000
/** Leases kept at most; beyond it the oldest are dropped (their spare tokens with them). */
const MAX_LEASES = 100_000

export class SharedBuckets {
  readonly #store: StateStore
  readonly #prefix: string
  readonly #requests: BucketShape | undefined
  readonly #bytes: BucketShape | undefined
  readonly #leases = new BucketStore<Lease>()
  readonly #now: () => number

  constructor(
    store: StateStore,
    policy: string,
    shapes: { requests?: BucketShape; bytes?: BucketShape },
    now: () => number
  ) {
    this.#store = store
    this.#prefix = `rl:${policy}:`
    this.#requests = shapes.requests
    this.#bytes = shapes.bytes
    this.#now = now
  }

  /** The lease if it pays for a request of `bytes` now; otherwise a fetch is started. */
  check(scope: string, id: string, bytes: number, now: number): LeaseCheck {
    const lease = this.#lease(scope, id, now)
    if (this.#pays(lease, bytes)) return lease
    const idle = now >= lease.expires && lease.fetching === undefined && lease.waitMs === 0
    if (lease.fetching === undefined) void this.#fetch(lease, scope, id, bytes)
    if (lease.failed || !this.#store.ready) return 'down'
    // A caller that did not `prepare` (every door does) and finds nothing at hand after a
    // quiet second takes this request on credit: the fetch just started pays the debt to the
    // store. At most one request per bucket and node per lease goes ahead of the store's word.
    if (idle) return lease
    return Math.max(1, lease.waitMs)
  }

  /** The lease held for a bucket, if any (for `RateLimit` headers: what this node holds). */
  peek(scope: string, id: string): Lease | undefined {
    return this.#leases.get(scope, id)
  }

  /**
   * Fetches enough for the request unless the lease already pays for it; never rejects. Requests
   * waiting at once are counted, so one fetch asks for all of them (not one token for many).
   */
  prepare(scope: string, id: string, bytes: number, now: number): Promise<void> | undefined {
    const lease = this.#lease(scope, id, now)
    if (lease.waiting === 0 && this.#pays(lease, bytes)) return undefined
    return this.#prepare(lease, scope, id, bytes)
  }

  async #prepare(lease: Lease, scope: string, id: string, bytes: number): Promise<void> {
    lease.waiting += 1
    lease.waitingBytes += bytes
    try {
      // A second round when the store had tokens but fewer were asked for than now wait.
      for (let round = 0; round < 2; round++) {
        if (this.#pays(lease, lease.waitingBytes, lease.waiting)) return
        await (lease.fetching ?? this.#fetch(lease, scope, id, bytes))
        if (lease.failed || lease.waitMs > 0) return
      }
    } finally {
      lease.waiting -= 1
      lease.waitingBytes -= bytes
    }
  }

  /**
   * A Kafka charge after the fact: sent to the store (not awaited) and answered with the wait
   * the store last reported for this bucket, so every node throttles on the shared debt.
   */
  charge(scope: string, id: string, requests: number, bytes: number, now: number): number | 'down' {
    const lease = this.#lease(scope, id, now)
    const key = this.#key(scope, id)
    const r = this.#requests
    const b = this.#bytes
    const calls = [
      r === undefined || requests === 0 ? undefined : this.#debt(lease, `${key}:r`, r, requests),
      b === undefined || bytes === 0 ? undefined : this.#debt(lease, `${key}:b`, b, bytes),
    ]
    void Promise.all(calls).then(
      () => (lease.failed = false),
      () => (lease.failed = true)
    )
    if (lease.failed || !this.#store.ready) return 'down'
    return Math.max(0, lease.debtUntil - now)
  }

  async #debt(lease: Lease, key: string, shape: BucketShape, amount: number): Promise<void> {
    const taken = await this.#store.charge(key, shape, amount)
    const wait = taken.balance < 0 ? (-taken.balance * 1000) / shape.rate : 0
    lease.debtUntil = Math.max(lease.debtUntil, this.#now() + wait)
  }

  #lease(scope: string, id: string, now: number): Lease {
    let lease = this.#leases.get(scope, id)
    if (lease === undefined) {
      lease = {
        requests: 0,
        bytes: 0,
        at: now,
        expires: 0,
        fetching: undefined,
        waitMs: 0,
        failed: false,
        debtUntil: 0,
        waiting: 0,
        waitingBytes: 0,
      }
      if (this.#leases.size >= MAX_LEASES) this.#leases.evict(MAX_LEASES / 10)
      this.#leases.add(scope, id, lease)
    } else if (now >= lease.expires && lease.fetching === undefined) {
      lease.requests = Math.min(lease.requests, 0) // a debt is kept, spare tokens are not
      lease.bytes = Math.min(lease.bytes, 0)
    }
    lease.at = now
    return lease
  }

  #pays(lease: Lease, bytes: number, requests = 1): boolean {
    if (this.#requests !== undefined && lease.requests < requests) return false
    const b = this.#bytes
    return b === undefined || lease.bytes >= Math.min(bytes, b.capacity)
  }

  #key(scope: string, id: string): string {
    return `${this.#prefix}${encodeURIComponent(scope)}:${encodeURIComponent(id)}`
  }

  #fetch(lease: Lease, scope: string, id: string, bytes: number): Promise<void> {
    const key = this.#key(scope, id)
    const r = this.#requests
    const b = this.#bytes
    const calls: Promise<void>[] = []
    if (r !== undefined && lease.requests < Math.max(1, lease.waiting)) {
      const need = 1 - Math.min(lease.requests, 0) // a request, and any debt
      const want = Math.max(need, lease.waiting - lease.requests, Math.floor(r.capacity / 10))
      calls.push(this.#take(lease, `${key}:r`, r, want, need, 'requests'))
    }
    if (b !== undefined) {
      // A request larger than the bucket waits for a full bucket and leaves a debt behind.
      const need = Math.min(bytes, b.capacity) - Math.min(lease.bytes, 0)
      if (lease.bytes < Math.min(Math.max(bytes, lease.waitingBytes), b.capacity)) {
        const waiting = lease.waitingBytes - lease.bytes
        const want = Math.max(need, waiting, Math.floor(b.capacity / 10))
        calls.push(this.#take(lease, `${key}:b`, b, want, Math.min(need, b.capacity), 'bytes'))
      }
    }
    lease.waitMs = 0
    const fetching = Promise.all(calls).then(
      () => {
        lease.failed = false
        lease.expires = this.#now() + LEASE_MS
      },
      () => {
        lease.failed = true
      }
    )
    lease.fetching = fetching.finally(() => (lease.fetching = undefined))
    return lease.fetching
  }

  async #take(
    lease: Lease,
    key: string,
    shape: BucketShape,
    want: number,
    min: number,
    field: 'requests' | 'bytes'
  ): Promise<void> {
    const taken = await this.#store.take(key, shape, want, min)
    lease[field] += taken.granted
    lease.waitMs = Math.max(lease.waitMs, taken.waitMs)
  }
}
