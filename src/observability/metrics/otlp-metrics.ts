// OTLP metrics export: the Prometheus registry pushed to an OpenTelemetry collector over OTLP/HTTP
// (JSON encoding, POST to `/v1/metrics`) every interval, besides GET /metrics. prom-client has no
// OpenTelemetry bridge, so the registry's JSON form is converted here: counters become cumulative
// monotonic sums, gauges gauges, histograms explicit-bucket histograms (Prometheus's cumulative
// `le` buckets turned into per-bucket counts), summaries summaries. Names and labels stay as
// Prometheus has them, so dashboards read the same either way.
//
// A push never touches a request: it runs on its own timer, one at a time (a push still running
// when the next is due skips that one), bounded by its timeout. Results are counted in
// `weir_otlp_metric_exports_total`; failures are logged when they start, then at most once a
// minute (or once per interval, when that is longer) while they go on, and once when they stop.
import type { Logger } from '../logger.ts'

export interface OtlpMetricsSettings {
  /** Full URL, e.g. http://collector:4318/v1/metrics. */
  endpoint: string
  headers: Record<string, string>
  intervalMs: number
  timeoutMs: number
}

/** One metric as prom-client's `registry.getMetricsAsJSON()` gives it. */
export interface PromMetric {
  name: string
  help: string
  type: string
  values: PromValue[]
}

export interface PromValue {
  value: number
  labels: Record<string, string | number | undefined>
  /** Histograms and summaries: `<name>_bucket`, `<name>_sum`, `<name>_count`. */
  metricName?: string
}

// --- OTLP JSON (opentelemetry/proto/collector/metrics/v1, protobuf JSON mapping) ---

export interface OtlpKeyValue {
  key: string
  value: { stringValue: string }
}

interface PointBase {
  attributes: OtlpKeyValue[]
  startTimeUnixNano?: string
  timeUnixNano: string
}

export interface OtlpNumberPoint extends PointBase {
  asDouble: number
}

export interface OtlpHistogramPoint extends PointBase {
  count: string
  sum: number
  bucketCounts: string[]
  explicitBounds: number[]
}

export interface OtlpSummaryPoint extends PointBase {
  count: string
  sum: number
  quantileValues: { quantile: number; value: number }[]
}

/** AGGREGATION_TEMPORALITY_CUMULATIVE: enums are integers in OTLP JSON. */
export const CUMULATIVE = 2

export interface OtlpMetric {
  name: string
  description: string
  unit: string
  sum?: { dataPoints: OtlpNumberPoint[]; aggregationTemporality: number; isMonotonic: boolean }
  gauge?: { dataPoints: OtlpNumberPoint[] }
  histogram?: { dataPoints: OtlpHistogramPoint[]; aggregationTemporality: number }
  summary?: { dataPoints: OtlpSummaryPoint[] }
}

export interface OtlpMetricsRequest {
  resourceMetrics: {
    resource: { attributes: OtlpKeyValue[] }
    scopeMetrics: { scope: { name: string; version?: string }; metrics: OtlpMetric[] }[]
  }[]
}

export interface ConvertOptions {
  /** Resource attributes: `service.name` and the like. */
  resource: Record<string, string>
  scope: { name: string; version?: string }
  /** When counting began (epoch ms): the start of cumulative series. */
  startTimeMs: number
  /** The time of the points (epoch ms). */
  timeMs: number
}

/** The OTLP/HTTP JSON request body holding `metrics`. */
export function toOtlpMetrics(
  metrics: readonly PromMetric[],
  options: ConvertOptions
): OtlpMetricsRequest {
  const time = { start: nanos(options.startTimeMs), now: nanos(options.timeMs) }
  const converted: OtlpMetric[] = []
  for (const metric of metrics) {
    const otlp = convertMetric(metric, time)
    if (otlp !== undefined) converted.push(otlp)
  }
  return {
    resourceMetrics: [
      {
        resource: { attributes: attributes(options.resource) },
        scopeMetrics: [{ scope: options.scope, metrics: converted }],
      },
    ],
  }
}

interface Times {
  start: string
  now: string
}

