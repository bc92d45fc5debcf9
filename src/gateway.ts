// The composition root: turns a validated configuration into running listeners, and stops them.
// Everything the doors share (policy engine, schemas, producers) is built once here.
import type { BackendClusterConfig, VirtualClusterConfig, WeirConfig } from './config/index.ts'
import { fromDecision } from './core/errors.ts'
import type { Credentials, Principal } from './core/principal.ts'
import { createHttpApp } from './http/app.ts'
import { httpCredentials } from './http/credentials.ts'
import type { HeaderReader } from './http/exchange.ts'
import { startHttpListener, type RunningHttpListener } from './http/http-listener.ts'
import { produceFastPath } from './http/produce/fast-path.ts'
import { IdempotencyCache } from './http/produce/idempotency.ts'
import { produceEndpoints } from './http/produce/routes.ts'
import { streamMatcher, type StreamDoorDeps } from './http/streams/admission.ts'
import { streamRequests } from './http/streams/stream-requests.ts'
import { WebSocketDoor } from './http/streams/websocket/door.ts'
import { BackendClusters } from './kafka/backend-clusters.ts'
import { AsyncDelivery } from './kafka/producer/async-delivery.ts'
import { ConsumerHub } from './kafka/consumer/consumer-hub.ts'
import { startKafkaListener, type RunningKafkaListener } from './listener/kafka-listener.ts'
import { ProducerPool } from './kafka/producer/producer-pool.ts'
import type { Logger } from './observability/logger.ts'
import { PolicyEngine } from './policy/index.ts'
import { ProduceService } from './produce/produce-service.ts'
import { SchemaCatalog } from './schema/index.ts'
import { streamEndpoint } from './stream/endpoint.ts'
import { StreamService } from './stream/stream-service.ts'

export interface Gateway {
  listeners: RunningHttpListener[]
  kafkaListeners: RunningKafkaListener[]
  /** Stream sessions and consumers of this node. */
  streamStats(): ReturnType<StreamService['stats']>
  /**
   * Graceful: readiness fails first, in-flight work finishes, buffers drain, then connections
   * close. Resolves with the number of accepted records that could not be delivered in time.
   */
  stop(): Promise<{ undelivered: number }>
}

/** How long accepted async records may take to reach the brokers at shutdown. */
const DRAIN_TIMEOUT_MS = 30_000

export interface GatewayOptions {
  /** Where relative file paths in the config (schema files) start: the config file's folder. */
  configDir?: string
}

