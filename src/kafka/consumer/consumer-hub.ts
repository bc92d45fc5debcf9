// The consumer hub of one node: what the WebSocket, SSE and long-poll doors subscribe through.
// It keeps as few consumers as the subscriptions allow: one per live stream (shared, from
// latest) and one per consumer group, each fanned out to its subscribers on this node, and one
// per connection that asked for its own start (dedicated); subscribers of different backend
// identities (the tenant's user at the broker, ../backend-identity.ts) never share one. Idle shared and group consumers linger
// a moment (a reconnecting client finds its consumer, and the group is not rebalanced twice),
// then stop and leave their group.
import { randomUUID } from 'node:crypto'
import { GatewayError } from '../../core/errors.ts'
import type { Logger } from '../../observability/logger.ts'
import type { BackendClusters } from '../backend-clusters.ts'
import { clusterIdentityKey, type BackendIdentity } from '../backend-identity.ts'
import { ClusterAdmins } from './cluster-admins.ts'
import { consumeError, withTimeout } from './errors.ts'
import type { Member } from './fan-out.ts'
import { HubConsumer } from './hub-consumer.ts'
import { hubSettings } from './hub-settings.ts'
import { checkSpec } from './spec.ts'
import { resolveStartOffsets } from './start-offsets.ts'
import type {
  ConsumerSpec,
  HubSettings,
  HubStats,
  PartitionPosition,
  StartPosition,
  Subscriber,
  Subscription,
} from './types.ts'

export class ConsumerHub {
  readonly #backends: BackendClusters
  readonly #logger: Logger
  readonly #settings: HubSettings
  readonly #admins: ClusterAdmins
  /** Shared and group consumers, by what they read; a subscriber with the same finds its own. */
  readonly #byKey = new Map<string, HubConsumer>()
  /** Every consumer not yet stopped, dedicated and stopping ones included. */
  readonly #alive = new Set<HubConsumer>()
  readonly #lingering = new Map<HubConsumer, NodeJS.Timeout>()
  #closed = false

  constructor(backends: BackendClusters, logger: Logger, settings: Partial<HubSettings> = {}) {
    this.#backends = backends
    this.#logger = logger.child({ component: 'consumer-hub' })
    this.#settings = hubSettings(settings)
    this.#admins = new ClusterAdmins(backends)
  }

  /**
   * Subscribes to records as `spec` says. Resolves once the consumer joined its group and is
   * positioned (records produced from then on are delivered); rejects with a GatewayError:
   * `not-found` for a missing topic, `backend-unavailable` when the backend cannot be reached.
   */
  async subscribe(spec: ConsumerSpec, subscriber: Subscriber): Promise<Subscription> {
    this.#checkOpen()
    const topics = checkSpec(spec, this.#backends.names())
    const key = consumerKey(spec, topics)
    const existing = key === undefined ? undefined : this.#byKey.get(key)
    if (!existing || existing.state !== 'running') {
      const { startTimeoutMs } = this.#settings
      const checked = this.#admins.checkTopics(spec.cluster, topics, spec.identity)
      await withTimeout(checked, startTimeoutMs, () => {
        const detail = `backend cluster "${spec.cluster}" did not answer within ${startTimeoutMs} ms`
        return new GatewayError('backend-unavailable', detail)
      }).catch((err: unknown) => {
        throw consumeError(err, spec.cluster)
      })
      this.#checkOpen()
    }
    const consumer = this.#consumerFor(spec, topics, key)
    this.#stopLingering(consumer)
    const member = consumer.attach(subscriber)
    try {
      await consumer.started
    } catch (err) {
      consumer.detach(member)
      if (consumer.state === 'failed') void this.#retire(consumer)
      throw err
    }
    if (!consumer.has(member)) {
      // Closed (hub shutdown, or a crash) between joining and now: the subscriber was told.
      throw new GatewayError('backend-unavailable', 'the consumer stopped while subscribing')
    }
    return this.#subscription(consumer, member)
  }

  /**
   * The next offset of every partition of `topics` (backend names): where `latest` is now. Asked
   * as `identity` (default: the cluster's own).
   */
  endOffsets(
    cluster: string,
    topics: readonly string[],
    identity?: BackendIdentity
  ): Promise<PartitionPosition[]> {
    return this.#admins.use(
      cluster,
      async (admin) => {
        const all = await Promise.all(
          topics.map(async (topic) =>
            (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({
              topic,
              partition,
              offset: high,
            }))
          )
        )
        return all.flat()
      },
      identity
    )
  }

