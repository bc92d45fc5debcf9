// The services every door shares, built once from a config: backend connections, the policy
// engine, schemas, producers and async delivery, the consumer hub, reply stores and views. Doors
// borrow them and import none of them here (dependencies point inward: this module knows no
// door); a reload that changes backend clusters or schema registries builds new services and
// retires these.
import type { WeirConfig } from '../config/index.ts'
import { fromDecision } from '../core/errors.ts'
import type { Credentials, Principal } from '../core/principal.ts'
import type { ReadinessSource } from '../core/readiness.ts'
import { IdempotencyCache } from '../produce/idempotency.ts'
import { BackendClusters } from '../kafka/backend-clusters.ts'
import { ConsumerHub } from '../kafka/consumer/consumer-hub.ts'
import { AsyncDelivery } from '../kafka/producer/async-delivery.ts'
import { ProducerPool } from '../kafka/producer/producer-pool.ts'
import type { Logger } from '../observability/logger.ts'
import type { GatewayMetrics } from '../observability/metrics/gateway-metrics.ts'
import { Observability } from '../observability/observability.ts'
import { registrySchemaSource } from '../policy/fields/index.ts'
import { PolicyEngine, type AuthResult } from '../policy/index.ts'
import type { OnUnavailable } from '../policy/rate-limit-shared.ts'
import { SchemaValidator } from '../policy/schema/index.ts'
import { ProduceService } from '../produce/produce-service.ts'
import { SchemaCatalog } from '../schema/index.ts'
import { StreamService } from '../stream/stream-service.ts'
import { startKafkaResources, type KafkaResources } from './kafka-resources.ts'
import { RedisStateStore } from '../state/redis-store.ts'

export interface ServicesOptions {
  /** Where relative file paths in the config (schema files) start: the config file's folder. */
  configDir?: string
  /** Whether the node takes new work (false once it is stopping). */
  accepting(): boolean
  /** The engine of the services these replace: rate limit buckets carry over. */
  previousPolicies?: PolicyEngine
  /** The metrics registry to feed (the process-wide one by default). */
  metrics?: GatewayMetrics
}

export interface Services {
  /** Where relative file paths in the config start. */
  configDir: string | undefined
  backends: BackendClusters
  policies: PolicyEngine
  schemas: SchemaCatalog
  /** Schema policies for every door that writes (over `policies` and `schemas`). */
  schemaValidator: SchemaValidator
  produce: ProduceService
  /** Who the credentials stand for in a virtual cluster; throws the engine's refusal. */
  authenticate(virtualCluster: string, credentials: Credentials): Principal | Promise<Principal>
  /** Idempotency-Key answers of produce and request-reply requests. */
  idempotency: IdempotencyCache
  /** False once the node is shutting down. */
  accepting(): boolean
  streamService: StreamService
  /** Metrics, tracing and access log; doors get it through their deps. */
  observability: Observability
  readiness: ReadinessSource
  /** Request-reply stores and views of compacted topics. */
  resources: KafkaResources
  /** Takes a new config whose backend clusters and schema registries are the same as this one's. */
  update(config: WeirConfig): void
  /** Refuses new async records from now on (shutdown has begun). */
  stopAccepting(): void
  /** Accepted async records not yet acknowledged by the brokers. */
  buffered(): number
  /**
   * Ends stream sessions (the hub commits what was acknowledged), drains async delivery until
   * `deadline` (epoch ms) at the latest, and disconnects. Resolves with the number of accepted
   * records that could not be delivered.
   */
  stop(deadline?: number): Promise<{ undelivered: number }>
}

