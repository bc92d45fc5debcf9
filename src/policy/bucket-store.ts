// Rate limit buckets by virtual cluster, then by id (principal, route or door). Two Map levels
// instead of one concatenated key: the hot path then allocates no string, and hashes only strings
// it has seen before (principal names and route names are long-lived).

export class BucketStore<B> {
  readonly #scopes = new Map<string, Map<string, B>>()
  #size = 0

  get size(): number {
    return this.#size
  }

  get(scope: string, id: string): B | undefined {
    return this.#scopes.get(scope)?.get(id)
  }

  add(scope: string, id: string, bucket: B): void {
    let ids = this.#scopes.get(scope)
    if (ids === undefined) {
      ids = new Map()
      this.#scopes.set(scope, ids)
    }
    if (!ids.has(id)) this.#size++
    ids.set(id, bucket)
  }

  /** Removes every bucket the predicate picks. */
  sweep(drop: (bucket: B) => boolean): void {
    for (const [scope, ids] of this.#scopes) {
      for (const [id, bucket] of ids) {
        if (drop(bucket)) {
          ids.delete(id)
          this.#size--
        }
      }
      if (ids.size === 0) this.#scopes.delete(scope)
    }
  }

  /** Removes `count` buckets, oldest first within each scope (Map order is insertion order). */
  evict(count: number): void {
    for (const [scope, ids] of this.#scopes) {
      for (const id of ids.keys()) {
        if (count-- <= 0) return
        ids.delete(id)
        this.#size--
      }
      if (ids.size === 0) this.#scopes.delete(scope)
    }
  }
}
