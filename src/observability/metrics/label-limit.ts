// Bounded label values. Principals, topics and routes are open-ended: one label value per API key
// or per topic would grow a metrics registry (and every Prometheus behind it) without end. Each
// such label goes through a limiter: `cap` keeps the first N distinct values and folds the rest
// into `_other`; `hash` maps every value to one of N stable buckets; `drop` keeps none.
import { createHash } from 'node:crypto'

export type LabelMode = 'cap' | 'hash' | 'drop'

export interface LabelLimitSettings {
  mode: LabelMode
  max: number
}

export const OTHER = '_other'
export const ALL = '_all'

export class LabelLimiter {
  readonly #settings: LabelLimitSettings
  readonly #seen = new Set<string>()

  constructor(settings: LabelLimitSettings, seen: Iterable<string> = []) {
    this.#settings = settings
    for (const value of seen) this.#seen.add(value)
  }

  /**
   * The limiter for new settings (a config reload). The values already kept stay counted: their
   * series are in the registry for good, so a fresh count would let every reload add `max` more.
   */
  reconfigured(settings: LabelLimitSettings): LabelLimiter {
    const same = settings.mode === this.#settings.mode && settings.max === this.#settings.max
    if (same) return this
    return new LabelLimiter(settings, settings.mode === 'cap' ? this.#seen : [])
  }

  /** The label value to record for `value` (empty string when there is none). */
  value(value: string | undefined): string {
    if (value === undefined || value === '') return ''
    const { mode, max } = this.#settings
    if (mode === 'drop') return ALL
    if (mode === 'hash') return hashBucket(value, max)
    if (this.#seen.has(value)) return value
    if (this.#seen.size >= max) return OTHER
    this.#seen.add(value)
    return value
  }

  /** Distinct values kept so far (`cap`). */
  get kept(): number {
    return this.#seen.size
  }
}

/** `h` and the bucket number, zero-padded to the width of `buckets - 1`. */
export function hashBucket(value: string, buckets: number): string {
  const n = createHash('sha256').update(value).digest().readUInt32BE(0) % buckets
  return `h${String(n).padStart(String(Math.max(buckets - 1, 0)).length, '0')}`
}
