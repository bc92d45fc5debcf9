// Observability: Prometheus metrics (served on the admin listener), OpenTelemetry traces exported
// over OTLP/HTTP, and access logs (one structured record per gateway request) shipped to Kafka
// topics, stdout or a file. Everything here is optional; metrics are on by default, tracing and
// access logs are off until configured.
import { z } from 'zod'
import { Millis, Name } from './common.ts'

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/i, '64 hex digits')

/** How a label with unbounded values (principals, topics, routes) is kept bounded. */
const LabelLimit = z
  .object({
    /**
     * `cap`: the first `max` distinct values keep their name, later ones become `_other`;
     * `hash`: every value becomes one of `max` buckets (`h00`..), stable across nodes;
     * `drop`: the label is always `_all`.
     */
    mode: z.enum(['cap', 'hash', 'drop']).default('cap'),
    max: z.number().int().positive().max(100_000).default(100),
  })
  .strict()

const defaultLimit = { mode: 'cap' as const, max: 100 }

const OtlpMetrics = z
  .object({
    /** OTLP/HTTP metrics endpoint, e.g. http://collector:4318/v1/metrics. */
    endpoint: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
    headers: z.record(z.string(), z.string()).default({}),
    /** How often metrics are pushed. */
    intervalMs: Millis.min(1_000).default(60_000),
    /** Longest one push may take; a push still running when the next is due skips that one. */
    timeoutMs: Millis.default(10_000),
  })
  .strict()

export const MetricsSettings = z
  .object({
    enabled: z.boolean().default(true),
    /**
     * SHA-256 (hex) of a bearer token scrapers must send to GET /metrics on the admin listener.
     * Without it, /metrics needs no token (protect the admin listener by network policy).
     */
    bearerTokenSha256: Sha256.optional(),
    labels: z
      .object({
        principal: LabelLimit.default(defaultLimit),
        topic: LabelLimit.default({ mode: 'cap', max: 200 }),
        route: LabelLimit.default({ mode: 'cap', max: 200 }),
        /** Consumer group ids of `weir_consumer_lag` (one per principal in `principal` mode). */
        group: LabelLimit.default({ mode: 'cap', max: 200 }),
      })
      .strict()
      .default({
        principal: defaultLimit,
        topic: { mode: 'cap', max: 200 },
        route: { mode: 'cap', max: 200 },
        group: { mode: 'cap', max: 200 },
      }),
    /** Latency histogram buckets, in seconds. */
    latencyBuckets: z
      .array(z.number().positive())
      .min(1)
      .default([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
    /**
     * Also push every metric over OTLP/HTTP (JSON) to a collector, every `intervalMs`: counters
     * as cumulative monotonic sums, gauges as gauges, histograms with their bucket bounds.
     */
    otlp: OtlpMetrics.optional(),
    /**
     * `weir_consumer_lag`: records behind the end of the log per stream consumer group, read
     * from the brokers at most every `cacheMs` (end offsets and committed offsets).
     */
    consumerLag: z
      .object({
        enabled: z.boolean().default(true),
        cacheMs: Millis.min(100).default(5_000),
      })
      .strict()
      .default({ enabled: true, cacheMs: 5_000 }),
  })
  .strict()

export const TracingSettings = z
  .object({
    enabled: z.boolean().default(false),
    serviceName: z.string().min(1).default('weir'),
    /** Share of new traces kept (0..1); a request that carries a sampled parent is always kept. */
    sampleRatio: z.number().min(0).max(1).default(1),
    otlp: z
      .object({
        /** OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces. */
        endpoint: z.url(),
        headers: z.record(z.string(), z.string()).default({}),
        timeoutMs: Millis.default(10_000),
      })
      .strict()
      .optional(),
    /** Write the W3C `traceparent` of an HTTP produce into the record headers. */
    propagateToRecords: z.boolean().default(true),
  })
  .strict()

/** What each access log record holds. */
const AccessLogFormat = z
  .object({
    /** Fields kept, by their source name; all of them when absent. */
    fields: z.array(z.string().min(1)).optional(),
    /** Source name -> output name, e.g. `{ durationMs: latency_ms }`. */
    rename: z.record(z.string(), z.string().min(1)).default({}),
    /** Fields added to every record, e.g. `{ app_name: weir, ask_id: A123 }`. */
    static: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  })
  .strict()

const defaultFormat = { rename: {}, static: {} }

const KafkaSink = z
  .object({
    kind: z.literal('kafka'),
    name: Name.optional(),
    /** Any backend cluster: its bootstrap servers, TLS/mTLS and SASL are used. */
    backendCluster: Name,
    topic: z.string().min(1),
    format: AccessLogFormat.default(defaultFormat),
    compression: z.enum(['none', 'gzip', 'snappy', 'lz4', 'zstd']).default('gzip'),
    acks: z.enum(['all', 'leader', 'none']).default('leader'),
    /** Longest the brokers may take to acknowledge a batch. */
    timeoutMs: Millis.default(10_000),
    batch: z
      .object({
        maxRecords: z.number().int().positive().default(500),
        maxBytes: z
          .number()
          .int()
          .positive()
          .default(1024 * 1024),
        /** How long records wait for others before a batch is sent (the async flush timeout). */
        lingerMs: Millis.default(100),
      })
      .strict()
      .default({ maxRecords: 500, maxBytes: 1024 * 1024, lingerMs: 100 }),
    /** Records waiting in memory at most; beyond it new records are dropped (and counted). */
    bufferRecords: z.number().int().positive().default(10_000),
    retries: z
      .object({
        maxAttempts: z.number().int().min(1).default(5),
        backoffMs: Millis.default(100),
        maxBackoffMs: Millis.default(5_000),
      })
      .strict()
      .default({ maxAttempts: 5, backoffMs: 100, maxBackoffMs: 5_000 }),
  })
  .strict()

const StdoutSink = z
  .object({
    kind: z.literal('stdout'),
    name: Name.optional(),
    format: AccessLogFormat.default(defaultFormat),
  })
  .strict()

const FileSink = z
  .object({
    kind: z.literal('file'),
    name: Name.optional(),
    path: z.string().min(1),
    format: AccessLogFormat.default(defaultFormat),
    bufferRecords: z.number().int().positive().default(10_000),
  })
  .strict()

export const AccessLogSink = z.discriminatedUnion('kind', [KafkaSink, StdoutSink, FileSink])

export const Observability = z
  .object({
    metrics: MetricsSettings.default(MetricsSettings.parse({})),
    tracing: TracingSettings.default(TracingSettings.parse({})),
    accessLog: z
      .object({ sinks: z.array(AccessLogSink).default([]) })
      .strict()
      .default({ sinks: [] }),
  })
  .strict()