function convertMetric(metric: PromMetric, time: Times): OtlpMetric | undefined {
  const base = { name: metric.name, description: metric.help, unit: unitOf(metric.name) }
  switch (metric.type) {
    case 'counter': {
      const dataPoints = numberPoints(metric.values, time, true)
      if (dataPoints.length === 0) return undefined
      return { ...base, sum: { dataPoints, aggregationTemporality: CUMULATIVE, isMonotonic: true } }
    }
    case 'gauge': {
      const dataPoints = numberPoints(metric.values, time, false)
      return dataPoints.length === 0 ? undefined : { ...base, gauge: { dataPoints } }
    }
    case 'histogram': {
      const dataPoints = histogramPoints(metric, time)
      if (dataPoints.length === 0) return undefined
      return { ...base, histogram: { dataPoints, aggregationTemporality: CUMULATIVE } }
    }
    case 'summary': {
      const dataPoints = summaryPoints(metric, time)
      return dataPoints.length === 0 ? undefined : { ...base, summary: { dataPoints } }
    }
    default:
      return undefined
  }
}

function numberPoints(values: readonly PromValue[], time: Times, cumulative: boolean) {
  const points: OtlpNumberPoint[] = []
  for (const v of values) {
    // OTLP JSON has no NaN or infinities as numbers; such a sample says nothing anyway.
    if (!Number.isFinite(v.value)) continue
    points.push({
      attributes: attributes(v.labels),
      ...(cumulative ? { startTimeUnixNano: time.start } : {}),
      timeUnixNano: time.now,
      asDouble: v.value,
    })
  }
  return points
}

interface Series {
  labels: Record<string, string | number | undefined>
  /** Cumulative counts by upper bound (+Inf as Infinity). */
  buckets: [number, number][]
  quantiles: [number, number][]
  sum: number
  count: number
}

/** Histogram and summary samples grouped into one series per label set (without `le`/`quantile`). */
function seriesOf(metric: PromMetric, split: 'le' | 'quantile'): Series[] {
  const byKey = new Map<string, Series>()
  for (const v of metric.values) {
    const { [split]: bound, ...labels } = v.labels
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))
    let series = byKey.get(key)
    if (series === undefined) {
      series = { labels, buckets: [], quantiles: [], sum: 0, count: 0 }
      byKey.set(key, series)
    }
    const which = v.metricName ?? metric.name
    if (which === `${metric.name}_sum`) series.sum = v.value
    else if (which === `${metric.name}_count`) series.count = v.value
    else if (split === 'le' && bound !== undefined) series.buckets.push([boundOf(bound), v.value])
    else if (split === 'quantile' && bound !== undefined) {
      series.quantiles.push([Number(bound), v.value])
    }
  }
  return [...byKey.values()]
}

function histogramPoints(metric: PromMetric, time: Times): OtlpHistogramPoint[] {
  return seriesOf(metric, 'le').map((series) => {
    const finite = series.buckets.filter(([le]) => Number.isFinite(le)).sort(([a], [b]) => a - b)
    const bucketCounts: string[] = []
    let below = 0
    for (const [, cumulative] of finite) {
      bucketCounts.push(String(Math.max(0, cumulative - below)))
      below = cumulative
    }
    // The overflow bucket: everything above the last bound.
    bucketCounts.push(String(Math.max(0, series.count - below)))
    return {
      attributes: attributes(series.labels),
      startTimeUnixNano: time.start,
      timeUnixNano: time.now,
      count: String(series.count),
      sum: Number.isFinite(series.sum) ? series.sum : 0,
      bucketCounts,
      explicitBounds: finite.map(([le]) => le),
    }
  })
}

function summaryPoints(metric: PromMetric, time: Times): OtlpSummaryPoint[] {
  return seriesOf(metric, 'quantile').map((series) => ({
    attributes: attributes(series.labels),
    startTimeUnixNano: time.start,
    timeUnixNano: time.now,
    count: String(series.count),
    sum: Number.isFinite(series.sum) ? series.sum : 0,
    quantileValues: series.quantiles
      .filter(([, value]) => Number.isFinite(value))
      .sort(([a], [b]) => a - b)
      .map(([quantile, value]) => ({ quantile, value })),
  }))
}

function boundOf(le: string | number): number {
  if (le === '+Inf' || le === 'Inf') return Infinity
  return typeof le === 'number' ? le : Number(le)
}

function attributes(labels: Record<string, string | number | undefined>): OtlpKeyValue[] {
  const list: OtlpKeyValue[] = []
  for (const [key, value] of Object.entries(labels)) {
    if (value === undefined) continue
    list.push({ key, value: { stringValue: String(value) } })
  }
  return list
}

