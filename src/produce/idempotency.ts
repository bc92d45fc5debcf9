// Idempotency-Key: a repeat of a request within the TTL gets the first answer and produces
// nothing; concurrent repeats wait for the first one. Keys are scoped to principal and route, and
// reusing a key with a different body is an error (as the IETF Idempotency-Key draft says).
// The cache is per node unless a shared state store is configured (idempotency-shared.ts).
import { createHash } from 'node:crypto'
import { GatewayError } from '../core/errors.ts'
import { SharedIdempotency, type SharedIdempotencyOptions } from './idempotency-shared.ts'

export interface StoredResponse {
  status: number
  body: unknown
  headers: Record<string, string>
}

interface Entry {
  fingerprint: string
  expires: number
  response: Promise<StoredResponse>
}

export class IdempotencyCache {
  readonly #ttlMs: number
  readonly #maxEntries: number
  readonly #entries = new Map<string, Entry>()
  readonly #shared: SharedIdempotency | undefined

  constructor(
    ttlMs = 24 * 60 * 60 * 1000,
    maxEntries = 100_000,
    shared?: SharedIdempotencyOptions
  ) {
    this.#ttlMs = ttlMs
    this.#maxEntries = maxEntries
    this.#shared = shared === undefined ? undefined : new SharedIdempotency(shared)
  }

  static fingerprint(body: Uint8Array): string {
    return createHash('sha256').update(body).digest('base64url')
  }

  /**
   * A request's answer: `produce` once per principal, route and `Idempotency-Key` (when the
   * client sent one; every time when not), the first answer replayed to a repeat.
   */
  answer(
    request: { principal: string; route: string; key: string | null | undefined; body: Uint8Array },
    produce: () => Promise<StoredResponse>
  ): Promise<StoredResponse & { replayed?: boolean }> {
    const { principal, route, key, body } = request
    // Without a key the answer is the request's own, as it comes (no copy marks it fresh).
    if (!key) return produce()
    const scope = `${principal}\u0000${route}`
    const fingerprint = IdempotencyCache.fingerprint(body)
    if (this.#shared === undefined) return this.run(scope, key, fingerprint, produce)
    // The store's key: names can hold any character, so each part is encoded.
    const id = [principal, route, key].map(encodeURIComponent).join(':')
    return this.#shared.run(id, key, fingerprint, this.#ttlMs, produce, () =>
      this.run(scope, key, fingerprint, produce)
    )
  }

  /**
   * Runs `produce` once per scope+key. Only successes (2xx) are remembered: after a failure the
   * client may retry with the same key.
   */
  async run(
    scope: string,
    key: string,
    fingerprint: string,
    produce: () => Promise<StoredResponse>
  ): Promise<StoredResponse & { replayed: boolean }> {
    const id = `${scope}\u0000${key}`
    const now = Date.now()
    const existing = this.#entries.get(id)
    if (existing && existing.expires > now) {
      if (existing.fingerprint !== fingerprint) {
        throw new GatewayError(
          'invalid-record',
          `Idempotency-Key "${key}" was already used with a different request body`
        )
      }
      return { ...(await existing.response), replayed: true }
    }
    const response = produce()
    this.#remember(id, { fingerprint, expires: now + this.#ttlMs, response })
    try {
      const result = await response
      if (result.status >= 300) this.#entries.delete(id)
      return { ...result, replayed: false }
    } catch (err) {
      this.#entries.delete(id)
      throw err
    }
  }

  #remember(id: string, entry: Entry): void {
    this.#entries.delete(id)
    this.#entries.set(id, entry)
    // Maps iterate in insertion order: the first entries are the oldest.
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string
      this.#entries.delete(oldest)
    }
  }
}
