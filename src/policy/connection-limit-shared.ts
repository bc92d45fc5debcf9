// Connection limits on the shared state store (`state:`): cluster-wide counts. Each node publishes
// its whole count under every limit key it holds connections of, and admits a connection through
// one atomic script that sums the live nodes' counts (src/state/connection-slots-script.ts), so two
// nodes cannot both take the last slot. A node's entry carries an expiry that the node renews
// every third of `leaseMs` while it holds connections: a node that dies stops renewing, and its
// slots come back to the others once its entries expire, without it.
//
// Counts are absolute (this node's whole count, reserved slots included), never +1/-1: a write
// lost while the store was away is put right by the next renewal, and a store that missed a
// release over-counts (refuses early) rather than under-counts (admits past the limit).
import { randomUUID } from 'node:crypto'
import type { StateStore } from '../state/store.ts'
import type { ConnectionAdmission, ConnectionLimit } from './connection-limit.ts'
import { admitted, connectionRefusal } from './connection-limit.ts'
import { storeDownRefusal, type OnUnavailable } from './rate-limit-shared.ts'

export interface SharedConnectionSettings {
  /** How long a node's counts outlive its last renewal (a dead node's slots come back after it). */
  leaseMs: number
  /** The state section's default, for limits that set none. */
  onUnavailable: OnUnavailable
}

export class SharedConnectionSlots {
  /** This node's name in the store: a fresh one per process, so a restarted node starts at 0. */
  readonly #node = randomUUID()
  readonly #store: StateStore
  /** Counts (and logs) a decision taken without the store. */
  readonly #report: (outcome: OnUnavailable) => void
  /** The limits this node holds connections of (or published lately), by store key. */
  readonly #held = new Map<string, ConnectionLimit>()
  #settings: SharedConnectionSettings
  #renewal: NodeJS.Timeout | undefined

  constructor(
    store: StateStore,
    settings: SharedConnectionSettings,
    report: (outcome: OnUnavailable) => void
  ) {
    this.#store = store
    this.#settings = settings
    this.#report = report
  }

  /** A reload's settings; a changed lease takes effect at the next renewal. */
  configure(settings: SharedConnectionSettings): void {
    const changed = settings.leaseMs !== this.#settings.leaseMs
    this.#settings = settings
    if (changed && this.#renewal !== undefined) {
      clearInterval(this.#renewal)
      this.#renewal = undefined
      this.#renew()
    }
  }

  /**
   * A slot of every limit, or none, decided by the store over every node's count. Never rejects;
   * bounded by the store's command timeout. Store down: each failed limit does what its
   * `onUnavailable` says (fail-open: this node's own count decides; fail-closed: refused, 503).
   */
  async admit(limits: readonly ConnectionLimit[]): Promise<ConnectionAdmission> {
    // Reserved first, so every count this node publishes meanwhile includes this connection.
    const reserved = limits.map((limit) => this.#take(limit))
    const undo = () => reserved.forEach((release) => release())
    const answers = await Promise.allSettled(limits.map((limit) => this.#publish(limit, limit.max)))
    for (const [i, answer] of answers.entries()) {
      if (answer.status !== 'fulfilled' || answer.value.set) continue
      const limit = limits[i] as ConnectionLimit
      undo()
      return connectionRefusal(limit, answer.value.others + answer.value.count - 1)
    }
    const unreachable = limits.filter((_, i) => answers[i]?.status === 'rejected')
    for (const limit of unreachable) {
      const choice = limit.onUnavailable ?? this.#settings.onUnavailable
      this.#report(choice)
      if (choice === 'fail-closed') {
        undo()
        return storeDownRefusal(`connection limit "${limit.policy}"`, limit.policy)
      }
      // Fail-open: this node's own count decides (the reservation is in it).
      const held = limit.counter.count(limit.key) - 1
      if (held >= limit.max) {
        undo()
        return connectionRefusal(limit, held)
      }
    }
    return admitted(reserved)
  }

  /** Takes a local slot; giving it back publishes the new count (best effort). */
  #take(limit: ConnectionLimit): () => void {
    const release = limit.counter.take(limit.key)
    this.#held.set(storeKey(limit), limit)
    this.#renew()
    return () => {
      release()
      // A lost write is put right by the next renewal, or by the entry's expiry at 0.
      this.#publish(limit, -1).catch(() => undefined)
    }
  }

  /** Sends this node's whole count under the limit (`max` -1: whatever the others hold). */
  async #publish(limit: ConnectionLimit, max: number) {
    const key = storeKey(limit)
    const count = limit.counter.count(limit.key)
    if (count === 0) this.#held.delete(key)
    const answer = await this.#store.setSlots(key, this.#node, count, max, this.#settings.leaseMs)
    return { ...answer, count }
  }

  /** Renews every count this node holds, every third of the lease, while it holds any. */
  #renew(): void {
    if (this.#renewal !== undefined) return
    this.#renewal = setInterval(() => {
      for (const limit of this.#held.values()) this.#publish(limit, -1).catch(() => undefined)
      if (this.#held.size === 0) {
        clearInterval(this.#renewal)
        this.#renewal = undefined
      }
    }, this.#settings.leaseMs / 3)
    // Held connections keep the process alive, not the renewal of their counts.
    this.#renewal.unref()
  }
}

function storeKey(limit: ConnectionLimit): string {
  return `cl:${encodeURIComponent(limit.policy)}:${encodeURIComponent(limit.key)}`
}
