// The whole declarative configuration of a Weir node. The schema is the single source of truth:
// TypeScript types and validation both come from it.
import { z } from 'zod'
import { Admin } from './admin.ts'
import { BackendCluster, SchemaRegistry, VirtualCluster } from './clusters.ts'
import { Millis } from './common.ts'
import { DataKeys, Kms } from './kms.ts'
import { Listener } from './listeners.ts'
// Observability: metrics, tracing and access log settings.
import { Observability } from './observability.ts'
import { Policy, type SchemaRef } from './policies.ts'
import { State } from './state.ts'
import { type AuthMethod } from './authentication.ts'
import { type ProduceRoute, type TopicsEndpoint, type FromRequest } from './routes.ts'
import type { Stream, StreamFilters } from './streams.ts'

export const WeirConfigSchema = z
  .object({
    version: z.literal(1).default(1),
    backendClusters: z.array(BackendCluster).min(1),
    schemaRegistries: z.array(SchemaRegistry).default([]),
    virtualClusters: z.array(VirtualCluster).min(1),
    listeners: z.array(Listener).min(1),
    policies: z.array(Policy).default([]),
    /** Key management services holding the keys of encrypt policies, by name. */
    kms: z.array(Kms).default([]),
    /** How long unwrapped data keys serve before the KMS confirms them again. */
    dataKeys: DataKeys.default(DataKeys.parse({})),
    /** The admin API (off unless set): its own listener, never a public one. */
    admin: Admin.optional(),
    /** A store shared by every node (rate limits, Idempotency-Key); per node when unset. */
    state: State.optional(),
    logging: z
      .object({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
      })
      .strict()
      .default({ level: 'info' }),
    /** Metrics, tracing and access logs. */
    observability: Observability.default(Observability.parse({})),
    /**
     * How long a stop (SIGTERM) may take in all: requests in flight finish, async records drain,
     * connections close. Whatever is still running then is abandoned (kafkajs may be retrying),
     * undelivered async records are logged, and the process exits (1 if any were lost).
     */
    shutdownGraceMs: Millis.default(30_000),
  })
  .strict()

export type WeirConfig = z.output<typeof WeirConfigSchema>
export type AdminConfig = z.output<typeof Admin>
export type BackendClusterConfig = z.output<typeof BackendCluster>
export type SchemaRegistryConfig = z.output<typeof SchemaRegistry>
export type VirtualClusterConfig = z.output<typeof VirtualCluster>
export type ListenerConfig = z.output<typeof Listener>
export type HttpListenerConfig = Extract<ListenerConfig, { kind: 'http' }>
export type KafkaListenerConfig = Extract<ListenerConfig, { kind: 'kafka' }>
export type PolicyConfig = z.output<typeof Policy>
export type AclPolicyConfig = Extract<PolicyConfig, { kind: 'acl' }>
export type RateLimitPolicyConfig = Extract<PolicyConfig, { kind: 'rate-limit' }>
export type IpFilterPolicyConfig = Extract<PolicyConfig, { kind: 'ip-filter' }>
export type ConnectionLimitPolicyConfig = Extract<PolicyConfig, { kind: 'connection-limit' }>
export type SchemaPolicyConfig = Extract<PolicyConfig, { kind: 'schema' }>
export type { MaskPolicyConfig, MaskStrategyConfig } from './mask-policy.ts'
export type { EncryptPolicyConfig } from './encrypt-policy.ts'
export type SchemaRefConfig = z.output<typeof SchemaRef>
export type AuthMethodConfig = z.output<typeof AuthMethod>
export type MtlsAuthConfig = Extract<AuthMethodConfig, { kind: 'mtls' }>
export type ProduceRouteConfig = z.output<typeof ProduceRoute>
export type TopicsEndpointConfig = z.output<typeof TopicsEndpoint>
export type FromRequestConfig = z.output<typeof FromRequest>
export type StreamConfig = z.output<typeof Stream>
export type StreamFiltersConfig = z.output<typeof StreamFilters>
export type ObservabilityConfig = z.output<typeof Observability>
export type KmsConfig = z.output<typeof Kms>
export type StateConfig = z.output<typeof State>
export type AccessLogSinkConfig = ObservabilityConfig['accessLog']['sinks'][number]
