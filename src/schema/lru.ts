// A Map bounded in size that forgets the least recently used entry first. Schema caches are keyed
// by ids and subjects seen in traffic, so they must not grow without bound.
export class BoundedMap<K, V> {
  readonly #max: number
  readonly #entries = new Map<K, V>()
  /** The most recently used key, when known: a hot key is looked up without reordering. */
  #newest: K | undefined

  constructor(max: number) {
    if (!(max >= 1)) throw new RangeError(`a bounded map needs room for at least one entry`)
    this.#max = max
  }

  get size(): number {
    return this.#entries.size
  }

  get(key: K): V | undefined {
    const value = this.#entries.get(key)
    if (value === undefined || key === this.#newest) return value
    // Re-inserting moves the key to the back of Map's insertion order: most recently used.
    this.#entries.delete(key)
    this.#entries.set(key, value)
    this.#newest = key
    return value
  }

  /** Reads without counting as a use. */
  peek(key: K): V | undefined {
    return this.#entries.get(key)
  }

  set(key: K, value: V): void {
    this.#entries.delete(key)
    this.#entries.set(key, value)
    this.#newest = key
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next()
      if (!oldest.done) this.#entries.delete(oldest.value)
    }
  }

  delete(key: K): void {
    this.#entries.delete(key)
    if (key === this.#newest) this.#newest = undefined
  }
}
