// A cache for answers that may change (a subject's latest version): fresh for `ttlMs`, then
// looked up again. While the source is down, an expired answer is served stale, because a
// registry outage must not fail requests whose schema Weir already knows. Concurrent misses for
// one key share a single lookup.
import { BoundedMap } from './lru.ts'

export interface TtlCacheOptions {
  ttlMs: number
  /** After a failed refresh, how long to keep serving stale before trying the source again. */
  retryAfterMs: number
  maxEntries: number
  now?: () => number
  /** Whether a failure means "the source is down" (serve stale) rather than a definite answer. */
  isOutage: (err: unknown) => boolean
  /** Told each time a stale entry is served because a refresh failed. */
  onStale?: (key: string, err: unknown) => void
}

interface Entry<V> {
  value: V
  freshUntil: number
  /** Kept past a failed refresh: the source is down until freshUntil. */
  stale?: boolean
}

export class TtlCache<V> {
  readonly #options: TtlCacheOptions
  readonly #now: () => number
  readonly #entries: BoundedMap<string, Entry<V>>
  readonly #inflight = new Map<string, Promise<V>>()

  constructor(options: TtlCacheOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
    this.#entries = new BoundedMap(options.maxEntries)
  }

  /** The cached value while fresh; undefined otherwise (no lookup). */
  peek(key: string): V | undefined {
    const entry = this.#entries.get(key)
    return entry && this.#now() < entry.freshUntil ? entry.value : undefined
  }

  /** Seeds or replaces an entry, fresh from now. */
  set(key: string, value: V): void {
    this.#entries.set(key, { value, freshUntil: this.#now() + this.#options.ttlMs })
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    const entry = this.#entries.get(key)
    if (entry && this.#now() < entry.freshUntil) return Promise.resolve(entry.value)
    const pending = this.#inflight.get(key)
    if (pending) return pending
    const lookup = this.#refresh(key, load, entry)
    this.#inflight.set(key, lookup)
    return lookup
  }

  /**
   * As get, but asks the source even while the entry is fresh (for an answer the caller has
   * reason to doubt). An outage still falls back to the entry, and while one lasts (retryAfterMs)
   * the source is spared.
   */
  reload(key: string, load: () => Promise<V>): Promise<V> {
    const entry = this.#entries.get(key)
    if (entry?.stale && this.#now() < entry.freshUntil) return Promise.resolve(entry.value)
    const pending = this.#inflight.get(key)
    if (pending) return pending
    const lookup = this.#refresh(key, load, entry)
    this.#inflight.set(key, lookup)
    return lookup
  }

  async #refresh(key: string, load: () => Promise<V>, stale: Entry<V> | undefined): Promise<V> {
    try {
      const value = await load()
      this.set(key, value)
      return value
    } catch (err) {
      if (!stale || !this.#options.isOutage(err)) throw err
      // Keep the old answer, and spare the source (and callers) a lookup on every request.
      stale.freshUntil = this.#now() + this.#options.retryAfterMs
      stale.stale = true
      this.#options.onStale?.(key, err)
      return stale.value
    } finally {
      this.#inflight.delete(key)
    }
  }
}
