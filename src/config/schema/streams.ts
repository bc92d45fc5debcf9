// Streams: consumer-group output delivered to browsers and services over WebSocket, Server-Sent
// Events and HTTP long-poll, all on one path (the protocol is negotiated per request).
import { z } from 'zod'
import { Millis, Name } from './common.ts'

export const StreamTopics = z.union([
  z.array(z.string().min(1)).min(1),
  z
    .object({
      /** One topic named by a path parameter, limited to `allowed` globs. */
      from: z.literal('path'),
      name: z.string().min(1),
      allowed: z.array(z.string().min(1)).min(1),
    })
    .strict(),
])

export const StreamGroup = z.discriminatedUnion('mode', [
  /**
   * Every connection sees every record from where it starts. Live connections on one node share
   * one consumer and are fanned out; a connection with its own start position gets its own.
   */
  z.object({ mode: z.literal('ephemeral') }).strict(),
  /** A real Kafka consumer group of this name: nodes split the partitions between them. */
  z.object({ mode: z.literal('named'), name: z.string().min(1) }).strict(),
  /** A Kafka consumer group per principal: `<prefix><principal>`. */
  z.object({ mode: z.literal('principal'), prefix: z.string().default('weir-') }).strict(),
])

export const StartPosition = z.union([
  z.enum(['latest', 'earliest']),
  z.object({ offset: z.number().int().min(0) }).strict(),
  z.object({ timestamp: z.number().int().min(0) }).strict(),
])

/** A predicate on a JSON field of the (decoded) value. */
const JsonPredicate = z
  .object({
    pointer: z.string().regex(/^(\/.*)?$/, 'a JSON pointer such as /status'),
    equals: z.unknown().optional(),
    in: z.array(z.unknown()).optional(),
    exists: z.boolean().optional(),
    gt: z.number().optional(),
    lt: z.number().optional(),
  })
  .strict()

export const StreamFilters = z
  .object({
    /** Key globs; a record passes when its (text) key matches one. */
    keys: z.array(z.string()).optional(),
    /** Header values by name (globs); all must match. */
    headers: z.record(z.string(), z.string()).optional(),
    /** JSON field predicates; all must hold. */
    json: z.array(JsonPredicate).optional(),
  })
  .strict()

export const Stream = z
  .object({
    name: Name.optional(),
    /** Path with `{param}` placeholders, e.g. `/streams/{topic}`. */
    path: z.string().regex(/^\/[^\s?#]*$/, 'a path starting with /, without query or fragment'),
    virtualCluster: Name,
    topics: StreamTopics,
    protocols: z
      .array(z.enum(['websocket', 'sse', 'long-poll']))
      .min(1)
      .default(['websocket', 'sse', 'long-poll']),
    group: StreamGroup.default({ mode: 'ephemeral' }),
    start: StartPosition.default('latest'),
    /** Clients may ask for another start (`?from=earliest|<timestamp ms>`). */
    clientStart: z.boolean().default(true),
    /**
     * `at-most-once`: offsets advance as records are sent. `at-least-once` (WebSocket): offsets are
     * committed only up to records the client acknowledged; unacknowledged ones come again.
     */
    delivery: z.enum(['at-most-once', 'at-least-once']).default('at-most-once'),
    filters: StreamFilters.default({}),
    format: z
      .object({
        /** `auto`: schema-decoded when framed, else JSON when it parses, else text, else base64. */
        key: z.enum(['auto', 'json', 'text', 'base64']).default('auto'),
        value: z.enum(['auto', 'json', 'text', 'base64']).default('auto'),
      })
      .strict()
      .default({ key: 'auto', value: 'auto' }),
    buffer: z
      .object({
        /** Records and bytes waiting for one slow connection before `onOverflow` applies. */
        maxRecords: z.number().int().positive().default(1000),
        maxBytes: z
          .number()
          .int()
          .positive()
          .default(1024 * 1024),
        /** `close`: end the connection (WebSocket 1013). `skip`: drop records, then send a gap notice. */
        onOverflow: z.enum(['close', 'skip']).default('close'),
      })
      .strict()
      .default({ maxRecords: 1000, maxBytes: 1024 * 1024, onOverflow: 'close' }),
    heartbeatMs: Millis.default(15_000),
    /** Long-poll: most records per answer, and longest wait for the first. */
    longPoll: z
      .object({
        maxRecords: z.number().int().positive().default(500),
        maxWaitMs: Millis.default(30_000),
        /**
         * How long a session waits on this node for the client's next poll. A poll that brings
         * the cursor the last answer gave continues it (records already read ahead included);
         * any other poll, on any node, starts one from its cursor.
         */
        keepMs: Millis.default(30_000),
      })
      .strict()
      .default({ maxRecords: 500, maxWaitMs: 30_000, keepMs: 30_000 }),
    /**
     * Connections one principal may hold to this stream: shorthand for a `connection-limit`
     * policy (per principal) on this stream alone, kept because every stream has had it.
     */
    maxConnectionsPerPrincipal: z.number().int().positive().default(100),
    policies: z.array(Name).default([]),
  })
  .strict()
