// What doors talk to: one object per core holding the node's metrics, the tracer and the access
// log. A door opens a scope when a request (or stream session) begins and finishes it once, with
// what it learnt; the scope turns that into one Observation for metrics and the access log, and
// ends the request's span. Nothing here throws into a door or waits on a destination.
import { hostname } from 'node:os'
import { isDeepStrictEqual } from 'node:util'
import type { Attributes } from '@opentelemetry/api'
import type { ObservabilityConfig } from '../config/index.ts'
import type { Door } from '../core/policy-request.ts'
import { AccessLog } from './access-log/access-log.ts'
import type { SinkKafka } from './access-log/kafka-sink.ts'
import type { Logger } from './logger.ts'
import { ConsumerLag, LagAdmins, type LagConsumer, type LagKafka } from './metrics/consumer-lag.ts'
import { nodeMetrics, type GatewayMetrics, type GaugeSource } from './metrics/gateway-metrics.ts'
import { OtlpMetricsExporter, type PromMetric } from './metrics/otlp-metrics.ts'
import { rejectionOf, type Observation, type RejectReason } from './observer.ts'
import {
  endSpan,
  traceIdOf,
  Tracing,
  type HeaderSource,
  type RecordHeaders,
  type TraceSpan,
} from './tracing/tracing.ts'
import type { SpanExporter } from '@opentelemetry/sdk-trace-base'

/** What a door fills in when it finishes; the scope adds timing, door and trace id. */
export type Finished = Partial<
  Omit<Observation, 'door' | 'kind' | 'durationMs' | 'startedAt' | 'traceId'>
>

export interface ObservabilityDeps {
  /** The node's metrics (the process-wide registry by default). */
  metrics?: GatewayMetrics
  /** A backend cluster's Kafka client (src/kafka's KafkaClient port). */
  kafka(cluster: string): SinkKafka & LagKafka
  logger: Logger
  /** Replaces the OTLP exporter (tests). */
  spanExporter?: SpanExporter
  /** Replaces global fetch for the OTLP metrics push (tests). */
  fetch?: typeof fetch
}

export class Observability {
  readonly metrics: GatewayMetrics
  #config: ObservabilityConfig
  #tracing: Tracing
  #accessLog: AccessLog
  readonly #deps: ObservabilityDeps
  readonly #gauge: GaugeSource
  readonly #retired: Promise<void>[] = []
  #otlp: OtlpMetricsExporter | undefined
  readonly #lagAdmins: LagAdmins
  readonly #lags = new Set<{ lag: ConsumerLag; gauge: GaugeSource }>()

