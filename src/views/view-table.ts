// The in-memory table behind a view: the latest value of every key of a compacted topic, as one
// node read it. Tombstones delete. Bounded in keys and bytes: past a bound the keys written least
// recently go first, and the table says it is no longer complete (a key it lacks may exist).
//
// ETags are the record's partition and offset: every node reading the topic gives a key the same
// ETag, so a client may revalidate or long-poll on any node.

export interface ViewEntry {
  key: string
  value: Buffer
  partition: number
  offset: string
  /** Record timestamp, ms since the epoch (decimal string, as Kafka clients give it). */
  timestamp: string
  /** Strong ETag, quotes included. */
  etag: string
  /** The record's `weir-encryption` header: the value is decrypted per principal when read. */
  encryption?: Buffer
  bytes: number
}

export interface ViewLimits {
  maxKeys: number
  maxBytes: number
}

export interface ViewStats {
  keys: number
  bytes: number
  /** Keys dropped for room; the table is complete only while this is 0. */
  evicted: number
  waiters: number
}

export interface KeyPage {
  keys: ViewEntry[]
  /** The last key of this page, when more follow. */
  next?: string
}

/** Fixed cost of an entry beyond its key and value bytes (map entry, object, strings). */
const ENTRY_OVERHEAD = 120

export class ViewTable {
  readonly #limits: ViewLimits
  /** Least recently written first (an update moves a key to the end). */
  readonly #entries = new Map<string, ViewEntry>()
  readonly #waiters = new Map<string, Set<() => void>>()
  /** Keys in code unit order, made when a listing needs them after keys came or went. */
  #sorted: string[] | undefined
  #bytes = 0
  #evicted = 0

  constructor(limits: ViewLimits) {
    this.#limits = limits
  }

  /** Applies one record: a value sets the key, a tombstone (null) deletes it. */
  apply(
    key: string,
    value: Buffer | null,
    position: { partition: number; offset: string; timestamp: string; encryption?: Buffer }
  ): void {
    const current = this.#entries.get(key)
    // Read again after a restart: never go back to an older version of a key.
    if (
      current !== undefined &&
      current.partition === position.partition &&
      BigInt(current.offset) >= BigInt(position.offset)
    ) {
      return
    }
    if (current !== undefined) {
      this.#entries.delete(key)
      this.#bytes -= current.bytes
    }
    const bytes =
      value === null
        ? 0
        : ENTRY_OVERHEAD +
          Buffer.byteLength(key) +
          value.length +
          (position.encryption?.length ?? 0)
    if (value !== null && bytes <= this.#limits.maxBytes) {
      const etag = `"${position.partition}-${position.offset}"`
      this.#entries.set(key, { key, value, ...position, etag, bytes })
      this.#bytes += bytes
      // An update keeps the key set (and the sorted keys) as they were.
      if (current === undefined) this.#sorted = undefined
      this.#evictPastBounds()
    } else {
      // A value larger than the whole table can never be held: the table is not complete.
      if (value !== null) this.#evicted++
      if (current !== undefined) this.#sorted = undefined
    }
    if (current !== undefined || value !== null) this.#notify(key)
  }

  get(key: string): ViewEntry | undefined {
    return this.#entries.get(key)
  }

  /**
   * Resolves once the key's ETag is no longer `etag` (undefined: once the key exists), or after
   * `ms`, or at wakeAll(); at once if that is already so.
   */
  waitForChange(key: string, etag: string | undefined, ms: number): Promise<void> {
    if (this.#entries.get(key)?.etag !== etag || ms <= 0) return Promise.resolve()
    return new Promise((resolve) => {
      let set = this.#waiters.get(key)
      if (set === undefined) this.#waiters.set(key, (set = new Set()))
      const waiters = set
      const done = (): void => {
        clearTimeout(timer)
        waiters.delete(done)
        if (waiters.size === 0 && this.#waiters.get(key) === waiters) this.#waiters.delete(key)
        resolve()
      }
      const timer = setTimeout(done, ms)
      waiters.add(done)
    })
  }

  /** Up to `limit` keys after `after` (exclusive), in code unit order. */
  page(after: string | undefined, limit: number): KeyPage {
    const sorted = (this.#sorted ??= [...this.#entries.keys()].sort())
    let start = 0
    if (after !== undefined) {
      // First key greater than `after`.
      let high = sorted.length
      while (start < high) {
        const mid = (start + high) >>> 1
        if ((sorted[mid] as string) <= after) start = mid + 1
        else high = mid
      }
    }
    const keys = sorted.slice(start, start + limit).map((k) => this.#entries.get(k) as ViewEntry)
    const more = start + limit < sorted.length
    return more ? { keys, next: keys.at(-1)?.key } : { keys }
  }

  get complete(): boolean {
    return this.#evicted === 0
  }

  stats(): ViewStats {
    let waiters = 0
    for (const set of this.#waiters.values()) waiters += set.size
    return { keys: this.#entries.size, bytes: this.#bytes, evicted: this.#evicted, waiters }
  }

  /** Answers every long-poll now (the node is shutting down). */
  wakeAll(): void {
    for (const key of [...this.#waiters.keys()]) this.#notify(key)
  }

  #evictPastBounds(): void {
    const { maxKeys, maxBytes } = this.#limits
    while (this.#entries.size > maxKeys || this.#bytes > maxBytes) {
      const [oldest] = this.#entries.values()
      if (oldest === undefined) return
      this.#remove(oldest)
      this.#evicted++
      this.#notify(oldest.key)
    }
  }

  #remove(entry: ViewEntry): void {
    if (!this.#entries.delete(entry.key)) return
    this.#bytes -= entry.bytes
    this.#sorted = undefined
  }

  #notify(key: string): void {
    const waiters = this.#waiters.get(key)
    if (waiters === undefined) return
    this.#waiters.delete(key)
    for (const done of [...waiters]) done()
  }
}
