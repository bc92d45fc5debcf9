// Rate limits as token buckets, one per (policy, key): the key is the principal, the route or the
// virtual cluster. A bucket holds `rate × burstSeconds` tokens and refills continuously; a request
// costs one request token and its payload bytes in byte tokens. Checking never charges: the engine
// charges (commits) only once every policy allowed the request, so a refused request costs nothing.
import type { RateLimitPolicyConfig } from '../config/schema/index.ts'
import type { Decision } from '../core/decision.ts'
import type { Door, PolicyRequest } from '../core/policy-request.ts'
import { BucketStore } from './bucket-store.ts'
import {
  SharedBuckets,
  STORE_DOWN_RETRY_MS,
  storeDownRefusal,
  type OnUnavailable,
  type SharedRateLimits,
} from './rate-limit-shared.ts'
import { rateLimitItem, type RateLimitDimension } from './rate-limit-headers.ts'

/** Monotonic milliseconds (performance.now), injectable for tests. */
export type Clock = () => number

export interface Bucket {
  requests: number
  bytes: number
  /** When the token counts above were last brought up to date. */
  at: number
}

export interface RateLimiterOptions {
  /** Most buckets kept per policy; the oldest are forgotten beyond it (default 100 000). */
  maxBuckets?: number
  /** How often buckets that refilled completely are dropped (default 60 s). */
  sweepIntervalMs?: number
  /** The shared state store (`state:`): buckets become cluster-wide. */
  shared?: SharedRateLimits
}

export type RateLimitDeny = Extract<Decision, { verdict: 'deny' }>

/** Whose buckets a request draws from (what `per` picks among). */
export type RateLimitKey = Pick<PolicyRequest, 'door' | 'virtualCluster' | 'route' | 'principal'>

/**
 * A charge after the fact, as broker quotas make (the Kafka door): requests and payload bytes are
 * taken whatever the balance, and the debt becomes the time the client must wait.
 */
export interface RateLimitCharge extends RateLimitKey {
  requests: number
  bytes: number
}

const doorIds: Readonly<Record<Door, string>> = {
  http: 'door:http',
  websocket: 'door:websocket',
  sse: 'door:sse',
  'long-poll': 'door:long-poll',
  kafka: 'door:kafka',
}

/** Float slack so a bucket refilled to 0.9999999 still pays for a 1-token request. */
const EPSILON = 1e-6

export class RateLimiter {
  readonly name: string
  readonly config: RateLimitPolicyConfig
  /** The `RateLimit-Policy` items of this policy; constant, so built once. */
  readonly policyHeader: string
  readonly #requests: RateLimitDimension | undefined
  readonly #bytes: RateLimitDimension | undefined
  readonly #buckets = new BucketStore<Bucket>()
  readonly #maxBuckets: number
  readonly #sweepIntervalMs: number
  readonly #description: string
  #lastSweep = Number.NEGATIVE_INFINITY
  readonly #shared: SharedBuckets | undefined
  readonly #store: SharedRateLimits['store'] | undefined
  /** The lease `check` just found short, for `refusal` in the same synchronous turn. */
  #refusedLease: Bucket | undefined
  readonly #onUnavailable: OnUnavailable
  readonly #report: ((outcome: OnUnavailable) => void) | undefined

