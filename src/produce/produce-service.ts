// The produce use case, shared by every door that accepts events: authorize, validate and
// serialize through the schema policy, map into the virtual cluster's namespace, deliver.
// Doors only translate their protocol into a ProduceCommand and the result (or GatewayError) back.
import type { SchemaPolicyConfig, SchemaRefConfig, VirtualClusterConfig } from '../config/index.ts'
import type { Decision } from '../core/decision.ts'
import { fromDecision, GatewayError } from '../core/errors.ts'
import type { PolicyRequest } from '../core/policy-request.ts'
import type { Violation } from '../core/violation.ts'
import type { AsyncDelivery } from '../kafka/producer/async-delivery.ts'
import { toGatewayError } from '../kafka/producer/errors.ts'
import type { ProducerPool } from '../kafka/producer/producer-pool.ts'
import type { OutgoingRecord, RecordAck } from '../kafka/producer/record.ts'
import { backendTopicOf, namespaceOf } from '../namespace/index.ts'
import type { Payload, ProduceCommand, ProduceEvent } from './event.ts'

/** The policy decisions produce needs (the policy engine provides them). */
export interface ProducePolicies {
  authorize(request: PolicyRequest, routePolicies: readonly string[]): Decision
  schemaPolicy(
    virtualCluster: string,
    topic: string,
    routePolicies: readonly string[]
  ): SchemaPolicyConfig | undefined
}

export type SerializeResult = { ok: true; bytes: Buffer } | { ok: false; violations: Violation[] }

/** Turns a JSON value into record bytes through a schema (the schema catalog provides it). */
export interface RecordSerializer {
  /** The schema for a topic's key or value, looked up once per request. */
  resolve(
    ref: SchemaRefConfig,
    context: { topic: string; part: 'key' | 'value'; registry?: string }
  ): Promise<{ serialize(value: unknown): SerializeResult }>
}

export type ProduceResult =
  /** `backendMs`: how long the brokers took to acknowledge (observability). */
  | { mode: 'sync'; topic: string; acks: RecordAck[]; backendMs?: number }
  | { mode: 'async'; topic: string; accepted: number }

export interface ProduceServiceDeps {
  virtualClusters: readonly VirtualClusterConfig[]
  policies: ProducePolicies
  serializer: RecordSerializer
  producers: ProducerPool
  asyncDelivery: AsyncDelivery
  /**
   * Each backend cluster's topic cache and circuit breaker: a missing topic is answered from the
   * cache without reaching the producer (where kafkajs would hold up other topics while retrying
   * it), and while the cluster is known down a sync request is refused without trying.
   */
  backends: {
    topicExists(cluster: string, topic: string): Promise<boolean>
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

    const decision = this.#deps.policies.authorize(
      {
        door: command.door,
        operation: 'produce',
        virtualCluster: vc.name,
        route: command.route,
        resource: { type: 'topic', name: command.topic },
        principal: command.principal,
        records: command.events.length,
        bytes: command.bytes,
      },
      command.routePolicies
    )
    if (decision.verdict === 'deny') throw fromDecision(decision)

    const schema = this.#deps.policies.schemaPolicy(vc.name, command.topic, command.routePolicies)
    const records = await this.#toRecords(command.events, topic, schema, vc.schemaRegistry)
    const cluster = vc.backendCluster
    const { delivery } = command
    const options = { acks: delivery.acks, compression: delivery.compression }

    const health = this.#deps.backends.health(cluster)
    // Async records are buffered through an outage (within bounds); sync ones would only wait.
    const refusal = delivery.mode === 'sync' ? health.refusal() : undefined
    if (refusal !== undefined) throw refusal
    const exists = await this.#deps.backends.topicExists(cluster, topic).catch((err: unknown) => {
      throw toGatewayError(err, cluster)
    })
    if (!exists) throw new GatewayError('not-found', `topic "${command.topic}" does not exist`)
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
        throw err
      })
    return { mode: 'sync', topic: command.topic, acks, backendMs: performance.now() - sentAt }
  }

  /** Serializes every event; any violation anywhere rejects the whole batch before a byte is sent. */
  async #toRecords(
    events: readonly ProduceEvent[],
    topic: string,
    schema: SchemaPolicyConfig | undefined,
    registry: string | undefined
  ): Promise<OutgoingRecord[]> {
    const violations: Violation[] = []
    // Schemas are resolved once per request, then every event is encoded synchronously.
    const resolve = (part: 'key' | 'value') => {
      const ref = schema?.[part]
      return ref
        ? this.#deps.serializer.resolve(ref, { topic, part, registry: ref.registry ?? registry })
        : undefined
    }
    const [keySchema, valueSchema] = await Promise.all([resolve('key'), resolve('value')])
    const encode = (payload: Payload, part: 'key' | 'value', index: number): Buffer | null => {
      if (payload.kind === 'null') return null
      const resolved = part === 'key' ? keySchema : valueSchema
      if (!resolved) {
        if (payload.kind === 'bytes') return payload.value
        if (payload.kind === 'text') return Buffer.from(payload.value)
        return payload.raw ?? Buffer.from(JSON.stringify(payload.value))
      }
      if (payload.kind === 'bytes') {
        throw new GatewayError(
          'unsupported-media-type',
          `the ${part} of records on "${topic}" must be JSON: a ${schema?.[part]?.format} schema applies`
        )
      }
      const result = resolved.serialize(payload.value)
      if (result.ok) return result.bytes
      for (const v of result.violations) violations.push({ ...v, part, record: index })
      return null
    }
    const records = events.map((event, index): OutgoingRecord => ({
      topic,
      key: encode(event.key, 'key', index),
      value: encode(event.value, 'value', index),
      headers: event.headers,
      partition: event.partition,
      timestamp: event.timestamp,
    }))
    if (violations.length > 0) {
      const bad = new Set(violations.map((v) => v.record)).size
      const what = events.length === 1 ? 'the record does' : `${bad} of ${events.length} records do`
      throw new GatewayError(
        'invalid-record',
        `${what} not match the schema; nothing was produced`,
        {
          extensions: { violations },
        }
      )
    }
    return records
  }
}