  stats(): HubStats {
    const details = [...this.#alive].map((c) => c.stats())
    const subscribers = details.reduce((sum, d) => sum + d.subscribers, 0)
    return { consumers: details.length, subscribers, details }
  }

  /** Ends every subscription (closed: shutdown), commits what is acked, stops every consumer. */
  async close(): Promise<void> {
    this.#closed = true
    const consumers = [...this.#alive]
    for (const consumer of consumers) {
      this.#stopLingering(consumer)
      consumer.closeAll({ kind: 'shutdown' })
    }
    this.#byKey.clear()
    await Promise.allSettled(consumers.map((consumer) => this.#retire(consumer)))
    await this.#admins.close()
  }

  #checkOpen(): void {
    if (this.#closed) throw new GatewayError('backend-unavailable', 'the consumer hub is closed')
  }

  #consumerFor(spec: ConsumerSpec, topics: string[], key: string | undefined): HubConsumer {
    const existing = key === undefined ? undefined : this.#byKey.get(key)
    if (existing && (existing.state === 'starting' || existing.state === 'running')) return existing
    const kafka = this.#backends.client(spec.cluster, spec.identity)
    const base = {
      kind: spec.kind,
      cluster: spec.cluster,
      topics,
      kafka,
      logger: this.#logger,
      settings: this.#settings,
      onIdle: (consumer: HubConsumer) => this.#idle(consumer),
      onFailed: (consumer: HubConsumer) => void this.#retire(consumer),
    }
    let consumer: HubConsumer
    if (spec.kind === 'group') {
      consumer = new HubConsumer({
        ...base,
        groupId: spec.groupId,
        commit: spec.commit,
        fromBeginning: spec.start === 'earliest',
      })
    } else {
      const start: StartPosition = spec.kind === 'shared' ? 'latest' : spec.start
      const positions = spec.kind === 'dedicated' ? (spec.positions ?? []) : []
      const role = spec.kind === 'shared' ? 'fanout' : 'dedicated'
      consumer = new HubConsumer({
        ...base,
        groupId: `${spec.groupIdPrefix ?? 'weir-'}${role}-${spec.stream}-${randomUUID().slice(0, 8)}`,
        commit: 'none',
        fromBeginning: start === 'earliest',
        startOffsets: () => this.#startOffsets(spec, topics, start, positions),
      })
    }
    this.#alive.add(consumer)
    if (key !== undefined) this.#byKey.set(key, consumer)
    return consumer
  }

  #startOffsets(
    spec: ConsumerSpec,
    topics: readonly string[],
    start: StartPosition,
    positions: readonly PartitionPosition[]
  ) {
    return this.#admins.use(
      spec.cluster,
      (admin) => resolveStartOffsets(admin, topics, start, positions),
      spec.identity
    )
  }

  #subscription(consumer: HubConsumer, member: Member): Subscription {
    let unsubscribed: Promise<void> | undefined
    return {
      ready: () => consumer.ready(member),
      ack: (topic, partition, offset) => consumer.ack(member, topic, partition, offset),
      unsubscribe: () => {
        unsubscribed ??= (async () => {
          consumer.detach(member)
          if (consumer.kind === 'dedicated') await consumer.stop()
        })()
        return unsubscribed
      },
    }
  }

  /** The last subscriber left: a dedicated consumer stops now, others after lingering. */
  #idle(consumer: HubConsumer): void {
    const lingers = consumer.kind !== 'dedicated' && consumer.state !== 'failed'
    if (!lingers || this.#closed || this.#settings.lingerMs === 0) {
      void this.#retire(consumer)
      return
    }
    this.#stopLingering(consumer)
    const timer = setTimeout(() => {
      this.#lingering.delete(consumer)
      if (consumer.size === 0) void this.#retire(consumer)
    }, this.#settings.lingerMs)
    this.#lingering.set(consumer, timer)
  }

  #stopLingering(consumer: HubConsumer): void {
    clearTimeout(this.#lingering.get(consumer))
    this.#lingering.delete(consumer)
  }

  /** Takes a consumer out of use (new subscribers get a new one) and stops it. */
  async #retire(consumer: HubConsumer): Promise<void> {
    this.#stopLingering(consumer)
    for (const [key, value] of this.#byKey) if (value === consumer) this.#byKey.delete(key)
    try {
      await consumer.stop()
    } finally {
      this.#alive.delete(consumer)
    }
  }
}

/**
 * Which subscribers share a consumer; undefined for a dedicated one (never shared). Only
 * subscribers reading as the same backend identity: the broker judges each identity's reads.
 */
function consumerKey(spec: ConsumerSpec, topics: string[]): string | undefined {
  const read = `${clusterIdentityKey(spec.cluster, spec.identity)}\u0000${topics.join('\u0000')}`
  if (spec.kind === 'shared') return `shared\u0000${spec.stream}\u0000${read}`
  // Different commit modes cannot share a consumer (a consumer commits for all it read, not per record).
  if (spec.kind === 'group') return `group\u0000${spec.groupId}\u0000${spec.commit}\u0000${read}`
  return undefined
}