export function buildServices(
  config: WeirConfig,
  logger: Logger,
  options: ServicesOptions
): Services {
  const backends = new BackendClusters(config.backendClusters, logger)
  const schemas = new SchemaCatalog(config.schemaRegistries, {
    baseDir: options.configDir,
    onStale: (registry, lookup, err) =>
      logger.warn(
        { registry, lookup, err },
        'schema registry unreachable: using the cached schema'
      ),
  })
  // The shared state store (`state:`), owned by these services: a change to it rebuilds them.
  const store = config.state === undefined ? undefined : new RedisStateStore(config.state, logger)
  const unavailable = (
    use: 'rate-limit' | 'connection-limit' | 'idempotency',
    outcome: OnUnavailable
  ) => observability.metrics.stateUnavailable(use, outcome)
  // Masks read Confluent-framed values with their writer schema from the registry.
  const policies = new PolicyEngine(config, {
    state: store && {
      store,
      report: (outcome) => unavailable('rate-limit', outcome),
      reportConnection: (outcome) => unavailable('connection-limit', outcome),
    },
    previous: options.previousPolicies,
    maskSchemas: (registry, id) => registrySchemaSource(schemas.registry(registry), id),
    // Clients are told the KMS failed; the operator is told how (path, the provider's words).
    onKmsFailure: (kms, err, suppressed) =>
      logger.warn(
        { kms, kekId: err.kekId, failure: err.failure, err, suppressedSinceLast: suppressed },
        'KMS call failed'
      ),
  })
  // Metrics, tracer and access log sinks, shared by every door of these services.
  const observability = new Observability(config.observability, {
    kafka: (cluster) => backends.client(cluster),
    logger,
    metrics: options.metrics,
  })
  const producers = new ProducerPool(backends, config.backendClusters, logger)
  const producerSettings = new Map(config.backendClusters.map((c) => [c.name, c.producer]))
  const asyncDelivery = new AsyncDelivery(
    producers,
    (cluster) => {
      const settings = producerSettings.get(cluster)
      return {
        maxRecords: settings?.asyncBufferRecords ?? 10_000,
        maxBytes: settings?.asyncBufferBytes ?? 64 * 1024 * 1024,
        retryBackoffMs: settings?.retryBackoffMs ?? 100,
      }
    },
    logger
  )
  const schemaValidator = new SchemaValidator(policies, schemas)
  const produce = new ProduceService({
    virtualClusters: config.virtualClusters,
    policies,
    serializer: schemaValidator,
    producers,
    asyncDelivery,
    backends,
  })
  const principalOf = (result: AuthResult): Principal => {
    if ('decision' in result) throw fromDecision(result.decision)
    return result.principal
  }
  // Synchronous (a principal, or a throw) when the engine's answer is: no promise per request.
  const authenticateCredentials = (
    virtualCluster: string,
    credentials: Credentials
  ): Principal | Promise<Principal> => {
    const result = policies.authenticate(virtualCluster, credentials)
    return result instanceof Promise ? result.then(principalOf) : principalOf(result)
  }
  const streamService = new StreamService({
    hub: new ConsumerHub(backends, logger),
    policies,
    logger,
    observability,
  })
  const gauges = [
    observability.metrics.source('weir_producer_buffer_records', () => ({
      async: asyncDelivery.buffered,
      batcher: producers.pending,
    })),
    observability.metrics.source('weir_stream_consumers', () => {
      const byState: Record<string, number> = {}
      for (const c of streamService.stats().hub.details)
        byState[c.state] = (byState[c.state] ?? 0) + 1
      return byState
    }),
    // Weir_consumer_lag, per stream consumer group.
    observability.watchConsumers(() => streamService.stats().hub.details),
  ]
  // Request-reply routes and views read their topics from here until stop().
  const resources = startKafkaResources(config, { backends, schemas, policies, logger })
  let inUse = usedBackends(config)

  return {
    configDir: options.configDir,
    backends,
    policies,
    schemas,
    schemaValidator,
    produce,
    authenticate: authenticateCredentials,
    idempotency: new IdempotencyCache(
      undefined,
      undefined,
      store && config.state
        ? {
            store,
            onUnavailable: config.state.onUnavailable,
            report: (outcome) => unavailable('idempotency', outcome),
          }
        : undefined
    ),
    accepting: options.accepting,
    streamService,
    observability,
    readiness: {
      accepting: options.accepting,
      backendClusters: () => inUse,
      // The last known state, kept fresh in the background: readiness never waits for a probe.
      probe: (name) => backends.health(name).state(),
      loading: () => resources.loading(), // views and reply stores catching up
    },
    resources,
    update(next) {
      resources.update(next)
      policies.reload(next)
      produce.setVirtualClusters(next.virtualClusters)
      observability.update(next.observability)
      inUse = usedBackends(next)
    },
    stopAccepting: () => {
      asyncDelivery.stopAccepting()
      resources.stopAccepting() // answer long polls, end reply push connections
    },
    buffered: () => asyncDelivery.buffered,
    async stop(deadline = Date.now() + 30_000) {
      await streamService.close()
      await resources.stop()
      const drained = await asyncDelivery.drain(Math.max(0, deadline - Date.now()))
      if (drained.delivered > 0 || drained.undelivered > 0) {
        logger.info(drained, 'async delivery drained')
      }
      await producers.close()
      for (const gauge of gauges) gauge.remove()
      // Access log records of the last requests are flushed while the clients are still up.
      await observability.close()
      await backends.close()
      await store?.close()
      return { undelivered: drained.undelivered }
    },
  }
}

function usedBackends(config: WeirConfig): string[] {
  return [...new Set(config.virtualClusters.map((vc) => vc.backendCluster))]
}
