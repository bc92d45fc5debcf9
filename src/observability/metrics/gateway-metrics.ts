// The gateway's Prometheus metrics: one registry per node, fed by door observations
// (observer.ts), by gauges read at scrape time (buffers, sessions, consumers) and by the config
// store (generation, reload results). Label values that grow without bound (principal, topic,
// route) go through limiters (label-limit.ts).
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CollectFunction,
} from 'prom-client'
import type { Observation, Observer } from '../observer.ts'
import { LabelLimiter, type LabelLimitSettings } from './label-limit.ts'
import { BufferedCounter, SeriesCache, type RequestSeries } from './request-series.ts'

export interface MetricsSettings {
  labels: {
    principal: LabelLimitSettings
    topic: LabelLimitSettings
    route: LabelLimitSettings
    /** Consumer group ids (`weir_consumer_lag`); the route's limit when absent. */
    group?: LabelLimitSettings
  }
  latencyBuckets: number[]
}

export const defaultMetricsSettings: MetricsSettings = {
  labels: {
    principal: { mode: 'cap', max: 100 },
    topic: { mode: 'cap', max: 200 },
    route: { mode: 'cap', max: 200 },
  },
  latencyBuckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
}

/** Something whose size a gauge reads at scrape time; `remove` when it is gone. */
export interface GaugeSource {
  remove(): void
}

/** What a scrape-time gauge source reads: a number, or values by label (possibly later). */
export type SourceValue = number | Record<string, number>
type SourceRead = () => SourceValue | Promise<SourceValue>

/** How long a scrape waits for an asynchronous source (the consumer lag asks the brokers). */
const SOURCE_TIMEOUT_MS = 3_000

type Door = Observation['door']

const requestLabels = [
  'door',
  'virtual_cluster',
  'route',
  'topic',
  'principal',
  'outcome',
  'reason',
] as const
const flowLabels = ['door', 'virtual_cluster', 'route', 'topic', 'principal', 'direction'] as const

type Labels<L extends readonly string[]> = Record<L[number], string>
type Series = RequestSeries<
  Labels<typeof requestLabels>,
  Labels<typeof flowLabels>,
  Labels<['door', 'virtual_cluster', 'route', 'outcome']>,
  Labels<['door', 'virtual_cluster', 'route']>
>

export class GatewayMetrics implements Observer {
  readonly registry = new Registry()
  /** When counting began (epoch ms): the start of every cumulative series (OTLP export). */
  readonly startedAt: number
  #principal: LabelLimiter
  #topic: LabelLimiter
  #route: LabelLimiter
  #group: LabelLimiter
  readonly #requests: Counter<(typeof requestLabels)[number]>
  readonly #records: Counter<(typeof flowLabels)[number]>
  readonly #bytes: Counter<(typeof flowLabels)[number]>
  readonly #duration: Histogram<'door' | 'virtual_cluster' | 'route' | 'outcome'>
  readonly #backend: Histogram<'door' | 'virtual_cluster' | 'route'>
  readonly #connections: Gauge<'door'>
  readonly #sessions: Gauge<'door'>
  readonly #connectionRefusals: Counter<'door' | 'reason'>
  readonly #configGeneration: Gauge
  readonly #reloads: Counter<'result'>
  readonly #accessLogRecords: Counter<'sink' | 'result'>
  readonly #otlpExports: Counter<'result'>
  readonly #stateUnavailable: Counter<'use' | 'outcome'>
  readonly #sources = new Map<string, Set<SourceRead>>()
  readonly #requestsBuffer: BufferedCounter<(typeof requestLabels)[number]>
  readonly #recordsBuffer: BufferedCounter<(typeof flowLabels)[number]>
  readonly #bytesBuffer: BufferedCounter<(typeof flowLabels)[number]>
  readonly #series: SeriesCache<Series>

