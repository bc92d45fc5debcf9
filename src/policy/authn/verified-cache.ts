// Remembers username/password pairs that passed a slow check (scrypt), for a short TTL. Entries are
// keyed by an HMAC under a per-process random key, so the cache never holds a password, and a
// memory dump does not yield hashes anyone can test guesses against offline.
import { createHmac, randomBytes } from 'node:crypto'

export interface VerifiedCacheOptions {
  ttlMs: number
  maxEntries: number
  now: () => number
}

export class VerifiedCache {
  readonly #secret = randomBytes(32)
  readonly #options: VerifiedCacheOptions
  /** key -> expiry; Map order is insertion order, so the first entry is the oldest. */
  readonly #verified = new Map<string, number>()
  /** Checks in flight: a burst of requests with the same new credentials pays scrypt once. */
  readonly #pending = new Map<string, Promise<boolean>>()

  constructor(options: VerifiedCacheOptions) {
    this.#options = options
  }

  get size(): number {
    return this.#verified.size
  }

  async verify(
    username: string,
    password: string,
    check: () => Promise<boolean>
  ): Promise<boolean> {
    // JSON framing keeps ("a:b", "c") and ("a", "b:c") apart.
    const key = createHmac('sha256', this.#secret)
      .update(JSON.stringify([username, password]))
      .digest('base64')
    const expires = this.#verified.get(key)
    if (expires !== undefined) {
      if (expires > this.#options.now()) return true
      this.#verified.delete(key)
    }
    let pending = this.#pending.get(key)
    if (pending === undefined) {
      pending = check().finally(() => this.#pending.delete(key))
      this.#pending.set(key, pending)
    }
    const ok = await pending
    // Failures are never cached: every wrong guess costs the guesser a full scrypt.
    if (ok) this.#remember(key)
    return ok
  }

  #remember(key: string): void {
    this.#verified.delete(key)
    while (this.#verified.size >= this.#options.maxEntries) {
      const oldest = this.#verified.keys().next()
      if (oldest.done === true) break
      this.#verified.delete(oldest.value)
    }
    this.#verified.set(key, this.#options.now() + this.#options.ttlMs)
  }
}

/** How a password method (`basic`, `scram` over HTTP Basic) remembers what it verified. */
export interface PasswordCacheOptions {
  /** How long a verified username/password pair is trusted without rehashing (default 60 s). */
  cacheTtlMs?: number
  /** Most pairs remembered at once (default 10 000). */
  cacheMaxEntries?: number
  /** Monotonic milliseconds; injectable for tests. */
  now?: () => number
}

export function passwordCache(options: PasswordCacheOptions): VerifiedCache {
  return new VerifiedCache({
    ttlMs: options.cacheTtlMs ?? 60_000,
    maxEntries: options.cacheMaxEntries ?? 10_000,
    now: options.now ?? (() => performance.now()),
  })
}
