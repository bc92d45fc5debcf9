// Backend clusters (real Kafka), schema registries, and virtual clusters (the views clients see).
import { z } from 'zod'
import { AuthMethod } from './authentication.ts'
import { ClientSasl, ClientTls, HostPort, Millis, Name } from './common.ts'

/** How Weir's producer for a backend cluster batches and retries. */
export const ProducerOptions = z
  .object({
    /** Kafka's idempotent producer: no duplicates from retries (needs acks=all). */
    idempotent: z.boolean().default(true),
    /**
     * How long records wait for others to share a batch before it leaves. 0 (the default) sends a
     * batch as soon as the topic has no batch in flight (one at a time with the idempotent
     * producer); records that arrive while one is in flight go together in the next. So batches
     * grow with the load by themselves, and a lone request never waits for company.
     */
    lingerMs: Millis.default(0),
    maxBatchRecords: z.number().int().positive().default(1000),
    /**
     * Bytes of records (framing included) in one produce request, across topics. Each topic's
     * share is also kept within its max.message.bytes, which the brokers report.
     */
    maxBatchBytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    retries: z.number().int().min(0).default(5),
    retryBackoffMs: Millis.default(100),
    /** Bound of the async-delivery buffer, in records and in bytes. */
    asyncBufferRecords: z.number().int().positive().default(10_000),
    asyncBufferBytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
    /**
     * Transactional producers per backend cluster: how many atomic (or larger than one batch)
     * requests are written at once. Each runs one transaction at a time.
     */
    transactionalProducers: z.number().int().positive().default(4),
    /**
     * Start of their transactional ids (`<prefix>-<host>-<pid>-...`); on a cluster with ACLs, grant
     * Weir's principal WRITE and DESCRIBE on transactional ids with this prefix. Nodes that share
     * a host name and pid (containers on the host network) need a prefix each, or they fence
     * each other's transactions.
     */
    transactionalIdPrefix: z.string().min(1).default('weir'),
  })
  .strict()

export const BackendCluster = z
  .object({
    name: Name,
    /** Bootstrap brokers: a list, or one comma-separated string (handy with ${ENV}). */
    bootstrapServers: z.preprocess(
      (v) =>
        typeof v === 'string'
          ? v
              .split(',')
              .map((part) => part.trim())
              .filter(Boolean)
          : v,
      z.array(HostPort).min(1)
    ),
    clientId: z.string().default('weir'),
    /**
     * The Kafka client library Weir's producers use for this cluster: `kafkajs`, or
     * `platformatic` (@platformatic/kafka; its transactional producers, consumers and admin
     * requests stay on kafkajs). See README, "Kafka client library".
     */
    client: z.enum(['kafkajs', 'platformatic']).default('kafkajs'),
    tls: ClientTls.optional(),
    sasl: ClientSasl.optional(),
    connectionTimeoutMs: Millis.default(3000),
    requestTimeoutMs: Millis.default(30_000),
    metadataMaxAgeMs: Millis.default(300_000),
    /**
     * Produce asks a cache of the cluster's topics whether a topic exists, so a missing topic
     * answers 404 at once and never reaches the producer. A topic not in the cache refreshes it,
     * at most once per this many milliseconds; a topic created since is seen on the next refresh.
     */
    topicMetadataRefreshMs: Millis.default(500),
    /**
     * The circuit breaker: a background check (one metadata request, bounded by `timeoutMs`)
     * every `intervalMs`, and at once after a send fails at the connection level. While the last
     * check failed, sync produce answers 503 with Retry-After without trying and /readyz answers
     * 503 from that state; async produce keeps buffering within its bounds.
     */
    health: z
      .object({ intervalMs: Millis.min(10).default(1000), timeoutMs: Millis.min(1).default(2000) })
      .strict()
      .default({ intervalMs: 1000, timeoutMs: 2000 }),
    producer: ProducerOptions.default({
      idempotent: true,
      lingerMs: 0,
      maxBatchRecords: 1000,
      maxBatchBytes: 1024 * 1024,
      retries: 5,
      retryBackoffMs: 100,
      asyncBufferRecords: 10_000,
      asyncBufferBytes: 64 * 1024 * 1024,
      transactionalProducers: 4,
      transactionalIdPrefix: 'weir',
    }),
  })
  .strict()

