// The produce use case, shared by every door that accepts events: authorize, validate and
// serialize through the schema policy, map into the virtual cluster's namespace, deliver.
// Doors only translate their protocol into a ProduceCommand and the result (or GatewayError) back.
import type { VirtualClusterConfig } from '../config/index.ts'
import type { Decision } from '../core/decision.ts'
import { fromDecision, GatewayError } from '../core/errors.ts'
import type { PolicyRequest } from '../core/policy-request.ts'
import { backendIdentityOf, type BackendIdentity } from '../kafka/backend-identity.ts'
import type { AsyncDelivery } from '../kafka/producer/async-delivery.ts'
import { toGatewayError } from '../kafka/producer/errors.ts'
import type { ProducerPool } from '../kafka/producer/producer-pool.ts'
import type { OutgoingRecord, RecordAck } from '../kafka/producer/record.ts'
import { backendTopicOf, namespaceOf } from '../namespace/index.ts'
import type { SchemaValidator } from '../policy/schema/index.ts'
import type { ProduceCommand } from './event.ts'
import { writeOutgoing, type WriteTransform } from '../policy/transform/index.ts'
import { maskOutgoing, type MaskSide, type RecordEdit } from '../policy/mask/index.ts'
import type { Principal } from '../core/principal.ts'

/** The policy decisions produce needs (the policy engine provides them). */
export interface ProducePolicies {
  authorize(request: PolicyRequest, routePolicies: readonly string[]): Decision
  /** Shared rate limits' tokens from the store, awaited before `authorize` (see the engine). */
  prepare?(request: PolicyRequest, routePolicies: readonly string[]): Promise<void> | undefined
  /** The transform policy's header edits for a topic, as on every write door. */
  writeTransform(
    virtualCluster: string,
    topic: string,
    routePolicies: readonly string[]
  ): WriteTransform | undefined
  /** The produce-side mask policies' edit of a topic's values, as on every write door. */
  recordEditsFor(
    virtualCluster: string,
    topic: string,
    principal: Principal,
    side: MaskSide,
    routePolicies: readonly string[]
  ): RecordEdit | undefined
}

/** Events' keys and values to bytes through their topic's schema policy (the engine's). */
export type RecordSerializer = Pick<SchemaValidator, 'serialize'>

export type ProduceResult =
  /** `backendMs`: how long the brokers took to acknowledge (observability). */
  | { mode: 'sync'; topic: string; acks: RecordAck[]; backendMs?: number }
  | { mode: 'async'; topic: string; accepted: number }

export interface ProduceServiceDeps {
  virtualClusters: readonly VirtualClusterConfig[]
  policies: ProducePolicies
  serializer: RecordSerializer
  /** Ports, narrowed to what produce calls (tests give fakes). */
  producers: Pick<ProducerPool, 'sendRequest' | 'checkSizes'>
  asyncDelivery: Pick<AsyncDelivery, 'accept'>
  /**
   * Each backend cluster's topic cache and circuit breaker: a missing topic is answered from the
   * cache without reaching the producer (where kafkajs would hold up other topics while retrying
   * it), and while the cluster is known down a sync request is refused without trying.
   */
  backends: {
    /** With `identity`: whether the brokers show the topic to that identity (may describe it). */
    topicExists(
      cluster: string,
      topic: string,
      identity?: BackendIdentity
    ): boolean | Promise<boolean>
    health(cluster: string): { refusal(): GatewayError | undefined; suspect(): void }
  }
}

export class ProduceService {
  #vcs: Map<string, VirtualClusterConfig>
  readonly #deps: ProduceServiceDeps

  constructor(deps: ProduceServiceDeps) {
    this.#deps = deps
    this.#vcs = new Map(deps.virtualClusters.map((vc) => [vc.name, vc]))
  }

  /** A reloaded config's virtual clusters (namespaces), for the requests that come next. */
  setVirtualClusters(virtualClusters: readonly VirtualClusterConfig[]): void {
    this.#vcs = new Map(virtualClusters.map((vc) => [vc.name, vc]))
  }

