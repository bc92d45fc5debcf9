// What a control plane knows of its data planes: the status each one last reported (the config
// version it runs, its health), and whether it is still reporting.
export interface DataPlaneReport {
  /** ETag of the configuration the data plane runs. */
  etag?: string
  generation?: number
  /** `ok`, or `degraded` when it runs but could not apply the latest configuration. */
  health: 'ok' | 'degraded'
  /** Why the latest configuration was not applied, when it was not. */
  error?: string
  /** Listeners it serves. */
  listeners?: string[]
  /** How often it polls: it is stale after three intervals without a report. */
  pollIntervalMs?: number
}

export interface DataPlaneStatus extends DataPlaneReport {
  id: string
  /** The name of the token it authenticated with. */
  token: string
  lastSeen: string
  /** No report for three of its poll intervals (or `staleAfterMs` if it did not say). */
  stale: boolean
  /** It runs the control plane's current configuration. */
  current: boolean
}

export class DataPlanes {
  readonly #reports = new Map<string, { report: DataPlaneReport; token: string; at: number }>()
  readonly #staleAfterMs: number
  readonly #now: () => number

  constructor(options: { staleAfterMs: number; now?: () => number }) {
    this.#staleAfterMs = options.staleAfterMs
    this.#now = options.now ?? Date.now
  }

  report(id: string, token: string, report: DataPlaneReport): void {
    this.#reports.set(id, { report, token, at: this.#now() })
  }

  list(currentEtag: string): DataPlaneStatus[] {
    const now = this.#now()
    return [...this.#reports].map(([id, { report, token, at }]) => ({
      id,
      token,
      ...report,
      lastSeen: new Date(at).toISOString(),
      stale: now - at > staleAfter(report.pollIntervalMs, this.#staleAfterMs),
      current: report.etag === currentEtag,
    }))
  }
}

/** A report may be late by a moment on a busy node: never stale within this. */
const MIN_STALE_MS = 15_000

/**
 * Three poll intervals (at least MIN_STALE_MS), when the data plane said how often it polls;
 * else the default.
 */
function staleAfter(pollIntervalMs: unknown, fallbackMs: number): number {
  return typeof pollIntervalMs === 'number' && Number.isFinite(pollIntervalMs) && pollIntervalMs > 0
    ? Math.max(3 * pollIntervalMs, MIN_STALE_MS)
    : fallbackMs
}
