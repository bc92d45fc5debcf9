// HTTP produce routes: which requests become records on which topic, and how.
import { z } from 'zod'
import { Millis, Name } from './common.ts'
import { ReplySettings } from './resources.ts'

/** A value taken from the request: a path parameter, query argument, header, or body field. */
export const FromRequest = z.discriminatedUnion('from', [
  z.object({ from: z.literal('path'), name: z.string().min(1) }).strict(),
  z.object({ from: z.literal('query'), name: z.string().min(1) }).strict(),
  z.object({ from: z.literal('header'), name: z.string().min(1) }).strict(),
  /** RFC 6901 JSON pointer into each event (JSON bodies only), e.g. `/orderId`. */
  z
    .object({
      from: z.literal('body'),
      pointer: z.string().regex(/^(\/.*)?$/, 'a JSON pointer such as /id'),
    })
    .strict(),
])

export const TopicSelector = z.union([
  z.string().min(1),
  z
    .object({
      from: z.enum(['path', 'query']),
      name: z.string().min(1),
      /** Topic name globs the parameter may name; anything else is 404. */
      allowed: z.array(z.string().min(1)).min(1),
    })
    .strict(),
])

export const HeaderMapping = z
  .object({
    /** HTTP request headers copied to record headers (case-insensitive names or globs). */
    forward: z.array(z.string().min(1)).default([]),
    /** Record header names for forwarded HTTP headers: `{ "x-request-id": "request_id" }`. */
    rename: z.record(z.string(), z.string().min(1)).default({}),
    /** Fixed record headers added to every record. */
    set: z.record(z.string(), z.string()).default({}),
    /** Carry the W3C `traceparent` / `tracestate` headers into the record headers. */
    traceContext: z.boolean().default(true),
  })
  .strict()

export const Delivery = z
  .object({
    /**
     * `sync`: 202 after the brokers acknowledged the records. `async`: 202 once the records are in
     * Weir's bounded buffer; a full buffer or an unreachable backend gives 503, never a drop.
     */
    mode: z.enum(['sync', 'async']).default('sync'),
    acks: z.enum(['all', 'leader', 'none']).default('all'),
    /** How long to wait for the brokers before answering 504 (sync mode). */
    ackTimeoutMs: Millis.default(10_000),
    compression: z.enum(['none', 'gzip', 'snappy', 'lz4', 'zstd']).default('none'),
    /**
     * Write each request in a Kafka transaction: a read_committed consumer sees all of its records
     * or none, across partitions and backend failures; an error answer means none. Needs `sync`
     * and acks `all`. Requests too large for one record batch are written this way anyway.
     */
    atomic: z.boolean().default(false),
  })
  .strict()
  .refine((d) => !d.atomic || (d.mode === 'sync' && d.acks === 'all'), {
    message:
      'atomic delivery needs mode sync and acks all (a transaction is acknowledged by all replicas)',
    path: ['atomic'],
  })

const routeCommon = {
  virtualCluster: Name,
  key: FromRequest.optional(),
  /** A fixed partition, or one taken from the request; otherwise by key hash. */
  partition: z.union([z.number().int().min(0), FromRequest]).optional(),
  headers: HeaderMapping.default({ forward: [], rename: {}, set: {}, traceContext: true }),
  /** `raw`: the body is the event. `envelope`: method, uri, headers and body wrapped as JSON. */
  valueMode: z.enum(['raw', 'envelope']).default('raw'),
  /** Accept a JSON array or NDJSON body as many records. */
  batch: z.boolean().default(true),
  delivery: Delivery.default({
    mode: 'sync',
    acks: 'all',
    ackTimeoutMs: 10_000,
    compression: 'none',
    atomic: false,
  }),
  /** Policies (by name) applied to this route after the virtual cluster's own. */
  policies: z.array(Name).default([]),
  maxBodyBytes: z.number().int().positive().optional(),
}

export const ProduceRoute = z
  .object({
    name: Name.optional(),
    method: z.enum(['POST', 'PUT', 'PATCH']).default('POST'),
    /** Path with `{param}` placeholders, e.g. `/devices/{id}/telemetry`. */
    path: z.string().regex(/^\/[^\s?#]*$/, 'a path starting with /, without query or fragment'),
    topic: TopicSelector,
    ...routeCommon,
    /**
     * Request-reply: each request goes out with a correlation id and reply-to headers, and the
     * reply read from this topic is the answer (or 202 + Location to fetch it later).
     */
    reply: ReplySettings.optional(),
  })
  .strict()

/** The generic `POST /topics/{topic}` endpoint. */
export const TopicsEndpoint = z
  .object({
    enabled: z.boolean().default(true),
    /** Topic name globs it may produce to. */
    allowed: z.array(z.string().min(1)).default(['*']),
    ...routeCommon,
  })
  .strict()
