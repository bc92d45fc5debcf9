// OpenTelemetry traces: a span per HTTP request, per Kafka listener request, and per record a
// stream delivers. The W3C trace context of an HTTP produce goes into the record's headers
// (`traceparent`, `tracestate`), and a stream that delivers the record continues that trace: one
// trace crosses Kafka, producer to consumer. Spans are exported over OTLP/HTTP in batches.
// Off by default; when off, every call is a cheap no-op and no header is written.
//
// The provider is not registered globally: Weir passes contexts explicitly, so it needs no async
// context manager and does not interfere with an application embedding it.
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base'

export interface TracingSettings {
  enabled: boolean
  serviceName: string
  sampleRatio: number
  otlp?: { endpoint: string; headers: Record<string, string>; timeoutMs: number }
  propagateToRecords: boolean
}

/** Headers as doors read them (Web Headers, or node's wrapped in nodeHeaders). */
export interface HeaderSource {
  get(name: string): string | null
}

/** Record headers as the consumer hub hands them over. */
export type RecordHeaders = Record<string, Buffer | string | undefined | (Buffer | string)[]>

const propagator = new W3CTraceContextPropagator()

const headerGetter: TextMapGetter<HeaderSource> = {
  get: (carrier, key) => carrier.get(key) ?? undefined,
  keys: () => [],
}

const recordGetter: TextMapGetter<RecordHeaders> = {
  get: (carrier, key) => {
    const value = carrier[key]
    const first = Array.isArray(value) ? value[0] : value
    return first === undefined ? undefined : first.toString()
  },
  keys: (carrier) => Object.keys(carrier),
}

/** One span of Weir's; `undefined` stands for "not traced" wherever a span is expected. */
export type TraceSpan = Span

export class Tracing {
  readonly settings: TracingSettings
  readonly #provider: BasicTracerProvider | undefined
  readonly #tracer: Tracer | undefined

  /** `exporter` replaces the OTLP exporter (tests). */
  constructor(settings: TracingSettings, exporter?: SpanExporter) {
    this.settings = settings
    if (!settings.enabled) return
    const spanExporter =
      exporter ??
      (settings.otlp
        ? new OTLPTraceExporter({
            url: settings.otlp.endpoint,
            headers: settings.otlp.headers,
            timeoutMillis: settings.otlp.timeoutMs,
          })
        : undefined)
    this.#provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
      sampler: new ParentBasedSampler({
        root: new TraceIdRatioBasedSampler(settings.sampleRatio),
      }),
      spanProcessors: spanExporter
        ? [new BatchSpanProcessor(spanExporter, { scheduledDelayMillis: 500 })]
        : [],
    })
    this.#tracer = this.#provider.getTracer('weir')
  }

  get enabled(): boolean {
    return this.#tracer !== undefined
  }

  /** A server span for a request, continuing the caller's `traceparent` when it sent one. */
  startRequest(
    name: string,
    attributes: Attributes,
    headers?: HeaderSource
  ): TraceSpan | undefined {
    if (this.#tracer === undefined) return undefined
    const parent = headers ? propagator.extract(ROOT_CONTEXT, headers, headerGetter) : ROOT_CONTEXT
    return this.#tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent)
  }

  /**
   * A consumer span for a record a stream delivers, child of the span that produced it (its
   * `traceparent` header); a new trace when the record carries none.
   */
  startDelivery(
    name: string,
    attributes: Attributes,
    headers: RecordHeaders
  ): TraceSpan | undefined {
    if (this.#tracer === undefined) return undefined
    const parent = propagator.extract(ROOT_CONTEXT, headers, recordGetter)
    return this.#tracer.startSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent)
  }

  /** The trace context headers to write into produced records (none when not traced). */
  recordHeaders(span: TraceSpan | undefined): Record<string, Buffer> {
    if (span === undefined || !this.settings.propagateToRecords) return {}
    const carrier: Record<string, string> = {}
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, {
      set: (c, key, value) => {
        c[key] = value
      },
    })
    const headers: Record<string, Buffer> = {}
    for (const [key, value] of Object.entries(carrier)) headers[key] = Buffer.from(value)
    return headers
  }

  /** Sends what is buffered and stops exporting. */
  async shutdown(): Promise<void> {
    await this.#provider?.shutdown().catch(() => undefined)
  }

  /** Exports what is buffered now (tests, shutdown). */
  async flush(): Promise<void> {
    await this.#provider?.forceFlush().catch(() => undefined)
  }
}

/** Ends a span with the request's outcome (an HTTP/Kafka status of refusal marks it an error). */
export function endSpan(
  span: TraceSpan | undefined,
  outcome: { rejected: boolean; status?: number; attributes?: Attributes }
): void {
  if (span === undefined) return
  if (outcome.attributes) span.setAttributes(outcome.attributes)
  if (outcome.rejected) span.setStatus({ code: SpanStatusCode.ERROR })
  span.end()
}

export function traceIdOf(span: TraceSpan | undefined): string | undefined {
  if (span === undefined) return undefined
  const id = span.spanContext().traceId
  return id === '00000000000000000000000000000000' ? undefined : id
}
