// A latency histogram with fixed 0.1 ms buckets: the fan-out clients see hundreds of thousands of
// deliveries per second, too many to keep every value, and a percentile to 0.1 ms is all a report
// needs. Values past the last bucket are counted there, and the maximum is kept exactly.

const BUCKET_MS = 0.1
/** 60 s: anything slower is a failure the maximum shows anyway. */
const BUCKETS = 600_000

export interface LatencySummary {
  count: number
  p50: number
  p90: number
  p99: number
  max: number
  mean: number
}

export class Histogram {
  readonly #counts = new Uint32Array(BUCKETS)
  #count = 0
  #sum = 0
  #max = Number.NEGATIVE_INFINITY

  add(ms: number): void {
    // A clock step or a sender ahead of the receiver by a hair: count it as no delay at all.
    const value = ms < 0 ? 0 : ms
    const bucket = Math.min(BUCKETS - 1, Math.floor(value / BUCKET_MS))
    this.#counts[bucket] = (this.#counts[bucket] ?? 0) + 1
    this.#count++
    this.#sum += value
    if (value > this.#max) this.#max = value
  }

  get count(): number {
    return this.#count
  }

  /** The nearest-rank percentile, as the upper edge of its bucket (never below the truth). */
  percentile(p: number): number {
    if (this.#count === 0) return Number.NaN
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count))
    let seen = 0
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i] ?? 0
      if (seen >= rank) return Math.min(this.#max, (i + 1) * BUCKET_MS)
    }
    return this.#max
  }

  summary(): LatencySummary {
    return {
      count: this.#count,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      max: this.#count === 0 ? Number.NaN : this.#max,
      mean: this.#count === 0 ? Number.NaN : this.#sum / this.#count,
    }
  }
}