export const SchemaRegistry = z
  .object({
    name: Name,
    /** Base URL of a Confluent-compatible API (Confluent, or Apicurio's /apis/ccompat/v7). */
    url: z.url({ protocol: /^https?$/ }),
    basicAuth: z.object({ username: z.string(), password: z.string() }).strict().optional(),
    bearerToken: z.string().optional(),
    tls: ClientTls.optional(),
    /** How long a fetched schema is trusted before it is looked up again. */
    cacheTtlMs: Millis.default(300_000),
    requestTimeoutMs: Millis.default(5000),
  })
  .strict()

export const Namespace = z
  .object({
    /** Prefix applied to topic names, consumer group ids and transactional ids. */
    prefix: z.string().min(1),
    /** Clients see names without the prefix. */
    hidePrefix: z.boolean().default(true),
    /**
     * Backend names outside the prefix that this virtual cluster still sees, unprefixed and under
     * their own name (shared reference topics, a group several tenants read with): exact names or
     * globs (`*`, `?`). Internal topics (`__consumer_offsets`, ...) are never exposed. Transactional
     * ids have no such list: a transaction always belongs to one tenant.
     */
    expose: z
      .object({
        topics: z.array(z.string().min(1)).default([]),
        groups: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .optional(),
  })
  .strict()

/**
 * A client certificate Weir presents to the backend's TLS listener on a tenant's behalf, in place
 * of the backend cluster's own (its `tls` still gives the CA, server name...). The broker's
 * principal is then the certificate's subject (`User:CN=...`, after its principal mapping rules).
 */
export const IdentityCertificate = z
  .object({
    certFile: z.string().min(1),
    keyFile: z.string().min(1),
    /** For an encrypted key. */
    passphrase: z.string().min(1).optional(),
  })
  .strict()

/**
 * The credentials Weir logs in to the backend's brokers with on a tenant's behalf, instead of the
 * backend cluster's own `sasl`, so the broker's ACLs, quotas and audit log see the tenant: a SASL
 * user, or a client certificate (`tls`), exactly one of them.
 */
const identityFields = {
  sasl: ClientSasl.optional(),
  tls: IdentityCertificate.optional(),
}
const oneCredential = [
  (identity: { sasl?: unknown; tls?: unknown }) =>
    (identity.sasl === undefined) !== (identity.tls === undefined),
  { message: 'a backend identity is either `sasl` or `tls` (a client certificate), exactly one' },
] as const

export const BackendIdentity = z
  .object(identityFields)
  .strict()
  .refine(...oneCredential)

export const VirtualCluster = z
  .object({
    name: Name,
    backendCluster: Name,
    namespace: Namespace.optional(),
    schemaRegistry: Name.optional(),
    /**
     * Ways clients may authenticate, tried in order. Empty means every request is anonymous;
     * list `kind: anonymous` after other methods to let unauthenticated requests through too.
     */
    authentication: z.array(AuthMethod).default([]),
    /** Policies (by name) that apply to every door of this virtual cluster, in order. */
    policies: z.array(Name).default([]),
    /** Who this virtual cluster's clients are at the broker (default: the backend's `sasl`). */
    backendIdentity: BackendIdentity.optional(),
    /** Per principal, ahead of `backendIdentity`: the first entry naming the principal wins. */
    backendIdentities: z
      .array(
        z
          .object({ principals: z.array(z.string().min(1)).min(1), ...identityFields })
          .strict()
          .refine(...oneCredential)
      )
      .default([]),
  })
  .strict()
  .refine(
    (vc) =>
      vc.authentication.length > 0 ||
      (vc.backendIdentity === undefined && vc.backendIdentities.length === 0),
    {
      // Without it, Kafka clients' own SASL passes through to the broker: there is no login of
      // Weir's to swap.
      message: 'a backend identity needs authentication at the gateway (authentication: [...])',
      path: ['backendIdentity'],
    }
  )