export async function startGateway(
  config: WeirConfig,
  logger: Logger,
  options: GatewayOptions = {}
): Promise<Gateway> {
  checkKafkaListeners(config)

  const backends = new BackendClusters(config.backendClusters, logger)
  const policies = new PolicyEngine(config)
  const schemas = new SchemaCatalog(config.schemaRegistries, {
    baseDir: options.configDir,
    onStale: (registry, lookup, err) =>
      logger.warn(
        { registry, lookup, err },
        'schema registry unreachable: using the cached schema'
      ),
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
  const produce = new ProduceService({
    virtualClusters: config.virtualClusters,
    policies,
    serializer: schemas,
    producers,
    asyncDelivery,
    topics: backends,
  })
  const authenticateCredentials = async (
    virtualCluster: string,
    credentials: Credentials
  ): Promise<Principal> => {
    const result = await policies.authenticate(virtualCluster, credentials)
    if ('decision' in result) throw fromDecision(result.decision)
    return result.principal
  }
  const authenticate = (virtualCluster: string, headers: HeaderReader) =>
    authenticateCredentials(
      virtualCluster,
      httpCredentials(headers, policies.apiKeyHeaders(virtualCluster))
    )
  const streamService = new StreamService({
    hub: new ConsumerHub(backends, logger),
    policies,
    logger,
  })
  const streamDeps: StreamDoorDeps = {
    service: streamService,
    authenticate: authenticateCredentials,
    apiKeyHeaders: (vc) => policies.apiKeyHeaders(vc),
    accepting: () => accepting,
  }
  const vcs = new Map(config.virtualClusters.map((vc) => [vc.name, vc]))
  const onDecodeError = (stream: string, part: 'key' | 'value', err: unknown) =>
    logger.warn({ stream, part, err }, 'framed bytes could not be decoded: sent as base64')

  const inUse = [...new Set(config.virtualClusters.map((vc) => vc.backendCluster))]
  let accepting = true
  const readiness = {
    accepting: () => accepting,
    backendClusters: () => inUse,
    probe: (name: string) => backends.probe(name),
  }
  const idempotency = new IdempotencyCache()

  const produceDeps = { authenticate, produce, idempotency, accepting: () => accepting }
  const listeners: RunningHttpListener[] = []
  const kafkaListeners: RunningKafkaListener[] = []
  const streamDoors: { close(): void }[] = []
  const stopShared = async (): Promise<{ undelivered: number }> => {
    // Sessions end first (WebSocket close frames, SSE end events), then the hub commits what was
    // acknowledged and leaves its groups, before the clients it reads with disconnect.
    for (const door of streamDoors) door.close()
    await streamService.close()
    const drained = await asyncDelivery.drain(DRAIN_TIMEOUT_MS)
    if (drained.delivered > 0 || drained.undelivered > 0) {
      logger.info(drained, 'async delivery drained')
    }
    await producers.close()
    await backends.close()
    return { undelivered: drained.undelivered }
  }
  try {
    for (const listener of config.listeners) {
      if (listener.kind === 'kafka') {
        const backend = backendOf(config, listener.virtualCluster)
        const vc = vcs.get(listener.virtualCluster) as VirtualClusterConfig
        const running = await startKafkaListener(listener, {
          virtualCluster: vc,
          authenticate: (credentials) => policies.authenticate(vc.name, credentials),
          policies,
          schemaSources: { policies, schemas },
          backend,
          describeBrokers: () => backends.describeBrokers(backend.name),
          logger,
        })
        kafkaListeners.push(running)
        logger.info(
          { listener: listener.name, bootstrap: running.bootstrap },
          'kafka listener started'
        )
        continue
      }
      const app = createHttpApp(listener, {
        readiness,
        logger: logger.child({ listener: listener.name }),
        produce: produceDeps,
      })
      const listenerLogger = logger.child({ listener: listener.name })
      const fastPath = produceFastPath(produceEndpoints(listener), produceDeps, listenerLogger)
      const endpoints = listener.streams.map((stream) => {
        const vc = vcs.get(stream.virtualCluster)
        if (vc === undefined) throw new Error(`no virtual cluster "${stream.virtualCluster}"`)
        return streamEndpoint(stream, vc, { schemas, onDecodeError })
      })
      const matcher = streamMatcher(endpoints)
      const requests = streamRequests(streamDeps, matcher, listenerLogger)
      const websockets = new WebSocketDoor(streamDeps, matcher, listenerLogger)
      streamDoors.push(requests, websockets)
      const running = await startHttpListener(listener, app, {
        fastPaths: [fastPath, requests.handle],
        upgrade: websockets.upgrade,
      })
      listeners.push(running)
      logger.info({ listener: listener.name, url: running.url }, 'http listener started')
    }
  } catch (err) {
    await Promise.allSettled([...listeners, ...kafkaListeners].map((l) => l.close()))
    await stopShared()
    throw err
  }

  return {
    listeners,
    kafkaListeners,
    streamStats: () => streamService.stats(),
    async stop() {
      accepting = false
      // Requests still arriving on open keep-alive connections must not be taken from here on.
      asyncDelivery.stopAccepting()
      // Streams never finish by themselves: end them before waiting for requests to finish.
      const streamsClosed = Promise.resolve().then(async () => {
        for (const door of streamDoors) door.close()
        await streamService.close()
      })
      await Promise.allSettled([...listeners, ...kafkaListeners].map((l) => l.close()))
      await streamsClosed
      const result = await stopShared()
      logger.info('gateway stopped')
      return result
    },
  }
}

function backendOf(config: WeirConfig, virtualCluster: string): BackendClusterConfig {
  const vc = config.virtualClusters.find((v) => v.name === virtualCluster)
  const backend = config.backendClusters.find((b) => b.name === vc?.backendCluster)
  if (backend === undefined) throw new Error(`virtual cluster "${virtualCluster}" has no backend`)
  return backend
}

/**
 * The Kafka listener applies a virtual cluster's namespace, authentication, ACLs, rate limits (as
 * broker quotas), schema policies (on Produce) and transform policies. A policy kind it does not
 * enforce must be refused rather than let traffic bypass it; a schema policy needs a registry to
 * check ids in.
 */
function checkKafkaListeners(config: WeirConfig): void {
  const enforced = new Set<string>(['acl', 'rate-limit', 'schema', 'transform'])
  for (const listener of config.listeners) {
    if (listener.kind !== 'kafka') continue
    const vc = config.virtualClusters.find((v) => v.name === listener.virtualCluster)
    const policies = (vc?.policies ?? []).map((name) =>
      config.policies.find((p) => p.name === name)
    )
    const unapplied = (vc?.policies ?? []).filter((_, i) => !enforced.has(policies[i]?.kind ?? ''))
    if (unapplied.length > 0) {
      throw new Error(
        `kafka listener "${listener.name}": virtual cluster "${listener.virtualCluster}" has policies the Kafka listener does not enforce yet (${unapplied.join(', ')}: only ACLs, rate limits, schema and transform policies apply there); use a virtual cluster without them`
      )
    }
    for (const policy of policies) {
      if (policy?.kind !== 'schema') continue
      const refs = [policy.key, policy.value].filter((ref) => ref !== undefined)
      const unregistered = refs.some(
        (ref) => ref.schema === undefined && ref.schemaFile === undefined && !ref.registry
      )
      if (unregistered && vc?.schemaRegistry === undefined) {
        throw new Error(
          `kafka listener "${listener.name}": schema policy "${policy.name}" has no schema registry to check schema ids in; set schemaRegistry on virtual cluster "${listener.virtualCluster}", or registry on the policy`
        )
      }
    }
  }
}
