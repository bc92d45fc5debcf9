// The replies one node has read from a reply topic, by request id, until they expire: what
// `GET /requests/{id}` answers from, and what waiting requests and push subscribers are told.
// Bounded in entries and bytes; past a bound the oldest replies go first. Expiry needs no timer:
// reads check it, and every write drops the expired replies at the old end.

export interface StoredReply {
  /** The request id (the record's correlation id). */
  id: string
  status: number
  /** HTTP response headers the replying service set (lower-case names). */
  headers: Readonly<Record<string, string>>
  body: Buffer | null
  /** The record's `weir-encryption` header: the body is decrypted per principal when read. */
  encryption?: Buffer
  /** When the reply stops being readable (ms since the epoch). */
  expiresAt: number
  /** What the reply costs the store's byte bound. */
  bytes: number
}

export interface ReplyStoreLimits {
  maxEntries: number
  maxBytes: number
}

export interface ReplyStoreStats {
  entries: number
  bytes: number
  /** Replies dropped for room before they expired. */
  evicted: number
  waiters: number
}

type Waiter = (reply: StoredReply | undefined) => void

export class ReplyStore {
  readonly #limits: ReplyStoreLimits
  readonly #now: () => number
  /** In arrival order: the oldest replies, first to expire or be evicted, are at the start. */
  readonly #replies = new Map<string, StoredReply>()
  readonly #waiters = new Map<string, Set<Waiter>>()
  readonly #listeners = new Set<(reply: StoredReply) => void>()
  #bytes = 0
  #evicted = 0

  constructor(limits: ReplyStoreLimits, now: () => number = Date.now) {
    this.#limits = limits
    this.#now = now
  }

  /**
   * Keeps a reply and tells whoever waits for it. A second reply to the same request is ignored:
   * the first may already have been answered, and every node reads them in the same order.
   */
  put(reply: StoredReply): void {
    const now = this.#now()
    this.#dropExpired(now)
    if (reply.expiresAt <= now || this.#replies.has(reply.id)) return
    if (reply.bytes > this.#limits.maxBytes) {
      this.#evicted++
      return
    }
    this.#replies.set(reply.id, reply)
    this.#bytes += reply.bytes
    while (this.#replies.size > this.#limits.maxEntries || this.#bytes > this.#limits.maxBytes) {
      const [oldest] = this.#replies.values()
      if (oldest === undefined) break
      this.#remove(oldest)
      this.#evicted++
    }
    const waiting = this.#waiters.get(reply.id)
    if (waiting !== undefined) {
      this.#waiters.delete(reply.id)
      for (const waiter of waiting) waiter(reply)
    }
    for (const listener of this.#listeners) listener(reply)
  }

  get(id: string): StoredReply | undefined {
    const reply = this.#replies.get(id)
    if (reply === undefined) return undefined
    if (reply.expiresAt <= this.#now()) {
      this.#remove(reply)
      return undefined
    }
    return reply
  }

  /**
   * The reply, as soon as it exists, or undefined after `ms`, once `until` settles (then with the
   * reply if it came meanwhile), or at wakeAll().
   */
  wait(id: string, ms: number, until?: Promise<unknown>): Promise<StoredReply | undefined> {
    const found = this.get(id)
    if (found !== undefined || ms <= 0) return Promise.resolve(found)
    return new Promise((resolve) => {
      let set = this.#waiters.get(id)
      if (set === undefined) this.#waiters.set(id, (set = new Set()))
      const waiters = set
      const waiter: Waiter = (reply) => {
        clearTimeout(timer)
        waiters.delete(waiter)
        if (waiters.size === 0 && this.#waiters.get(id) === waiters) this.#waiters.delete(id)
        resolve(reply)
      }
      const timer = setTimeout(() => waiter(undefined), ms)
      waiters.add(waiter)
      void until?.finally(() => waiters.has(waiter) && waiter(this.get(id)))
    })
  }

  /** Calls `listener` with every reply stored from now on; returns the unsubscribe. */
  subscribe(listener: (reply: StoredReply) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Answers every waiting request now, without a reply (the node is shutting down). */
  wakeAll(): void {
    for (const waiters of [...this.#waiters.values()]) {
      for (const waiter of [...waiters]) waiter(undefined)
    }
    this.#waiters.clear()
  }

  stats(): ReplyStoreStats {
    let waiters = 0
    for (const set of this.#waiters.values()) waiters += set.size
    return { entries: this.#replies.size, bytes: this.#bytes, evicted: this.#evicted, waiters }
  }

  #dropExpired(now: number): void {
    // Arrival order is nearly expiry order (requests are answered in about the order they come);
    // a reply that expires earlier than one before it is caught by get() instead.
    for (const reply of this.#replies.values()) {
      if (reply.expiresAt > now) break
      this.#remove(reply)
    }
  }

  #remove(reply: StoredReply): void {
    if (this.#replies.delete(reply.id)) this.#bytes -= reply.bytes
  }
}
