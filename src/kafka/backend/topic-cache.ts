// Which topics a backend cluster has, as last seen. A produce for a topic kafkajs has never seen
// makes its producer fetch metadata for it, and for a topic that does not exist kafkajs retries
// that fetch while holding the producer's metadata lock: every other topic's records on the
// producer wait behind it (seconds), and each try is one more Metadata request to the brokers.
// Asking this cache first answers a missing topic at once, and many missing topics cost at most
// one refresh of the topic list per `refreshMs`, shared by everyone who asked meanwhile.

export interface TopicCacheOptions {
  /** The names of every topic on the cluster (one metadata request, bounded by the caller). */
  list(): Promise<Iterable<string>>
  /** The least time between two refreshes. */
  refreshMs: number
  now?: () => number
}

export class TopicCache {
  readonly #options: TopicCacheOptions
  readonly #now: () => number
  #topics = new Set<string>()
  #refreshedAt = -Infinity
  /** The last refresh's error, answered again until `refreshMs` has passed. */
  #failure: unknown
  #refreshing: Promise<void> | undefined
  #refreshes = 0

  constructor(options: TopicCacheOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  /** How many times the topic list was fetched. */
  get refreshes(): number {
    return this.#refreshes
  }

  /**
   * Whether `topic` exists. A known topic is answered from memory. An unknown one waits for the
   * refresh under way, or starts one if the last is older than `refreshMs`; otherwise the answer
   * is the last refresh's (false, or its error). A topic created since is seen on the next one.
   * A known topic's answer is `true` itself, not a promise: every produce request asks.
   */
  exists(topic: string): true | Promise<boolean> {
    if (this.#topics.has(topic)) return true
    return this.#lookUp(topic)
  }

  async #lookUp(topic: string): Promise<boolean> {
    if (this.#refreshing === undefined) {
      if (this.#now() - this.#refreshedAt < this.#options.refreshMs) {
        if (this.#failure !== undefined) throw this.#failure
        return false
      }
      this.#refreshing = this.#refresh().finally(() => (this.#refreshing = undefined))
    }
    await this.#refreshing
    return this.#topics.has(topic)
  }

  /** The brokers said `topic` is gone: believe them until the next refresh says otherwise. */
  forget(topic: string): void {
    this.#topics.delete(topic)
  }

  async #refresh(): Promise<void> {
    this.#refreshes++
    try {
      this.#topics = new Set(await this.#options.list())
      this.#failure = undefined
    } catch (err) {
      this.#failure = err
      throw err
    } finally {
      this.#refreshedAt = this.#now()
    }
  }
}
