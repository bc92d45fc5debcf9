// The label sets of the per-request metrics, built once per distinct observation (door, virtual
// cluster, route, topic, principal, outcome, reason) instead of on every request, and counter
// increments summed in memory until the registry is read. prom-client hashes a labels object into
// a string key on every inc; at one produce request per event that was several microseconds a
// request, the largest cost Weir itself added to a small request.
import type { Counter, LabelValues } from 'prom-client'

/** Increments summed per labels object (the cached sets below) and handed over on a read. */
export class BufferedCounter<L extends string> {
  readonly #counter: Counter<L>
  readonly #pending = new Map<LabelValues<L>, number>()

  constructor(counter: Counter<L>) {
    this.#counter = counter
  }

  add(labels: LabelValues<L>, value: number): void {
    this.#pending.set(labels, (this.#pending.get(labels) ?? 0) + value)
  }

  /** Called by the counter's collect (every scrape, OTLP export and `get`) and before a reset. */
  flush(): void {
    for (const [labels, value] of this.#pending) this.#counter.inc(labels, value)
    this.#pending.clear()
  }
}

/** One observation's label sets, as the metrics of gateway-metrics.ts name them. */
export interface RequestSeries<R, F, D, B> {
  request: R
  inbound: F
  outbound: F
  duration: D
  backend: B
}

/**
 * Label sets by their raw values, at most `max` of them (a 404's topic is whatever the client
 * asked for): past that the cache starts over, after `onReset` (which flushes the buffered
 * counters, whose pending keys are these sets).
 */
export class SeriesCache<S> {
  readonly #max: number
  readonly #onReset: () => void
  #entries = new Map<string, S>()

  constructor(max: number, onReset: () => void) {
    this.#max = max
    this.#onReset = onReset
  }

  get(key: string, build: () => S): S {
    let series = this.#entries.get(key)
    if (series !== undefined) return series
    if (this.#entries.size >= this.#max) this.clear()
    series = build()
    this.#entries.set(key, series)
    return series
  }

  /** Forget every set (new label limits): the buffered counters are flushed first. */
  clear(): void {
    this.#onReset()
    this.#entries = new Map()
  }
}
