// Rate limits on the Kafka path, applied the way a Kafka broker applies quotas: by throttling,
// never by refusing a request or dropping a connection. Each request is charged to the virtual
// cluster's rate-limit policies through the one PolicyEngine: one request, plus the record bytes
// of a Produce request, or of a Fetch response once the broker answered (a fetch's size is known
// only then; Kafka charges it after the fact too). A charge that puts a bucket in debt becomes a
// throttle time: how long until the bucket is back within its burst.
//
// As brokers do since KIP-219, the response goes out at once with `throttleTimeMs` raised to that
// time, and the connection is muted for it: requests the client sends meanwhile wait here (a
// pending decision, so the proxy holds the queue in order and stops reading the socket) and are
// charged when they go on. Clients on KIP-219 versions (Produce v6+, Fetch v8+) back off by
// themselves, concurrently with the mute; older ones meet the mute on their next request.
// Delaying the response instead would make KIP-219 clients wait twice, and needs no help from
// the proxy connection this way.
//
// `per: principal` keys buckets by the authenticated principal (`anonymous`, shared by every
// client, when the virtual cluster does not authenticate at the gateway); `per: virtual-cluster`
// shares one bucket. Routes do not exist on the Kafka path: `per: route` draws every Kafka client
// of the cluster from one bucket (the limiter keys it by door). Requests before authentication
// completes have no principal and are not charged.
import type { Principal } from '../../core/principal.ts'
import type { RateLimitCounts } from '../../policy/engine.ts'
import type { RateLimitCharge } from '../../policy/rate-limit.ts'
import { isRequestOf, responseEdit } from '../filters/by-api.ts'
import {
  forward,
  type ConnectionState,
  type RequestDecision,
  type RequestFilter,
} from '../filters/types.ts'
import { fetchBytes, produceBytes, reportThrottle } from './measure.ts'

const PRODUCE = 0
const FETCH = 1

/** What the filter needs of the PolicyEngine (or a delegate to the current one, across reloads). */
export interface QuotaPolicies {
  rateLimitCounts(virtualCluster: string): RateLimitCounts
  chargeRateLimits(charge: RateLimitCharge): { throttleMs: number }
}

/** Monotonic milliseconds and a timer: real ones in the listener, fake ones in tests. */
export interface QuotaClock {
  now(): number
  sleep(ms: number): Promise<void>
}

export const systemClock: QuotaClock = {
  now: () => performance.now(),
  // Unref'd: a muted connection must not hold the process open at shutdown.
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
}

export interface QuotaFilterDeps {
  policies: QuotaPolicies
  virtualCluster: string
  clock?: QuotaClock
}

/** A connection's mute: when its requests may go on again (clock milliseconds). */
interface Mute {
  until: number
}

export function quotaFilter(deps: QuotaFilterDeps): RequestFilter {
  const { policies, virtualCluster } = deps
  const clock = deps.clock ?? systemClock
  const key = {}

  /** Milliseconds the connection stays muted (0 or less: not muted). */
  const mutedFor = (state: ConnectionState): number => {
    const mute = state.scratch.get(key) as Mute | undefined
    return mute === undefined ? 0 : mute.until - clock.now()
  }
  const mute = (state: ConnectionState, ms: number): void => {
    if (ms <= 0) return
    const until = clock.now() + ms
    const current = state.scratch.get(key) as Mute | undefined
    if (current === undefined) state.scratch.set(key, { until })
    else current.until = Math.max(current.until, until)
  }
  const charge = (principal: Principal, requests: number, bytes: number): number =>
    policies.chargeRateLimits({ door: 'kafka', virtualCluster, principal, requests, bytes })
      .throttleMs

  /** Charges a request that may go on now, and asks for its response when there is more to do. */
  const admit = (body: unknown, apiKey: number, state: ConnectionState): RequestDecision => {
    const principal = state.principal
    if (principal === undefined) return forward
    const counts = policies.rateLimitCounts(virtualCluster)
    const bytes = isRequestOf('produce', apiKey, body) && counts.bytes ? produceBytes(body) : 0
    if (counts.requests || bytes > 0) mute(state, charge(principal, 1, bytes))
    // A Fetch is charged its bytes once its answer is there.
    const chargeFetch =
      apiKey === FETCH && counts.bytes
        ? responseEdit('fetch', (response) =>
            mute(state, charge(principal, 0, fetchBytes(response)))
          )
        : undefined
    // Unthrottled and nothing to measure: the response passes undecoded.
    if (chargeFetch === undefined && mutedFor(state) <= 0) return forward
    return {
      kind: 'forward',
      changed: false,
      onResponse: (response) => {
        chargeFetch?.(response)
        // What is left of the mute when the answer goes out: the time the client should wait.
        reportThrottle(response, Math.max(0, mutedFor(state)))
      },
    }
  }

  const hold = async (body: unknown, apiKey: number, state: ConnectionState) => {
    // Another answer (a fetch charged on its response) may extend the mute while this waits.
    for (let wait = mutedFor(state); wait > 0; wait = mutedFor(state)) await clock.sleep(wait)
    return admit(body, apiKey, state)
  }

  return {
    wants(apiKey, _version, state) {
      const counts = policies.rateLimitCounts(virtualCluster)
      if (counts.requests) return true
      // Produce v0-2, which the codec cannot read, is wanted too: the connection is then closed
      // rather than its bytes let past the limit (Kafka 4 brokers refuse those versions anyway).
      if (counts.bytes && (apiKey === PRODUCE || apiKey === FETCH)) return true
      // A muted connection holds every request, counted or not, as a muted broker channel does.
      return mutedFor(state) > 0
    },
    onRequest(body, header, { state }) {
      const apiKey = header.requestApiKey
      return mutedFor(state) > 0 ? hold(body, apiKey, state) : admit(body, apiKey, state)
    },
  }
}
