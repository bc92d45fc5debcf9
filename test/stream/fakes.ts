// Fakes for the streaming core's unit tests: configurations with their defaults, a consumer hub
// that hands out recording subscriptions, policies that answer as told, and an endpoint whose
// rendering a test controls (sync, async, filtered).
import { pino } from 'pino'
import type { z } from 'zod'
import type { StreamConfig, VirtualClusterConfig } from '../../src/config/index.ts'
import { VirtualCluster } from '../../src/config/schema/clusters.ts'
import { Stream } from '../../src/config/schema/streams.ts'
import { allow, type Decision } from '../../src/core/decision.ts'
import type { PolicyRequest } from '../../src/core/policy-request.ts'
import {
  admitConnection,
  ConnectionCounter,
  type ConnectionAdmission,
  type ConnectionRequest,
} from '../../src/policy/connection-limit.ts'
import type { Principal } from '../../src/core/principal.ts'
import type {
  ClosedReason,
  ConsumedRecord,
  ConsumerSpec,
  HubStats,
  PartitionPosition,
  Subscriber,
  Subscription,
} from '../../src/kafka/consumer/types.ts'
import type { Logger } from '../../src/observability/logger.ts'
import type { Rendered, StreamEndpoint } from '../../src/stream/endpoint.ts'
import type { StreamRecord } from '../../src/stream/record.ts'
import type { StreamHub, StreamPolicies } from '../../src/stream/stream-service.ts'

export const silentLogger = (): Logger => pino({ level: 'silent' })

/** An engine with no transform policies: streams render records as they are. */
export const noTransforms = { readTransform: () => undefined, recordEditsFor: () => undefined }

export const alice: Principal = { name: 'alice', method: 'api-key', roles: [] }

/** A stream as the configuration loader would produce it, defaults filled in. */
export function streamConfig(fields: Partial<z.input<typeof Stream>> = {}): StreamConfig {
  return Stream.parse({
    name: 'orders-live',
    path: '/streams/orders',
    virtualCluster: 'acme',
    topics: ['orders'],
    ...fields,
  })
}

export function virtualCluster(
  fields: Partial<z.input<typeof VirtualCluster>> = {}
): VirtualClusterConfig {
  return VirtualCluster.parse({ name: 'acme', backendCluster: 'main', ...fields })
}

/** A consumed record of backend topic `topic`. */
export function consumed(
  offset: number | string,
  fields: Partial<ConsumedRecord> = {}
): ConsumedRecord {
  return {
    topic: 'orders',
    partition: 0,
    offset: String(offset),
    timestamp: '1700000000000',
    key: null,
    value: Buffer.from(JSON.stringify({ n: Number(offset) })),
    headers: {},
    ...fields,
  }
}

/** What a plain sync rendering of `record` gives, under the client topic `topic`. */
export function plainRecord(record: ConsumedRecord, topic: string): StreamRecord {
  return {
    topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: null,
    headers: {},
    value: record.value === null ? null : record.value.toString('utf8'),
    tombstone: record.value === null,
  }
}

export interface FakeEndpointOptions {
  config?: StreamConfig
  /** A hidden namespace prefix: clients name `orders`, the backend `<prefix>orders`. */
  prefix?: string
  /** Defaults to plainRecord under the client topic name. */
  render?: (record: ConsumedRecord) => Rendered | Promise<Rendered>
}

/** An endpoint with a rendering the test decides; topic mapping like a hidePrefix namespace. */
export function fakeEndpoint(options: FakeEndpointOptions = {}): StreamEndpoint {
  const config = options.config ?? streamConfig()
  const prefix = options.prefix ?? ''
  const clientTopic = (backend: string) =>
    prefix !== '' && backend.startsWith(prefix) ? backend.slice(prefix.length) : backend
  return {
    name: config.name ?? config.path,
    config,
    virtualCluster: virtualCluster(
      prefix === '' ? {} : { namespace: { prefix, hidePrefix: true } }
    ),
    honoPath: config.path,
    serves: () => true,
    topicsFor: () => [...(Array.isArray(config.topics) ? config.topics : [])],
    backendTopic: (topic) => `${prefix}${topic}`,
    clientTopic,
    render: options.render ?? ((record) => plainRecord(record, clientTopic(record.topic))),
  }
}