  constructor(config: RateLimitPolicyConfig, options: RateLimiterOptions = {}) {
    this.name = config.name
    this.config = config
    const burst = config.burstSeconds
    const dimension = (id: string, rate: number | undefined, unit?: 'content-bytes') =>
      // A bucket must hold at least one request, or a slow rate could never admit anything.
      rate === undefined ? undefined : { id, rate, capacity: Math.max(1, rate * burst), unit }
    this.#requests = dimension(config.name, config.requestsPerSecond)
    this.#bytes = dimension(`${config.name}-bytes`, config.bytesPerSecond, 'content-bytes')
    this.policyHeader = [this.#requests, this.#bytes]
      .flatMap((d) => (d === undefined ? [] : [rateLimitItem.policy(d, burst)]))
      .join(', ')
    this.#maxBuckets = options.maxBuckets ?? 100_000
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000
    const rates = [
      ...(config.requestsPerSecond === undefined ? [] : [`${config.requestsPerSecond} requests/s`]),
      ...(config.bytesPerSecond === undefined ? [] : [`${config.bytesPerSecond} bytes/s`]),
    ]
    this.#description = `rate limit "${config.name}" exceeded (${rates.join(', ')} per ${config.per})`
    const shared = options.shared
    this.#onUnavailable = config.onUnavailable ?? shared?.onUnavailable ?? 'fail-open'
    this.#report = shared?.report
    this.#store = shared?.store
    this.#shared =
      shared === undefined
        ? undefined
        : new SharedBuckets(
            shared.store,
            config.name,
            { requests: this.#requests, bytes: this.#bytes },
            shared.now
          )
  }

  /** The shared state store the buckets live in, if any. */
  get store(): SharedRateLimits['store'] | undefined {
    return this.#store
  }

  /** Buckets currently held (for tests and metrics). */
  get size(): number {
    return this.#buckets.size
  }

  /**
   * Whose bucket the request draws from, within its virtual cluster (the same policy attached to
   * two clusters limits each separately).
   */
  idOf(request: RateLimitKey): string {
    switch (this.config.per) {
      case 'virtual-cluster':
        return ''
      case 'principal':
        return request.principal.name
      case 'route':
        // Doors without routes (the Kafka protocol) share one bucket per door.
        return request.route ?? doorIds[request.door]
    }
  }

  /**
   * Brings the request's bucket up to `now` and returns it if it can pay for the request, or else
   * the milliseconds until it could. Never charges; see `commit`.
   */
  check(request: PolicyRequest, now: number): Bucket | number | RateLimitDeny {
    const id = this.idOf(request)
    if (this.#shared !== undefined) {
      const leased = this.#shared.check(request.virtualCluster, id, request.bytes, now)
      if (typeof leased === 'number')
        this.#refusedLease = this.#shared.peek(request.virtualCluster, id)
      if (leased !== 'down') return leased
      // The store is unreachable: this node's own bucket decides, or nothing passes.
      this.#report?.(this.#onUnavailable)
      if (this.#onUnavailable === 'fail-closed') {
        return storeDownRefusal(`rate limit "${this.name}"`, this.name)
      }
    }
    let bucket = this.#buckets.get(request.virtualCluster, id)
    if (bucket === undefined) bucket = this.#create(request.virtualCluster, id, now)
    else this.#refill(bucket, now)
    const wait = this.#wait(bucket, request.bytes)
    return wait > 0 ? wait : bucket
  }

  /** Charges a bucket `check` returned, in the same synchronous turn. */
  commit(bucket: Bucket, bytes: number): void {
    if (this.#requests !== undefined) bucket.requests -= 1
    // A request larger than the whole bucket was let through on a full bucket (see #wait): the
    // balance goes negative, and the debt delays later requests, so the long-run rate holds.
    if (this.#bytes !== undefined) bucket.bytes -= bytes
  }

  /**
   * Takes the charge even from an empty bucket and returns the milliseconds until the bucket is
   * back within its burst (0 when it still is): a Kafka quota's throttle time. The debt makes later
   * charges wait longer, so the long-run rate holds whatever the size of each charge.
   */
  charge(charge: RateLimitCharge, now: number): number {
    const id = this.idOf(charge)
    // Shared: the node's own bucket is charged too, so it is current if the store goes away.
    let shared = 0
    if (this.#shared !== undefined) {
      const { virtualCluster, requests, bytes } = charge
      const answer = this.#shared.charge(virtualCluster, id, requests, bytes, now)
      if (answer === 'down') {
        this.#report?.(this.#onUnavailable)
        if (this.#onUnavailable === 'fail-closed') shared = STORE_DOWN_RETRY_MS
      } else shared = answer
    }
    return Math.max(shared, this.#chargeLocal(charge, id, now))
  }

  /**
   * Fetches the store's tokens for the request's buckets unless this node holds enough: doors
   * await it before `authorize`, which then decides synchronously. Undefined without a store.
   */
  prepare(request: PolicyRequest, now: number): Promise<void> | undefined {
    return this.#shared?.prepare(request.virtualCluster, this.idOf(request), request.bytes, now)
  }

  #chargeLocal(charge: RateLimitCharge, id: string, now: number): number {
    let bucket = this.#buckets.get(charge.virtualCluster, id)
    if (bucket === undefined) bucket = this.#create(charge.virtualCluster, id, now)
    else this.#refill(bucket, now)
    let wait = 0
    const r = this.#requests
    if (r !== undefined) {
      bucket.requests -= charge.requests
      if (bucket.requests < -EPSILON) wait = (-bucket.requests * 1000) / r.rate
    }
    const b = this.#bytes
    if (b !== undefined) {
      bucket.bytes -= charge.bytes
      if (bucket.bytes < -EPSILON) wait = Math.max(wait, (-bucket.bytes * 1000) / b.rate)
    }
    return wait
  }

  /** The refusal for a request `check` turned down (`wait`: what it said, when shared). */
  refusal(request: PolicyRequest, now: number, waitMs?: number): RateLimitDeny {
    const bucket = this.#refusedLease ?? this.#peek(request, now)
    const wait =
      this.#refusedLease === undefined ? this.#wait(bucket, request.bytes) : (waitMs ?? 1)
    this.#refusedLease = undefined
    return {
      verdict: 'deny',
      code: 'rate-limited',
      detail: this.#description,
      policy: this.name,
      // The slack keeps float noise (2500.0000001 ms) from adding a whole unit.
      retryAfterMs: Math.ceil(wait - EPSILON),
      headers: {
        'Retry-After': String(Math.max(1, Math.ceil(wait / 1000 - EPSILON))),
        'RateLimit-Policy': this.policyHeader,
        RateLimit: this.status(bucket, request.bytes),
      },
    }
  }

  /** `RateLimit` items for a request's bucket, without charging or creating it. */
  statusOf(request: PolicyRequest, now: number): string {
    // Shared: what this node holds of the store's bucket.
    const lease = this.#shared?.peek(request.virtualCluster, this.idOf(request))
    return this.status(lease ?? this.#peek(request, now), 0)
  }

  /** `RateLimit` items: tokens left, and seconds until the request (or a full bucket) fits. */
  status(bucket: Bucket, bytes: number): string {
    const items: string[] = []
    if (this.#requests !== undefined) {
      items.push(rateLimitItem.status(this.#requests, bucket.requests, 1))
    }
    if (this.#bytes !== undefined) {
      items.push(
        rateLimitItem.status(this.#bytes, bucket.bytes, Math.min(bytes, this.#bytes.capacity))
      )
    }
    return items.join(', ')
  }

  #peek(request: PolicyRequest, now: number): Bucket {
    const bucket = this.#buckets.get(request.virtualCluster, this.idOf(request))
    if (bucket === undefined) return this.#full(now)
    this.#refill(bucket, now)
    return bucket
  }

  #full(now: number): Bucket {
    return { requests: this.#requests?.capacity ?? 0, bytes: this.#bytes?.capacity ?? 0, at: now }
  }

  #refill(bucket: Bucket, now: number): void {
    const elapsed = now - bucket.at
    if (elapsed <= 0) return
    const r = this.#requests
    if (r !== undefined)
      bucket.requests = Math.min(r.capacity, bucket.requests + (elapsed * r.rate) / 1000)
    const b = this.#bytes
    if (b !== undefined)
      bucket.bytes = Math.min(b.capacity, bucket.bytes + (elapsed * b.rate) / 1000)
    bucket.at = now
  }

  /** Milliseconds until the bucket can pay for one request of `bytes`; 0 if it can now. */
  #wait(bucket: Bucket, bytes: number): number {
    let wait = 0
    const r = this.#requests
    if (r !== undefined && bucket.requests < 1 - EPSILON) {
      wait = ((1 - bucket.requests) * 1000) / r.rate
    }
    const b = this.#bytes
    if (b !== undefined) {
      // More bytes than the bucket holds could never fit: such a request waits for a full bucket.
      const need = Math.min(bytes, b.capacity)
      if (bucket.bytes < need - EPSILON)
        wait = Math.max(wait, ((need - bucket.bytes) * 1000) / b.rate)
    }
    return wait
  }

  /** When the bucket will be full again; a full bucket is the same as no bucket at all. */
  #fullAt(bucket: Bucket): number {
    const r = this.#requests
    const b = this.#bytes
    const requests = r === undefined ? 0 : ((r.capacity - bucket.requests) * 1000) / r.rate
    const bytes = b === undefined ? 0 : ((b.capacity - bucket.bytes) * 1000) / b.rate
    return bucket.at + Math.max(requests, bytes)
  }

  #create(scope: string, id: string, now: number): Bucket {
    this.#makeRoom(now)
    const bucket = this.#full(now)
    this.#buckets.add(scope, id, bucket)
    return bucket
  }

  /** Keeps memory bounded. Runs only when a new key arrives, so a steady set of keys costs nothing. */
  #makeRoom(now: number): void {
    if (now - this.#lastSweep >= this.#sweepIntervalMs) this.#sweep(now)
    if (this.#buckets.size < this.#maxBuckets) return
    if (now - this.#lastSweep >= 1000) this.#sweep(now)
    // Still full of active buckets: forget the oldest tenth at once so this is not redone for every
    // new key. A forgotten key restarts with a full bucket: bounded leniency beats unbounded memory.
    this.#buckets.evict(this.#buckets.size - this.#maxBuckets + Math.ceil(this.#maxBuckets / 10))
  }

  /** Drops buckets that have refilled completely: recreating them later gives the same state. */
  #sweep(now: number): void {
    this.#lastSweep = now
    this.#buckets.sweep((bucket) => this.#fullAt(bucket) <= now)
  }
}
