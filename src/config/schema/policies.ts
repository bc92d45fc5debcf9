// Policies: typed, ordered rules that every door evaluates the same way. Attached to a virtual
// cluster by name (and, in later increments, narrowed to a route, stream or topic).
import { z } from 'zod'
import { Cidr, Name } from './common.ts'
import { EncryptPolicy } from './encrypt-policy.ts'
import { MaskPolicy } from './mask-policy.ts'
import { OnUnavailable } from './state.ts'
import { StreamFilters } from './streams.ts'

/**
 * `manage`: create, delete and reconfigure topics and groups (Kafka's admin operations).
 * `decrypt`: read an encrypt policy's fields of a topic clear (without it: the ciphertext).
 */
const Operation = z.enum(['produce', 'consume', 'describe', 'manage', 'decrypt'])

const AclRule = z
  .object({
    effect: z.enum(['allow', 'deny']).default('allow'),
    /** Principal patterns: exact names, globs (`team-*`), `*`, or `role:NAME`. */
    principals: z.array(z.string().min(1)).min(1),
    /** `transactional-id` governs Kafka producers' transactions (produce, describe). */
    resource: z.enum(['topic', 'group', 'transactional-id']).default('topic'),
    /** Resource name patterns (globs), as clients see the names. */
    names: z.array(z.string().min(1)).min(1),
    operations: z.array(Operation).min(1),
  })
  .strict()

export const AclPolicy = z
  .object({
    name: Name,
    kind: z.literal('acl'),
    rules: z.array(AclRule).min(1),
  })
  .strict()

export const RateLimitPolicy = z
  .object({
    name: Name,
    kind: z.literal('rate-limit'),
    /** Whose bucket a request draws from. */
    per: z.enum(['principal', 'route', 'virtual-cluster']).default('principal'),
    requestsPerSecond: z.number().positive().optional(),
    bytesPerSecond: z.number().positive().optional(),
    /** Bucket size, as seconds of the rate (1 = one second's worth may arrive at once). */
    burstSeconds: z.number().positive().default(1),
    /** With a shared `state` store: what to do while it is down (default: the store's choice). */
    onUnavailable: OnUnavailable.optional(),
  })
  .strict()
  .refine((p) => p.requestsPerSecond !== undefined || p.bytesPerSecond !== undefined, {
    message: 'set requestsPerSecond, bytesPerSecond, or both',
    path: ['requestsPerSecond'],
  })

/**
 * Connections one principal (or the whole virtual cluster) may hold open at once, counted over
 * every door the policy applies to: WebSocket, SSE, long-poll sessions, reply sockets and Kafka
 * connections. Request-response calls (HTTP produce, views) hold none.
 */
export const ConnectionLimitPolicy = z
  .object({
    name: Name,
    kind: z.literal('connection-limit'),
    /** Whose connections are counted together. */
    per: z.enum(['principal', 'virtual-cluster']).default('principal'),
    maxConnections: z.number().int().positive(),
    /** With a shared `state` store: what to do while it is down (default: the store's choice). */
    onUnavailable: OnUnavailable.optional(),
  })
  .strict()

/**
 * Where clients may connect from (their address after any PROXY protocol header), on every door:
 * a denied address is refused before authentication. `deny` wins over `allow`; with `allow` set,
 * only the addresses it lists get in.
 */
export const IpFilterPolicy = z
  .object({
    name: Name,
    kind: z.literal('ip-filter'),
    allow: z.array(Cidr).optional(),
    deny: z.array(Cidr).default([]),
  })
  .strict()
  .refine((p) => p.allow !== undefined || p.deny.length > 0, {
    message: 'set allow, deny, or both',
    path: ['deny'],
  })

/** Where a key or value schema comes from, and in which format records are written. */
export const SchemaRef = z
  .object({
    format: z.enum(['avro', 'json-schema']),
    /** Registry subject: by strategy from the topic/record name, or given outright. */
    subjectStrategy: z.enum(['topic', 'record', 'topic-record']).default('topic'),
    subject: z.string().optional(),
    /** Fully-qualified record name, for the record and topic-record strategies. */
    recordName: z.string().optional(),
    version: z.union([z.literal('latest'), z.number().int().positive()]).default('latest'),
    /** A registry schema id; overrides subject and version. */
    id: z.number().int().positive().optional(),
    /** A schema given here (JSON text or object) or in a file, for use without a registry. */
    schema: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    schemaFile: z.string().optional(),
    /** Registry by name; defaults to the virtual cluster's. */
    registry: Name.optional(),
  })
  .strict()
  .refine(
    (ref) =>
      ref.subjectStrategy === 'topic' ||
      ref.recordName ||
      ref.subject ||
      ref.id ||
      ref.schema ||
      ref.schemaFile,
    {
      message: 'the record and topic-record strategies need recordName',
      path: ['recordName'],
    }
  )

/**
 * Records on matching topics must match these schemas, on every door that writes: HTTP produce
 * and request-reply serialize through them, the Kafka listener checks what producers serialized.
 */
export const SchemaPolicy = z
  .object({
    name: Name,
    kind: z.literal('schema'),
    /** Topic name globs, as clients see them. */
    topics: z.array(z.string().min(1)).default(['*']),
    key: SchemaRef.optional(),
    value: SchemaRef.optional(),
    /**
     * Kafka listener: besides checking each record's schema id, read the record with that schema
     * and hold it to it, as HTTP produce does (default true). `false` checks ids only (a cost per
     * record saved, for producers trusted to serialize): a value HTTP refuses may then pass.
     */
    validate: z.boolean().optional(),
  })
  .strict()
  .refine((p) => p.key !== undefined || p.value !== undefined, {
    message: 'set key, value, or both',
    path: ['value'],
  })

const HeaderName = z.string().min(1)
const JsonPointer = z.string().regex(/^\//, 'a JSON pointer such as /card/number')

/**
 * Record edits on matching topics, on every door. Produce (HTTP produce, request-reply requests,
 * Kafka Produce): headers removed and set (replacing any of the name). Fetch (streams, views,
 * replies, Kafka Fetch): records failing `filter` dropped, `mask` fields of JSON values replaced
 * by "***", headers removed. Where several match a topic the last one listed wins.
 */
export const TransformPolicy = z
  .object({
    name: Name,
    kind: z.literal('transform'),
    /** Topic name globs, as clients see them. */
    topics: z.array(z.string().min(1)).default(['*']),
    produce: z
      .object({
        setHeaders: z.record(HeaderName, z.string()).optional(),
        removeHeaders: z.array(HeaderName).optional(),
      })
      .strict()
      .optional(),
    fetch: z
      .object({
        removeHeaders: z.array(HeaderName).optional(),
        /** JSON pointers into JSON values; values that are not JSON pass untouched. */
        mask: z.array(JsonPointer).optional(),
        /** A stream's filter language: records that do not pass never reach the consumer. */
        filter: StreamFilters.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((p) => p.produce !== undefined || p.fetch !== undefined, {
    message: 'set produce, fetch, or both',
    path: ['fetch'],
  })

export type TransformPolicyConfig = z.output<typeof TransformPolicy>

export const Policy = z.discriminatedUnion('kind', [
  IpFilterPolicy,
  AclPolicy,
  RateLimitPolicy,
  ConnectionLimitPolicy,
  SchemaPolicy,
  TransformPolicy,
  MaskPolicy,
  EncryptPolicy,
])