  async produce(command: ProduceCommand): Promise<ProduceResult> {
    const vc = this.#vcs.get(command.virtualCluster)
    if (!vc)
      throw new GatewayError(
        'internal',
        `virtual cluster "${command.virtualCluster}" is not configured`
      )
    const topic = backendTopicOf(namespaceOf(vc), command.topic)

    const request: PolicyRequest = {
      door: command.door,
      operation: 'produce',
      virtualCluster: vc.name,
      route: command.route,
      resources:
        command.alsoAccess === undefined
          ? [{ type: 'topic', name: command.topic }]
          : [{ type: 'topic', name: command.topic }, ...command.alsoAccess],
      principal: command.principal,
      records: command.events.length,
      bytes: command.bytes,
    }
    // Shared rate limits: the tokens come from the store first (nothing to wait for otherwise).
    const prepared = this.#deps.policies.prepare?.(request, command.routePolicies)
    if (prepared !== undefined) await prepared
    const decision = this.#deps.policies.authorize(request, command.routePolicies)
    if (decision.verdict === 'deny') throw fromDecision(decision)

    // Every event is serialized before any is sent: one violation anywhere and nothing is.
    const serializing = this.#deps.serializer.serialize(
      {
        virtualCluster: vc.name,
        topic: command.topic,
        registry: vc.schemaRegistry,
        routePolicies: command.routePolicies,
      },
      command.events
    )
    // Synchronous once the topic's schemas are at hand: no await then.
    const serialized = Array.isArray(serializing) ? serializing : await serializing
    const records = command.events.map((event, i): OutgoingRecord => ({
      topic,
      key: serialized[i]?.key ?? null,
      value: serialized[i]?.value ?? null,
      headers: event.headers,
      partition: event.partition,
      timestamp: event.timestamp,
    }))
    // After validation (which judges what the client sent), as on the Kafka listener.
    const transform = this.#deps.policies.writeTransform(
      vc.name,
      command.topic,
      command.routePolicies
    )
    if (transform !== undefined) writeOutgoing(transform, records, command.topic)
    // Stored masked: the broker never sees the clear value.
    const mask = this.#deps.policies.recordEditsFor(
      vc.name,
      command.topic,
      command.principal,
      'produce',
      command.routePolicies
    )
    if (mask !== undefined) await maskOutgoing(mask, records, command.topic)
    const cluster = vc.backendCluster
    const { delivery } = command
    // The tenant's credentials at the broker: its ACLs judge what is written as whom.
    const options = {
      acks: delivery.acks,
      compression: delivery.compression,
      identity: backendIdentityOf(vc, command.principal.name),
    }

    const health = this.#deps.backends.health(cluster)
    // Async records are buffered through an outage (within bounds); sync ones would only wait.
    const refusal = delivery.mode === 'sync' ? health.refusal() : undefined
    if (refusal !== undefined) throw refusal
    const known = this.#topicExists(cluster, topic)
    if (!(typeof known === 'boolean' ? known : await known))
      throw new GatewayError('not-found', `topic "${command.topic}" does not exist`)
    // A topic the broker hides from the tenant's identity is refused now, async records too
    // (they would be answered 202 and then never delivered).
    if (options.identity !== undefined) {
      const visible = this.#topicExists(cluster, topic, options.identity)
      if (!(typeof visible === 'boolean' ? visible : await visible)) {
        throw new GatewayError(
          'forbidden',
          `topic "${command.topic}": the broker refused the topic to this client's backend identity (TOPIC_AUTHORIZATION_FAILED)`
        )
      }
    }
    if (delivery.mode === 'async') {
      // A record the topic can never take is refused now, not retried forever after a 202.
      await this.#deps.producers.checkSizes(cluster, records, options)
      this.#deps.asyncDelivery.accept(cluster, records, options)
      return { mode: 'async', topic: command.topic, accepted: records.length }
    }
    const sentAt = performance.now()
    const acks = await this.#deps.producers
      .sendRequest(cluster, records, options, {
        atomic: delivery.atomic ?? false,
        timeoutMs: delivery.ackTimeoutMs,
      })
      .catch((err: unknown) => {
        // No answer in time: the circuit breaker checks whether the cluster is down.
        if (err instanceof GatewayError && err.code === 'backend-timeout') health.suspect()
        throw brokerRefusal(err, command.topic)
      })
    return { mode: 'sync', topic: command.topic, acks, backendMs: performance.now() - sentAt }
  }

  /** The topic cache's answer: `true` at once for a known topic, nothing to await then. */
  #topicExists(
    cluster: string,
    topic: string,
    identity?: BackendIdentity
  ): boolean | Promise<boolean> {
    const known = this.#deps.backends.topicExists(cluster, topic, identity)
    if (typeof known === 'boolean') return known
    return known.catch((err: unknown) => {
      throw toGatewayError(err, cluster)
    })
  }
}

/** A refusal of the broker's own ACLs names the topic as the client knows it. */
function brokerRefusal(err: unknown, topic: string): unknown {
  if (!(err instanceof GatewayError) || err.code !== 'forbidden') return err
  return new GatewayError('forbidden', `topic "${topic}": ${err.detail}`, { cause: err })
}
