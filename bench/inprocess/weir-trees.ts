// Weir's produce fast path built from a source tree (this checkout, or a `git archive` of another
// commit), for the in-process bench: with a producer pool that answers at once, or with the
// node's real services against a broker.
import path from 'node:path'
import type { Serve } from './memory-http.ts'

const listener = `listeners:
  - name: bench
    kind: http
    port: 0
    topicsEndpoint:
      virtualCluster: bench
      allowed: ['bench-*']
      batch: true
`

const configYaml = (bootstrap: string, client: string) => `backendClusters:
  - name: bench
    bootstrapServers: ${bootstrap}
    client: ${client}
virtualClusters:
  - name: bench
    backendCluster: bench
${listener}logging:
  level: warn
`

/** A tree's modules, its parsed config and logger, and its fast path over the doors' deps. */
async function treeOf(root: string, yaml: string) {
  const at = (file: string) => import(path.join(root, file))
  const { parseConfig } = await at('src/config/load.ts')
  const { createLogger } = await at('src/observability/logger.ts')
  const { topicsEndpoint } = await at('src/http/produce/endpoint.ts')
  const { produceFastPath } = await at('src/http/produce/fast-path.ts')
  const config = parseConfig(yaml, 'in-process bench')
  const [http] = config.listeners
  const endpoint = topicsEndpoint(http.topicsEndpoint, http.maxBodyBytes)
  return {
    at,
    config,
    logger: createLogger({ level: 'warn' }),
    fastPath: (deps: unknown): Serve => produceFastPath([endpoint], deps),
  }
}

/** The fast path over the engine, schemas and produce service, no Kafka: acks come at once. */
export async function memoryFastPath(root: string): Promise<Serve> {
  const { at, config, logger, fastPath } = await treeOf(root, configYaml('127.0.0.1:1', 'kafkajs'))
  const { PolicyEngine } = await at('src/policy/index.ts')
  const { SchemaCatalog } = await at('src/schema/schemas.ts')
  const { SchemaValidator } = await at('src/policy/schema/index.ts')
  const { ProduceService } = await at('src/produce/produce-service.ts')
  const { IdempotencyCache } = await at('src/produce/idempotency.ts')
  const { Observability } = await at('src/observability/observability.ts')
  const { GatewayMetrics } = await at('src/observability/metrics/gateway-metrics.ts')
  const { HttpLifecycle } = await at('src/http/lifecycle.ts')
  const policies = new PolicyEngine(config)
  const observability = new Observability(config.observability, {
    kafka: () => {
      throw new Error('no Kafka in the in-process bench')
    },
    logger,
    metrics: new GatewayMetrics(),
  })
  let offset = 0
  const produce = new ProduceService({
    virtualClusters: config.virtualClusters,
    policies,
    serializer: new SchemaValidator(policies, new SchemaCatalog([])),
    producers: {
      // The brokers' acknowledgement, at once: one ack per record.
      sendRequest: async (_cluster: string, records: { topic: string }[]) =>
        records.map((r) => ({
          topic: r.topic,
          partition: 0,
          offset: String(offset++),
          timestamp: '-1',
        })),
      checkSizes: async () => {},
    },
    asyncDelivery: { accept: () => {} },
    backends: {
      topicExists: async () => true,
      health: () => ({ refusal: () => undefined, suspect: () => {} }),
    },
  })
  const lifecycle = new HttpLifecycle({
    // As the node's services do (src/runtime/services.ts): no promise for a synchronous answer.
    authenticate: (vc: string, credentials: unknown) => {
      const principalOf = (result: { principal?: unknown }) => {
        if (result.principal === undefined) throw new Error('refused')
        return result.principal
      }
      const result = policies.authenticate(vc, credentials)
      return result instanceof Promise ? result.then(principalOf) : principalOf(result)
    },
    apiKeyHeaders: (vc: string) => policies.apiKeyHeaders(vc),
    accepting: () => true,
    observability,
    logger,
  })
  return fastPath({ lifecycle, produce, idempotency: new IdempotencyCache() })
}

/** The fast path over the node's real services (buildServices), writing to `bootstrap`. */
export async function kafkaFastPath(
  root: string,
  bootstrap: string,
  client: string
): Promise<{ serve: Serve; close(): Promise<void> }> {
  const { at, config, logger, fastPath } = await treeOf(root, configYaml(bootstrap, client))
  const { buildServices } = await at('src/runtime/services.ts')
  const { httpDoorDeps } = await at('src/http/door-deps.ts')
  const services = buildServices(config, logger, { accepting: () => true })
  return {
    serve: fastPath(httpDoorDeps(services, logger).produce),
    close: async () => {
      await services.stop(Date.now() + 5_000)
    },
  }
}
