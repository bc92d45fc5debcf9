// Shared by the quota tests: one fake clock for the engine and the filter (timers fire only when
// a test moves it), a real PolicyEngine around given rate limits, and the filter driven as the
// proxy drives it, with messages that went through the codec.
import type { Principal } from '../../../src/core/principal.ts'
import { BrokerMap } from '../../../src/kafka-listener/broker-map.ts'
import type {
  ConnectionState,
  RequestDecision,
  RequestFilter,
} from '../../../src/kafka-listener/filters/types.ts'
import { quotaFilter, type QuotaClock } from '../../../src/kafka-listener/quota/index.ts'
import { PolicyEngine } from '../../../src/policy/engine.ts'
import { config } from '../../policy/fixtures.ts'
import { wireRequest, wireResponse } from '../acl/support.ts'

export interface FakeClock extends QuotaClock {
  /** Moves time on and lets every sleep that has come due resolve. */
  advance(ms: number): Promise<void>
  /** Sleeps not yet due. */
  readonly sleeping: number
}

export function fakeClock(start = 1000): FakeClock {
  let time = start
  const sleepers: { at: number; wake: () => void }[] = []
  return {
    now: () => time,
    sleep: (ms) => new Promise<void>((wake) => sleepers.push({ at: time + ms, wake })),
    async advance(ms) {
      time += ms
      for (const sleeper of sleepers.filter((s) => s.at <= time)) {
        sleepers.splice(sleepers.indexOf(sleeper), 1)
        sleeper.wake()
      }
      // Lets what the sleeps held run on (the filter's hold loop, the test's awaits).
      for (let i = 0; i < 5; i++) await Promise.resolve()
    },
    get sleeping() {
      return sleepers.length
    },
  }
}

export const alice: Principal = { name: 'alice', method: 'sasl', roles: [] }
export const bob: Principal = { name: 'bob', method: 'sasl', roles: [] }

/** A PolicyEngine whose virtual cluster `vc` has these rate-limit policies, on `clock`. */
export function engineWith(clock: FakeClock, limits: readonly Record<string, unknown>[]) {
  const policies = limits.map((l, i) => ({ name: `rl-${i}`, kind: 'rate-limit', ...l }))
  return new PolicyEngine(
    config({ policies, virtualClusters: [{ name: 'vc', policies: policies.map((p) => p.name) }] }),
    { now: clock.now }
  )
}

export const PRODUCE = 0
export const FETCH = 1
export const METADATA = 3

/** A produce request body with one partition of `bytes` record bytes (v9, flexible). */
export function produce(bytes: number, acks = -1): unknown {
  return wireRequest(PRODUCE, 9, {
    acks,
    timeoutMs: 1000,
    topicData: [{ name: 'orders', partitionData: [{ index: 0, records: Buffer.alloc(bytes) }] }],
  })
}

/** A fetch response (v12) carrying `bytes` record bytes in one partition. */
export function fetchResponse(bytes: number, throttleTimeMs = 0) {
  return wireResponse<{ throttleTimeMs: number }>(FETCH, 12, {
    throttleTimeMs,
    responses: [
      { topic: 'orders', partitions: [{ partitionIndex: 0, records: Buffer.alloc(bytes) }] },
    ],
  })
}

export interface Connection {
  filter: RequestFilter
  state: ConnectionState
  /** What the filter decides for a request (a promise while the connection is muted). */
  request(
    apiKey: number,
    body?: unknown,
    version?: number
  ): RequestDecision | Promise<RequestDecision>
}

/** One client connection through a quota filter for `vc`. */
export function connection(
  engine: PolicyEngine,
  clock: FakeClock,
  /** null: no principal yet (the authentication gate has not let the client in). */
  principal: Principal | null = alice
): Connection {
  const filter = quotaFilter({ policies: engine, virtualCluster: 'vc', clock })
  const state: ConnectionState = { principal: principal ?? undefined, scratch: new Map() }
  const context = {
    brokers: new BrokerMap({ advertisedHost: 'weir', brokerPortBase: 9100 }),
    state,
  }
  return {
    filter,
    state,
    request(apiKey, body = {}, version = 9) {
      const header = {
        requestApiKey: apiKey,
        requestApiVersion: version,
        correlationId: 1,
        clientId: 't',
      }
      return filter.onRequest(body, header, context)
    },
  }
}

/** The decision of a request that is not held (the filter answered synchronously). */
export function now(decision: RequestDecision | Promise<RequestDecision>): RequestDecision {
  if (decision instanceof Promise) throw new Error('held: the connection is muted')
  return decision
}

/** Runs the decision's response edit, as the proxy does with the broker's answer. */
export function answer<Res>(decision: RequestDecision, response: Res): Res {
  if (decision.kind !== 'forward') throw new Error(`not forwarded: ${decision.kind}`)
  decision.onResponse?.(response)
  return response
}
