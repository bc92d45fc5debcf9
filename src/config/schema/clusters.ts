// Backend clusters (real Kafka), schema registries, and virtual clusters (the views clients see).
import { z } from 'zod'
import { ClientSasl, ClientTls, HostPort, Millis, Name } from './common.ts'

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
    tls: ClientTls.optional(),
    sasl: ClientSasl.optional(),
    connectionTimeoutMs: Millis.default(3000),
    requestTimeoutMs: Millis.default(30_000),
    metadataMaxAgeMs: Millis.default(300_000),
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
  })
  .strict()

export const VirtualCluster = z
  .object({
    name: Name,
    backendCluster: Name,
    namespace: Namespace.optional(),
    schemaRegistry: Name.optional(),
    /** Policies (by name) that apply to every door of this virtual cluster, in order. */
    policies: z.array(Name).default([]),
  })
  .strict()
