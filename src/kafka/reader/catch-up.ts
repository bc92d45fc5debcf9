// Whether a reader has caught up with a topic as it was when the reader started: every partition
// read up to the end offset it had then. Views answer readiness from it (a view that is still
// loading would answer 404 for keys that exist).

export class CatchUp {
  /** Next offset each partition must reach; partitions that got there are removed. */
  readonly #behind = new Map<number, bigint>()
  #done = false
  #resolve: (() => void) | undefined
  /** Settles once every partition reached its target. */
  readonly reached: Promise<void>

  constructor() {
    this.reached = new Promise((resolve) => (this.#resolve = resolve))
  }

  get done(): boolean {
    return this.#done
  }

  /** Partitions still behind (for stats and logs). */
  get behind(): number {
    return this.#behind.size
  }

  /**
   * The end offsets at start and where reading starts; a partition already there (empty, or
   * starting at its end) counts as caught up. Later calls are ignored: the target is the first.
   */
  target(ends: ReadonlyMap<number, string>, starts: ReadonlyMap<number, string>): void {
    if (this.#done || this.#behind.size > 0) return
    for (const [partition, end] of ends) {
      const target = BigInt(end)
      if (BigInt(starts.get(partition) ?? end) < target) this.#behind.set(partition, target)
    }
    this.#check()
  }

  /** The next offset to read in `partition` is now `next`. */
  advanced(partition: number, next: bigint): void {
    const target = this.#behind.get(partition)
    if (target === undefined || next < target) return
    this.#behind.delete(partition)
    this.#check()
  }

  #check(): void {
    if (this.#done || this.#behind.size > 0) return
    this.#done = true
    this.#resolve?.()
  }
}
