// Where a topic reader is in each partition, and who waits for it to get somewhere. Two kinds of
// wait share it: readiness waits for the end offsets the topic had when the reader started (a
// view still loading would answer 404 for keys that exist), and a read that must see everything
// written before it (a reply another node served a moment ago, a view key just written) waits for
// the end offsets as they were when that read arrived.

type Ends = ReadonlyMap<number, bigint>

interface Waiter {
  /** Partitions not there yet, with the next offset each must reach. */
  behind: Map<number, bigint>
  settle(reached: boolean): void
}

export class ReadProgress {
  /** Next offset to read, per partition; known once the start offsets are. */
  readonly #next = new Map<number, bigint>()
  readonly #waiters = new Set<Waiter>()
  #started = false
  #stopped = false
  #caughtUp = false
  #resolveCaughtUp: (() => void) | undefined
  /** Settles once the reader caught up with the topic as it was at start. */
  readonly caughtUpAtStart: Promise<void>

  constructor() {
    this.caughtUpAtStart = new Promise((resolve) => (this.#resolveCaughtUp = resolve))
  }

  /** Whether every partition was read up to where it ended when the reader started. */
  get caughtUp(): boolean {
    return this.#caughtUp
  }

  /**
   * Where reading starts, and the end offsets then. Later calls are ignored: a re-created
   * consumer resumes from the positions kept here, and readiness is judged against the first ends.
   */
  start(starts: Ends, ends: Ends): void {
    if (this.#started) return
    this.#started = true
    for (const [partition, offset] of starts) this.advanced(partition, offset)
    void this.until(ends, Infinity).then((reached) => {
      if (!reached) return
      this.#caughtUp = true
      this.#resolveCaughtUp?.()
    })
    // Waits that began before the start offsets were known can be judged now.
    for (const waiter of [...this.#waiters]) this.#check(waiter)
  }

  /** The next offset to read in `partition` is now `next` (positions only move forward). */
  advanced(partition: number, next: bigint): void {
    const current = this.#next.get(partition)
    if (current !== undefined && current >= next) return
    this.#next.set(partition, next)
    for (const waiter of [...this.#waiters]) {
      const target = waiter.behind.get(partition)
      if (target === undefined || next < target) continue
      waiter.behind.delete(partition)
      if (waiter.behind.size === 0) waiter.settle(true)
    }
  }

  /**
   * Resolves true once every partition was read up to `ends`, false after `ms` or at stop(). A
   * partition the reader has no position for yet (one added since it started) counts from 0.
   */
  until(ends: Ends, ms: number): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false)
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined
      const waiter: Waiter = {
        behind: new Map([...ends].filter(([, end]) => end > 0n)),
        settle: (reached) => {
          if (!this.#waiters.delete(waiter)) return
          clearTimeout(timer)
          resolve(reached)
        },
      }
      this.#waiters.add(waiter)
      if (this.#started) this.#check(waiter)
      if (this.#waiters.has(waiter) && Number.isFinite(ms)) {
        timer = setTimeout(() => waiter.settle(false), Math.max(0, ms))
      }
    })
  }

  /** Every wait ends now, unreached (the reader is stopping). */
  stop(): void {
    this.#stopped = true
    for (const waiter of [...this.#waiters]) waiter.settle(false)
  }

  #check(waiter: Waiter): void {
    for (const [partition, target] of waiter.behind) {
      if ((this.#next.get(partition) ?? 0n) >= target) waiter.behind.delete(partition)
    }
    if (waiter.behind.size === 0) waiter.settle(true)
  }
}