type Ack = [topic: string, partition: number, offset: string]

export class FakeSubscription implements Subscription {
  readies = 0
  readonly acks: Ack[] = []
  unsubscribes = 0

  ready(): void {
    this.readies++
  }

  ack(topic: string, partition: number, offset: string): void {
    this.acks.push([topic, partition, offset])
  }

  async unsubscribe(): Promise<void> {
    this.unsubscribes++
  }
}

export interface Subscribed {
  spec: ConsumerSpec
  subscriber: Subscriber
  subscription: FakeSubscription
}

export class FakeHub implements StreamHub {
  readonly subscribed: Subscribed[] = []
  readonly endOffsetCalls: { cluster: string; topics: readonly string[] }[] = []
  /** What endOffsets answers. */
  positions: PartitionPosition[] = []
  /** When set, subscribe() rejects with it. */
  subscribeError: Error | undefined
  /** When set, endOffsets() rejects with it. */
  endOffsetsError: Error | undefined
  /** When set, subscribe() waits for it before answering. */
  subscribeGate: Promise<void> | undefined
  closes = 0

  async subscribe(spec: ConsumerSpec, subscriber: Subscriber): Promise<Subscription> {
    if (this.subscribeGate !== undefined) await this.subscribeGate
    if (this.subscribeError !== undefined) throw this.subscribeError
    const subscription = new FakeSubscription()
    this.subscribed.push({ spec, subscriber, subscription })
    return subscription
  }

  async endOffsets(cluster: string, topics: readonly string[]): Promise<PartitionPosition[]> {
    this.endOffsetCalls.push({ cluster, topics: [...topics] })
    if (this.endOffsetsError !== undefined) throw this.endOffsetsError
    return this.positions
  }

  stats(): HubStats {
    return { consumers: 0, subscribers: this.subscribed.length, details: [] }
  }

  async close(): Promise<void> {
    this.closes++
  }

  /** The n-th subscription made (0-based). */
  at(index: number): Subscribed {
    const found = this.subscribed[index]
    if (found === undefined) throw new Error(`no subscription #${index}`)
    return found
  }

  /** Tells every subscriber what the hub would on shutdown or failure. */
  closeAll(reason: ClosedReason): void {
    for (const { subscriber } of this.subscribed) subscriber.closed?.(reason)
  }
}

export class FakePolicies implements StreamPolicies {
  readonly requests: { request: PolicyRequest; routePolicies: readonly string[] | undefined }[] = []
  readonly admissions: {
    connection: ConnectionRequest
    routePolicies: readonly string[] | undefined
    perRoute: number | undefined
  }[] = []
  decide: (request: PolicyRequest) => Decision = () => allow
  /** Counts a stream's own limit (`perRoute`) as the engine does; no connection-limit policy. */
  readonly #connections = new ConnectionCounter()

  async prepareAndAuthorize(
    request: PolicyRequest,
    routePolicies?: readonly string[]
  ): Promise<Decision> {
    this.requests.push({ request, routePolicies })
    return this.decide(request)
  }

  async admit(
    connection: ConnectionRequest,
    routePolicies?: readonly string[],
    perRoute?: number
  ): Promise<ConnectionAdmission> {
    this.admissions.push({ connection, routePolicies, perRoute })
    const { route, principal } = connection
    return admitConnection(
      perRoute === undefined
        ? []
        : [
            {
              counter: this.#connections,
              key: `${route ?? ''}\u0000${principal.name}`,
              max: perRoute,
              policy: 'stream',
              describe: (held) => `"${principal.name}" holds ${held} connections to "${route}"`,
            },
          ]
    )
  }
}

/** A promise with its resolvers, for renderings that finish when the test says. */
export function deferred<T>(): {
  promise: Promise<T>
  resolve: (value: T) => void
  reject: (error: unknown) => void
} {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Lets pending promise callbacks (renderings, subscribe) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}
