// Idempotency-Key records in the shared state store (`state:`), so a repeat reaching any node gets
// the first answer. The first request claims the key with a "running" marker (SET NX with a TTL:
// a node that dies mid-request frees the key when it expires); a repeat arriving meanwhile, on any
// node, waits for the answer by polling, as repeats in one process wait for the first. Only
// successes are recorded; a failure frees the key so the client may retry.
import { GatewayError } from '../core/errors.ts'
import { StoreUnavailableError, type StateStore } from '../state/store.ts'
import type { StoredResponse } from './idempotency.ts'

export type Replayable = StoredResponse & { replayed: boolean }

export interface SharedIdempotencyOptions {
  store: StateStore
  /** While the store is down: this node's own records (fail-open) or 503 (fail-closed). */
  onUnavailable: 'fail-open' | 'fail-closed'
  /** Counts a request answered without the store. */
  report(outcome: 'fail-open' | 'fail-closed'): void
  /** How long a running marker holds the key (default 30 s): a crashed node's claim expires. */
  runningTtlMs?: number
}

const FIRST_POLL_MS = 20
const MAX_POLL_MS = 250

export class SharedIdempotency {
  readonly #options: SharedIdempotencyOptions
  readonly #runningTtlMs: number

  constructor(options: SharedIdempotencyOptions) {
    this.#options = options
    this.#runningTtlMs = options.runningTtlMs ?? 30_000
  }

  /**
   * Runs `produce` once across every node for `id`, or replays the first answer; `local` is this
   * node's own cache, for fail-open while the store is away.
   */
  async run(
    id: string,
    key: string,
    fingerprint: string,
    ttlMs: number,
    produce: () => Promise<StoredResponse>,
    local: () => Promise<Replayable>
  ): Promise<Replayable> {
    const { store } = this.#options
    const storeKey = `idem:${id}`
    let poll = FIRST_POLL_MS
    for (;;) {
      let existing
      try {
        existing = await store.claim(storeKey, fingerprint, this.#runningTtlMs)
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err
        return this.#unavailable(local)
      }
      if (existing === undefined) return this.#first(storeKey, fingerprint, ttlMs, produce)
      if (existing.fingerprint !== fingerprint) {
        throw new GatewayError(
          'invalid-record',
          `Idempotency-Key "${key}" was already used with a different request body`
        )
      }
      if (existing.state === 'done') {
        return { ...(JSON.parse(existing.response) as StoredResponse), replayed: true }
      }
      // Running on some node: look again soon (the marker's TTL bounds a dead node's claim).
      await new Promise((resolve) => setTimeout(resolve, poll))
      poll = Math.min(MAX_POLL_MS, poll * 2)
    }
  }

  async #first(
    storeKey: string,
    fingerprint: string,
    ttlMs: number,
    produce: () => Promise<StoredResponse>
  ): Promise<Replayable> {
    const { store } = this.#options
    let result: StoredResponse
    try {
      result = await produce()
    } catch (err) {
      await store.release(storeKey).catch(() => undefined)
      throw err
    }
    // The answer goes to the client whatever the store says now; a record that could not be
    // written leaves the marker to expire, and a later repeat then runs again.
    if (result.status >= 300) await store.release(storeKey).catch(() => undefined)
    else
      await store
        .complete(storeKey, fingerprint, JSON.stringify(result), ttlMs)
        .catch(() => undefined)
    return { ...result, replayed: false }
  }

  #unavailable(local: () => Promise<Replayable>): Promise<Replayable> {
    const { onUnavailable, report } = this.#options
    report(onUnavailable)
    if (onUnavailable === 'fail-open') return local()
    return Promise.reject(
      new GatewayError(
        'backend-unavailable',
        'Idempotency-Key cannot be checked: the shared state store is unavailable (fail-closed)',
        { retryAfterSeconds: 1 }
      )
    )
  }
}