/** Epoch milliseconds as OTLP's fixed64 nanoseconds (a decimal string in JSON). */
function nanos(ms: number): string {
  return (BigInt(Math.round(ms)) * 1_000_000n).toString()
}

/** The UCUM unit a Prometheus name's suffix stands for. */
function unitOf(name: string): string {
  const base = name.replace(/_total$/, '')
  if (base.endsWith('_seconds')) return 's'
  if (base.endsWith('_bytes')) return 'By'
  return ''
}

// --- the periodic push ---

const FINAL_PUSH_TIMEOUT_MS = 2_000

export interface OtlpExporterDeps {
  /** The registry's metrics (registry.getMetricsAsJSON). */
  collect(): Promise<PromMetric[]>
  resource: Record<string, string>
  scope: { name: string; version?: string }
  startTimeMs: number
  logger: Logger
  /** Each push's result (counted in weir_otlp_metric_exports_total). */
  result(result: 'success' | 'failure' | 'skipped'): void
  /** Replaces global fetch (tests). */
  fetch?: typeof fetch
}

/** Pushes the registry every interval from start() until close(). Never throws. */
export class OtlpMetricsExporter {
  readonly settings: OtlpMetricsSettings
  readonly #deps: OtlpExporterDeps
  readonly #logger: Logger
  #timer: NodeJS.Timeout | undefined
  #running: Promise<boolean> | undefined
  #closed = false
  /** Failures in a row, and when one was last logged. */
  #failures = 0
  #loggedAt = 0

  constructor(settings: OtlpMetricsSettings, deps: OtlpExporterDeps) {
    this.settings = settings
    this.#deps = deps
    this.#logger = deps.logger.child({
      component: 'otlp-metrics',
      endpoint: withoutCredentials(settings.endpoint),
    })
  }

  start(): void {
    if (this.#timer !== undefined || this.#closed) return
    this.#timer = setInterval(() => void this.export(), this.settings.intervalMs)
    this.#timer.unref()
  }

  /** One push now (skipped while one is running); resolves to whether it was accepted. */
  export(): Promise<boolean> {
    if (this.#running !== undefined) {
      this.#deps.result('skipped')
      return this.#running.then(() => false)
    }
    const run = this.#push().finally(() => {
      this.#running = undefined
    })
    this.#running = run
    return run
  }

  /**
   * Stops the timer and pushes a last time, so the final counts are not lost; that push waits
   * 2 s at most (a dead collector must not hold up a shutdown).
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    await this.#running
    await this.#push(Math.min(this.settings.timeoutMs, FINAL_PUSH_TIMEOUT_MS))
  }

  async #push(timeoutMs = this.settings.timeoutMs): Promise<boolean> {
    const { settings } = this
    const signal = AbortSignal.timeout(timeoutMs)
    try {
      const metrics = await this.#deps.collect()
      const body = toOtlpMetrics(metrics, {
        resource: this.#deps.resource,
        scope: this.#deps.scope,
        startTimeMs: this.#deps.startTimeMs,
        timeMs: Date.now(),
      })
      const post = this.#deps.fetch ?? fetch
      const res = await post(settings.endpoint, {
        method: 'POST',
        headers: { ...settings.headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
      })
      // The answer (an ExportMetricsServiceResponse, maybe a partial success) is read and dropped.
      const text = await res.text()
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`)
      this.#succeeded()
      return true
    } catch (err) {
      this.#failed(err)
      return false
    }
  }

  #succeeded(): void {
    this.#deps.result('success')
    if (this.#failures > 0) {
      this.#logger.info({ failures: this.#failures }, 'OTLP metrics export works again')
    }
    this.#failures = 0
  }

  #failed(err: unknown): void {
    this.#deps.result('failure')
    this.#failures++
    const now = Date.now()
    const every = Math.max(60_000, this.settings.intervalMs)
    if (this.#failures === 1 || now - this.#loggedAt >= every) {
      this.#loggedAt = now
      const detail = err instanceof Error ? (err.cause ?? err).toString() : String(err)
      this.#logger.warn(
        { failures: this.#failures, error: detail },
        'OTLP metrics export failed; metrics stay on GET /metrics'
      )
    }
  }
}

/** The endpoint as logged: any user and password in the URL left out. */
function withoutCredentials(endpoint: string): string {
  try {
    const url = new URL(endpoint)
    url.username = ''
    url.password = ''
    return url.toString()
  } catch {
    return endpoint
  }
}
