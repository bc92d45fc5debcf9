// Per-principal connection limits of each stream (`maxConnectionsPerPrincipal`). One node counts
// its own connections: a client spread over N nodes may hold N times the limit, which a load
// balancer's per-client stickiness or a shared rate limit policy bounds if that matters.
import { GatewayError } from '../core/errors.ts'

export interface Lease {
  /** Gives the slot back; calling it twice gives back one slot. */
  release(): void
}

export class ConnectionLimits {
  readonly #counts = new Map<string, number>()

  /** Takes a slot, or refuses with `rate-limited` (HTTP 429, WebSocket 1013). */
  acquire(stream: string, principal: string, limit: number): Lease {
    const key = `${stream}\u0000${principal}`
    const count = this.#counts.get(key) ?? 0
    if (count >= limit) {
      throw new GatewayError(
        'rate-limited',
        `principal "${principal}" already holds ${count} connections to stream "${stream}", the most allowed`,
        { retryAfterSeconds: 1 }
      )
    }
    this.#counts.set(key, count + 1)
    let released = false
    return {
      release: () => {
        if (released) return
        released = true
        const left = (this.#counts.get(key) ?? 1) - 1
        if (left <= 0) this.#counts.delete(key)
        else this.#counts.set(key, left)
      },
    }
  }

  /** Connections held, by stream and principal (for tests and metrics). */
  count(stream: string, principal: string): number {
    return this.#counts.get(`${stream}\u0000${principal}`) ?? 0
  }
}