  constructor(
    settings: MetricsSettings = defaultMetricsSettings,
    options: { process?: boolean } = {}
  ) {
    const registers = [this.registry]
    // The process-wide registry counts from the start of the process (its default metrics too).
    this.startedAt = options.process ? Math.round(performance.timeOrigin) : Date.now()
    this.#principal = new LabelLimiter(settings.labels.principal)
    this.#topic = new LabelLimiter(settings.labels.topic)
    this.#route = new LabelLimiter(settings.labels.route)
    this.#group = new LabelLimiter(settings.labels.group ?? settings.labels.route)
    if (options.process) collectDefaultMetrics({ register: this.registry, prefix: 'weir_' })
    this.#requests = new Counter({
      name: 'weir_requests_total',
      help: 'Finished gateway requests (HTTP produce, Kafka requests) and stream sessions, by outcome and rejection reason',
      labelNames: requestLabels,
      registers,
      // Increments are buffered on the hot path (request-series.ts): hand them over first.
      collect: () => this.#requestsBuffer.flush(),
    })
    this.#records = new Counter({
      name: 'weir_records_total',
      help: 'Records in (produced) and out (delivered to stream clients)',
      labelNames: flowLabels,
      registers,
      // Increments are buffered on the hot path (request-series.ts): hand them over first.
      collect: () => this.#recordsBuffer.flush(),
    })
    this.#bytes = new Counter({
      name: 'weir_bytes_total',
      help: 'Payload bytes in (request bodies, Kafka requests) and out (responses, stream deliveries)',
      labelNames: flowLabels,
      registers,
      // Increments are buffered on the hot path (request-series.ts): hand them over first.
      collect: () => this.#bytesBuffer.flush(),
    })
    this.#requestsBuffer = new BufferedCounter(this.#requests)
    this.#recordsBuffer = new BufferedCounter(this.#records)
    this.#bytesBuffer = new BufferedCounter(this.#bytes)
    this.#series = new SeriesCache(10_000, () => {
      this.#requestsBuffer.flush()
      this.#recordsBuffer.flush()
      this.#bytesBuffer.flush()
    })
    this.#duration = new Histogram({
      name: 'weir_request_duration_seconds',
      help: 'Time the gateway took per request (stream sessions excluded)',
      labelNames: ['door', 'virtual_cluster', 'route', 'outcome'],
      buckets: settings.latencyBuckets,
      registers,
    })
    this.#backend = new Histogram({
      name: 'weir_backend_duration_seconds',
      help: 'Backend round trip per request: brokers acknowledging a produce, or answering a Kafka request',
      labelNames: ['door', 'virtual_cluster', 'route'],
      buckets: settings.latencyBuckets,
      registers,
    })
    this.#connections = new Gauge({
      name: 'weir_connections',
      help: 'Open client connections: WebSocket, SSE and Kafka protocol connections',
      labelNames: ['door'],
      registers,
    })
    this.#sessions = new Gauge({
      name: 'weir_stream_sessions',
      help: 'Open stream sessions (a WebSocket connection may hold several subscriptions)',
      labelNames: ['door'],
      registers,
    })
    this.#connectionRefusals = new Counter({
      name: 'weir_connection_refusals_total',
      help: 'Connections refused by a limit (connection-limit policies, maxConnectionsPerPrincipal) or shutdown',
      labelNames: ['door', 'reason'],
      registers,
    })
    this.#configGeneration = new Gauge({
      name: 'weir_config_generation',
      help: 'Generation of the configuration in force (1 at start, +1 per applied change)',
      registers,
    })
    this.#reloads = new Counter({
      name: 'weir_config_reloads_total',
      help: 'Configuration changes asked for, by result (applied, rejected, failed)',
      labelNames: ['result'],
      registers,
    })
    this.#accessLogRecords = new Counter({
      name: 'weir_access_log_records_total',
      help: 'Access log records per sink: sent, or dropped (buffer full, sink down, retries exhausted)',
      labelNames: ['sink', 'result'],
      registers,
    })
    this.#otlpExports = new Counter({
      name: 'weir_otlp_metric_exports_total',
      help: 'Pushes of these metrics to the OTLP endpoint, by result (success, failure, skipped: the previous one still running)',
      labelNames: ['result'],
      registers,
    })
    this.#stateUnavailable = new Counter({
      name: 'weir_state_unavailable_total',
      help: 'Decisions taken without the shared state store (down or slow), by use and outcome (fail-open, fail-closed)',
      labelNames: ['use', 'outcome'],
      registers,
    })
    this.#sourceGauge(
      'weir_producer_buffer_records',
      'Records accepted and not yet acknowledged by the brokers (async delivery and batchers)',
      'kind'
    )
    this.#sourceGauge(
      'weir_stream_consumers',
      'kafkajs consumers the stream hub runs, by state',
      'state'
    )
    this.#sourceGauge(
      'weir_consumer_lag',
      'Records behind the end of the log per stream consumer group: end offset minus the committed offset (named and principal groups) or the read position (ephemeral streams: <prefix>fanout-<stream>, <prefix>dedicated-<stream>), over the partitions this node reads',
      'group'
    )
    this.#sourceGauge(
      'weir_access_log_buffer_records',
      'Access log records waiting to be sent, per sink',
      'sink'
    )
  }

  /** New label limits (buckets stay as they were created). */
  configure(settings: MetricsSettings): void {
    // The cached label sets were limited by the old settings.
    this.#series.clear()
    const { labels } = settings
    this.#principal = this.#principal.reconfigured(labels.principal)
    this.#topic = this.#topic.reconfigured(labels.topic)
    this.#route = this.#route.reconfigured(labels.route)
    this.#group = this.#group.reconfigured(labels.group ?? labels.route)
  }

  /** The `group` label value for a consumer group id (bounded like the other labels). */
  groupLabel(groupId: string): string {
    return this.#group.value(groupId)
  }

  observe(o: Observation): void {
    const key = `${o.door}\0${o.virtualCluster ?? ''}\0${o.route ?? ''}\0${o.topic ?? ''}\0${o.principal ?? ''}\0${o.outcome}\0${o.reason ?? ''}`
    const series = this.#series.get(key, () => this.#labelSets(o))
    this.#requestsBuffer.add(series.request, 1)
    if (o.bytesIn > 0) this.#bytesBuffer.add(series.inbound, o.bytesIn)
    if (o.bytesOut > 0) this.#bytesBuffer.add(series.outbound, o.bytesOut)
    if (o.records > 0) {
      // Produce requests bring records in; stream sessions take them out.
      this.#recordsBuffer.add(o.kind === 'session' ? series.outbound : series.inbound, o.records)
    }
    if (o.kind === 'request') {
      this.#duration.observe(series.duration, o.durationMs / 1000)
      if (o.backendMs !== undefined) this.#backend.observe(series.backend, o.backendMs / 1000)
    }
  }

  /** An observation's label sets, its unbounded values through the limiters. */
  #labelSets(o: Observation): Series {
    const base = {
      door: o.door,
      virtual_cluster: o.virtualCluster ?? '',
      route: this.#route.value(o.route),
    }
    const who = { topic: this.#topic.value(o.topic), principal: this.#principal.value(o.principal) }
    return {
      request: { ...base, ...who, outcome: o.outcome, reason: o.reason ?? '' },
      inbound: { ...base, ...who, direction: 'in' },
      outbound: { ...base, ...who, direction: 'out' },
      duration: { ...base, outcome: o.outcome },
      backend: base,
    }
  }

  connectionOpened(door: Door): void {
    this.#connections.inc({ door })
  }

  connectionClosed(door: Door): void {
    this.#connections.dec({ door })
  }

  sessionOpened(door: Door): void {
    this.#sessions.inc({ door })
  }

  sessionClosed(door: Door): void {
    this.#sessions.dec({ door })
  }

  connectionRefused(door: Door, reason: string): void {
    this.#connectionRefusals.inc({ door, reason })
  }

  configApplied(generation: number): void {
    this.#configGeneration.set(generation)
  }

  /** A decision taken without the shared state store. */
  stateUnavailable(
    use: 'rate-limit' | 'connection-limit' | 'idempotency',
    outcome: 'fail-open' | 'fail-closed'
  ): void {
    this.#stateUnavailable.inc({ use, outcome })
  }

  reload(result: 'applied' | 'rejected' | 'failed'): void {
    this.#reloads.inc({ result })
  }

  accessLog(sink: string, result: 'sent' | 'dropped', count = 1): void {
    if (count > 0) this.#accessLogRecords.inc({ sink, result }, count)
  }

  otlpExport(result: 'success' | 'failure' | 'skipped'): void {
    this.#otlpExports.inc({ result })
  }

  /**
   * A source for a scrape-time gauge: a number (label value ''), or values by label, now or as a
   * promise (waited for up to 3 s; a source that fails or is late is left out of that scrape).
   * Sources of the same gauge add up (two cores during a restart, several sinks).
   */
  source(
    gauge:
      | 'weir_producer_buffer_records'
      | 'weir_stream_consumers'
      | 'weir_consumer_lag'
      | 'weir_access_log_buffer_records',
    read: SourceRead
  ): GaugeSource {
    let set = this.#sources.get(gauge)
    if (set === undefined) {
      set = new Set()
      this.#sources.set(gauge, set)
    }
    set.add(read)
    return { remove: () => set.delete(read) }
  }

  /** The text exposition format, for GET /metrics. */
  metrics(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }

  #sourceGauge(name: string, help: string, label: string): void {
    const sources = () => this.#sources.get(name) ?? new Set()
    const collect: CollectFunction<Gauge<string>> = async function (this: Gauge<string>) {
      const values = await Promise.all(Array.from(sources(), readSource))
      // Reset and set in one go, after every wait: concurrent scrapes never see a half-set gauge.
      this.reset()
      const totals = new Map<string, number>()
      for (const value of values) {
        if (value === undefined) continue
        const entries = typeof value === 'number' ? [['', value] as const] : Object.entries(value)
        for (const [key, n] of entries) totals.set(key, (totals.get(key) ?? 0) + n)
      }
      for (const [key, n] of totals) this.set({ [label]: key }, n)
    }
    new Gauge({ name, help, labelNames: [label], registers: [this.registry], collect })
  }
}

/** A source's value, or undefined when it threw, rejected or took longer than a scrape waits. */
async function readSource(read: SourceRead): Promise<SourceValue | undefined> {
  let timer: NodeJS.Timeout | undefined
  try {
    const value = read()
    if (!(value instanceof Promise)) return value
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), SOURCE_TIMEOUT_MS)
    })
    return await Promise.race([value, late])
  } catch {
    return undefined
  } finally {
    clearTimeout(timer)
  }
}

let processMetrics: GatewayMetrics | undefined

/** The node's metrics (one per process: what GET /metrics serves). */
export function nodeMetrics(): GatewayMetrics {
  processMetrics ??= new GatewayMetrics(defaultMetricsSettings, { process: true })
  return processMetrics
}
