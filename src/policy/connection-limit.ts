// Connection limits (`kind: connection-limit`): how many connections one principal (or a whole
// virtual cluster) may hold at once, counted across every door the policy applies to: WebSocket,
// SSE, long-poll sessions, reply sockets and Kafka connections. A connection takes a slot when it
// is admitted and gives it back when it closes (its lease). Without a shared state store one node
// counts its own connections (a client spread over N nodes may hold N times the limit); with one,
// the counts are cluster-wide (connection-limit-shared.ts).
import type { ConnectionLimitPolicyConfig } from '../config/schema/index.ts'
import type { Decision } from '../core/decision.ts'
import type { Door } from '../core/policy-request.ts'
import type { Principal } from '../core/principal.ts'
import type { OnUnavailable } from './rate-limit-shared.ts'

/** A connection about to be held open, as the engine counts it. */
export interface ConnectionRequest {
  door: Door
  virtualCluster: string
  /** The stream or route it is for, when the door has them. */
  route?: string
  principal: Principal
  /** The client's address (after any PROXY protocol header), checked by ip filters. */
  client?: string
}

/** A connection slot; `release` gives it back (calling it again does nothing). */
export interface Lease {
  release(): void
}

export type ConnectionAdmission =
  { verdict: 'allow'; lease: Lease } | Extract<Decision, { verdict: 'deny' }>

/** How long a refused client is told to wait: a slot frees whenever a connection closes. */
const RETRY_AFTER_MS = 1000

/** Connections held, by key. */
export class ConnectionCounter {
  readonly #counts = new Map<string, number>()

  count(key: string): number {
    return this.#counts.get(key) ?? 0
  }

  /** Takes a slot under `key`; the function gives it back (once). */
  take(key: string): () => void {
    this.#counts.set(key, this.count(key) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = this.count(key) - 1
      if (left <= 0) this.#counts.delete(key)
      else this.#counts.set(key, left)
    }
  }
}

/** One limit to check: its counter, the key a connection counts under, and the most allowed. */
export interface ConnectionLimit {
  counter: ConnectionCounter
  key: string
  max: number
  /** Says what was exceeded, for the refusal's detail. */
  describe(held: number): string
  policy: string
  /** With a shared state store: what to do while it is down (default: the store's choice). */
  onUnavailable?: OnUnavailable
}

/** A `connection-limit` policy: its settings and its counts (kept across reloads). */
export class ConnectionLimiter {
  readonly name: string
  readonly config: ConnectionLimitPolicyConfig
  readonly counter: ConnectionCounter

  constructor(config: ConnectionLimitPolicyConfig, counter = new ConnectionCounter()) {
    this.name = config.name
    this.config = config
    this.counter = counter
  }

  /** The limit a connection counts against: the principal's, or the whole virtual cluster's. */
  limitFor(connection: ConnectionRequest): ConnectionLimit {
    const { config } = this
    const perPrincipal = config.per === 'principal'
    const whose = perPrincipal
      ? `principal "${connection.principal.name}"`
      : `virtual cluster "${connection.virtualCluster}"`
    return {
      counter: this.counter,
      key: perPrincipal
        ? `${connection.virtualCluster}\u0000${connection.principal.name}`
        : connection.virtualCluster,
      max: config.maxConnections,
      policy: this.name,
      onUnavailable: config.onUnavailable,
      describe: (held) =>
        `${whose} already holds ${held} connections, the most connection limit "${this.name}" allows`,
    }
  }
}

/**
 * Takes a slot of every limit, or none: the first limit already full refuses the connection
 * (`rate-limited`: HTTP 429 with Retry-After, WebSocket 1013), and no other limit is charged.
 */
export function admitConnection(limits: readonly ConnectionLimit[]): ConnectionAdmission {
  for (const limit of limits) {
    const held = limit.counter.count(limit.key)
    if (held >= limit.max) return connectionRefusal(limit, held)
  }
  return admitted(limits.map((limit) => limit.counter.take(limit.key)))
}

/** An admission whose lease gives back every slot taken (once). */
export function admitted(releases: readonly (() => void)[]): ConnectionAdmission {
  let released = false
  return {
    verdict: 'allow',
    lease: {
      release() {
        if (released) return
        released = true
        for (const release of releases) release()
      },
    },
  }
}

/** The refusal of a connection over `limit`, which `held` connections fill already. */
export function connectionRefusal(
  limit: ConnectionLimit,
  held: number
): Extract<Decision, { verdict: 'deny' }> {
  return {
    verdict: 'deny',
    code: 'rate-limited',
    detail: limit.describe(held),
    policy: limit.policy,
    retryAfterMs: RETRY_AFTER_MS,
    headers: { 'Retry-After': String(RETRY_AFTER_MS / 1000) },
  }
}