  constructor(config: ObservabilityConfig, deps: ObservabilityDeps) {
    this.#deps = deps
    this.#config = config
    this.metrics = deps.metrics ?? nodeMetrics()
    this.metrics.configure(config.metrics)
    this.#tracing = new Tracing(config.tracing, deps.spanExporter)
    this.#accessLog = this.#buildAccessLog(config)
    this.#gauge = this.metrics.source('weir_access_log_buffer_records', () =>
      this.#accessLog.buffered()
    )
    this.#lagAdmins = new LagAdmins(deps.kafka)
    this.#otlp = this.#buildOtlp(config)
  }

  get tracing(): Tracing {
    return this.#tracing
  }

  get accessLog(): AccessLog {
    return this.#accessLog
  }

  /**
   * Feeds `weir_consumer_lag` from a consumer hub's consumers (its stats().details) until the
   * returned source is removed.
   */
  watchConsumers(consumers: () => readonly LagConsumer[]): GaugeSource {
    const lag = new ConsumerLag({
      consumers,
      admins: this.#lagAdmins,
      label: (group) => this.metrics.groupLabel(group),
      cacheMs: this.#config.metrics.consumerLag.cacheMs,
    })
    const gauge = this.metrics.source('weir_consumer_lag', () =>
      this.#config.metrics.enabled && this.#config.metrics.consumerLag.enabled ? lag.read() : {}
    )
    const entry = { lag, gauge }
    this.#lags.add(entry)
    return {
      remove: () => {
        gauge.remove()
        this.#lags.delete(entry)
      },
    }
  }

  /** Takes a reloaded config: label limits at once, new sinks or tracer when they changed. */
  update(config: ObservabilityConfig): void {
    const previous = this.#config
    this.#config = config
    this.metrics.configure(config.metrics)
    for (const { lag } of this.#lags) lag.cacheMs = config.metrics.consumerLag.cacheMs
    if (otlpChanged(previous, config)) {
      const old = this.#otlp
      this.#otlp = this.#buildOtlp(config)
      if (old !== undefined) this.#retired.push(old.close())
    }
    if (!isDeepStrictEqual(previous.tracing, config.tracing)) {
      const old = this.#tracing
      this.#tracing = new Tracing(config.tracing, this.#deps.spanExporter)
      this.#retired.push(old.shutdown())
    }
    if (!isDeepStrictEqual(previous.accessLog, config.accessLog)) {
      const old = this.#accessLog
      this.#accessLog = this.#buildAccessLog(config)
      this.#retired.push(old.close())
    }
  }

  /** One observation: metrics (unless turned off) and the access log. */
  observe(observation: Observation): void {
    if (this.#config.metrics.enabled) this.metrics.observe(observation)
    this.#accessLog.observe(observation)
  }

  /** A request begins: its span (continuing `headers`' traceparent) and its clock. */
  request(
    door: Door,
    name: string,
    attributes: Attributes = {},
    headers?: HeaderSource
  ): RequestScope {
    return new RequestScope(this, door, this.#tracing.startRequest(name, attributes, headers))
  }

  /** A stream session begins (see SessionScope). */
  session(door: Door, base: Finished): SessionScope {
    this.metrics.sessionOpened(door)
    // An SSE session is its connection; WebSocket connections are counted by their door.
    if (door === 'sse') this.metrics.connectionOpened(door)
    return new SessionScope(this, door, base)
  }

  async close(): Promise<void> {
    this.#gauge.remove()
    for (const { gauge } of this.#lags) gauge.remove()
    this.#lags.clear()
    await Promise.all([
      this.#tracing.shutdown(),
      this.#accessLog.close(),
      this.#otlp?.close(),
      this.#lagAdmins.close(),
      ...this.#retired,
    ])
  }

  /** The OTLP metrics push, when configured (and metrics are on). */
  #buildOtlp(config: ObservabilityConfig): OtlpMetricsExporter | undefined {
    const { otlp, enabled } = config.metrics
    if (otlp === undefined || !enabled) return undefined
    const metrics = this.metrics
    const exporter = new OtlpMetricsExporter(otlp, {
      // prom-client types `type` as a numeric enum; at run time it is 'counter', 'gauge', ...
      collect: async () => (await metrics.registry.getMetricsAsJSON()) as unknown as PromMetric[],
      resource: {
        'service.name': config.tracing.serviceName,
        'service.instance.id': `${hostname()}:${process.pid}`,
      },
      scope: { name: 'weir' },
      startTimeMs: metrics.startedAt,
      logger: this.#deps.logger,
      result: (result) => metrics.otlpExport(result),
      fetch: this.#deps.fetch,
    })
    exporter.start()
    return exporter
  }

  #buildAccessLog(config: ObservabilityConfig): AccessLog {
    const { metrics, logger } = { metrics: this.metrics, logger: this.#deps.logger }
    return AccessLog.fromConfig(config.accessLog.sinks, {
      kafka: this.#deps.kafka,
      logger,
      events: {
        sent: (sink, count) => metrics.accessLog(sink, 'sent', count),
        dropped: (sink, count) => metrics.accessLog(sink, 'dropped', count),
      },
    })
  }
}

/** One request, from its first byte to its answer. */
export class RequestScope {
  readonly startedAt = Date.now()
  readonly #t0 = performance.now()
  readonly #owner: Observability
  readonly #door: Door
  readonly span: TraceSpan | undefined
  #done = false

  constructor(owner: Observability, door: Door, span: TraceSpan | undefined) {
    this.#owner = owner
    this.#door = door
    this.span = span
  }

  get traceId(): string | undefined {
    return traceIdOf(this.span)
  }

  /** Trace context headers for the records this request produces ({} when not traced). */
  recordHeaders(): Record<string, Buffer> {
    return this.#owner.tracing.recordHeaders(this.span)
  }

  /** Accepted (no `error`) or rejected with the reason `error` stands for. Once only. */
  finish(fields: Finished, error?: unknown): void {
    if (this.#done) return
    this.#done = true
    const rejection = error === undefined ? undefined : rejectionOf(error)
    const observation: Observation = {
      door: this.#door,
      kind: 'request',
      outcome: rejection || fields.outcome === 'rejected' ? 'rejected' : 'accepted',
      status: rejection?.status ?? fields.status ?? 200,
      records: 0,
      bytesIn: 0,
      bytesOut: 0,
      ...fields,
      reason: rejection?.reason ?? fields.reason,
      durationMs: performance.now() - this.#t0,
      startedAt: this.startedAt,
      traceId: this.traceId,
    }
    // The span's attributes are built only when the request is traced.
    if (this.span !== undefined) {
      endSpan(this.span, {
        rejected: observation.outcome === 'rejected',
        attributes: spanAttributes(observation),
      })
    }
    this.#owner.observe(observation)
  }
}

/** One stream session: records taken by the client, a span per delivered record, one end. */
export class SessionScope {
  readonly startedAt = Date.now()
  readonly #t0 = performance.now()
  readonly #owner: Observability
  readonly #door: Door
  readonly #base: Finished
  records = 0
  bytesOut = 0
  #done = false

  constructor(owner: Observability, door: Door, base: Finished) {
    this.#owner = owner
    this.#door = door
    this.#base = base
  }

  /** Whether delivered records get spans (tracing on). */
  get tracing(): boolean {
    return this.#owner.tracing.enabled
  }

  /** A record was handed to the client: counted, and its trace continued. */
  delivered(
    bytes: number,
    record?: { topic: string; partition: number; offset: string; headers: RecordHeaders }
  ): void {
    this.records++
    this.bytesOut += bytes
    if (record === undefined || !this.#owner.tracing.enabled) return
    const span = this.#owner.tracing.startDelivery(
      `${this.#base.route ?? 'stream'} deliver`,
      {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'receive',
        'messaging.destination.name': record.topic,
        'messaging.kafka.destination.partition': record.partition,
        'messaging.kafka.message.offset': Number(record.offset),
        'weir.door': this.#door,
        'weir.stream': this.#base.route ?? '',
      },
      record.headers
    )
    span?.end()
  }

  /** The session ended; `error` when it ended in failure (overflow, backend). */
  end(error?: { reason: RejectReason; status: number }): void {
    if (this.#done) return
    this.#done = true
    this.#owner.metrics.sessionClosed(this.#door)
    if (this.#door === 'sse') this.#owner.metrics.connectionClosed(this.#door)
    this.#owner.observe({
      door: this.#door,
      kind: 'session',
      outcome: error ? 'rejected' : 'accepted',
      reason: error?.reason,
      status: error?.status ?? 200,
      bytesIn: 0,
      ...this.#base,
      records: this.records,
      bytesOut: this.bytesOut,
      durationMs: performance.now() - this.#t0,
      startedAt: this.startedAt,
    })
  }
}

function otlpChanged(previous: ObservabilityConfig, next: ObservabilityConfig): boolean {
  return (
    previous.metrics.enabled !== next.metrics.enabled ||
    previous.tracing.serviceName !== next.tracing.serviceName ||
    !isDeepStrictEqual(previous.metrics.otlp, next.metrics.otlp)
  )
}

function spanAttributes(o: Observation): Attributes {
  const attributes: Attributes = {
    'weir.door': o.door,
    'weir.outcome': o.outcome,
    'weir.records': o.records,
  }
  if (o.virtualCluster) attributes['weir.virtual_cluster'] = o.virtualCluster
  if (o.route) attributes['weir.route'] = o.route
  if (o.topic) attributes['messaging.destination.name'] = o.topic
  if (o.principal) attributes['enduser.id'] = o.principal
  if (o.reason) attributes['weir.reject_reason'] = o.reason
  if (o.door === 'kafka') attributes['weir.kafka.error_code'] = o.status
  else attributes['http.response.status_code'] = o.status
  return attributes
}
