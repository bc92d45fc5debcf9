// A chain's rate limits decided together: a request is checked against every limit and charged
// to all of them only when each allowed it (a refused request costs nothing); the Kafka door's
// charge after the fact, as broker quotas make it; the headers that advertise them.
import { allow, type Decision } from '../core/decision.ts'
import type { PolicyRequest } from '../core/policy-request.ts'
import type { Bucket, RateLimitCharge, RateLimiter } from './rate-limit.ts'

/**
 * Checks every limit in order, the first refusal wins; then commits each. `pending` is scratch
 * space, left empty (the check is synchronous, so one array serves every request).
 */
export function chargeOrRefuse(
  limiters: readonly RateLimiter[],
  request: PolicyRequest,
  now: number,
  pending: Bucket[]
): Decision {
  for (let i = 0; i < limiters.length; i++) {
    const limiter = limiters[i] as RateLimiter
    const checked = limiter.check(request, now)
    if (typeof checked === 'number') {
      pending.length = 0
      return limiter.refusal(request, now, checked)
    }
    if ('verdict' in checked) {
      pending.length = 0
      return checked // a fail-closed limit whose shared store is down
    }
    pending[i] = checked
  }
  for (let i = 0; i < limiters.length; i++) {
    ;(limiters[i] as RateLimiter).commit(pending[i] as Bucket, request.bytes)
  }
  pending.length = 0
  return allow
}

/**
 * Never refused: the charge is taken even from an empty bucket, and the answer is how long the
 * client must wait until every bucket it drew on is back within its burst (0: no wait).
 */
export function chargeAfter(
  limiters: readonly RateLimiter[],
  charge: RateLimitCharge,
  now: number
): { throttleMs: number } {
  let wait = 0
  for (const limiter of limiters) wait = Math.max(wait, limiter.charge(charge, now))
  // Whole milliseconds, rounded up (the wire field is an int32); the slack keeps float noise
  // (2500.0000001) from adding one.
  return { throttleMs: Math.max(0, Math.ceil(wait - 1e-6)) }
}

/** `RateLimit-Policy` and `RateLimit` headers, without charging. */
export function rateLimitHeadersOf(
  limiters: readonly RateLimiter[],
  request: PolicyRequest,
  now: number
): Record<string, string> {
  return {
    'RateLimit-Policy': limiters.map((l) => l.policyHeader).join(', '),
    RateLimit: limiters.map((l) => l.statusOf(request, now)).join(', '),
  }
}

/**
 * With a shared state store, the tokens each limit needs fetched from it unless this node holds
 * enough; undefined when there is nothing to wait for.
 */
export function prepareRateLimits(
  limiters: readonly RateLimiter[],
  request: PolicyRequest,
  now: number
): Promise<void> | undefined {
  const waits = limiters.map((limiter) => limiter.prepare(request, now))
  return waits.some((w) => w !== undefined) ? Promise.all(waits).then(() => {}) : undefined
}
