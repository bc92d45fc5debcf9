// The streaming use case every streaming door shares (WebSocket, SSE, long-poll): may this
// principal read these topics, how many connections may it hold, and a session subscribed to the
// consumer hub as the stream's group mode and the client's start or cursor say. Doors only
// translate their protocol into an OpenRequest and the session's deliveries back.
import type { Decision } from '../core/decision.ts'
import { fromDecision, GatewayError } from '../core/errors.ts'
import type { Door, PolicyRequest } from '../core/policy-request.ts'
import type { Principal } from '../core/principal.ts'
import { backendIdentityOf } from '../kafka/backend-identity.ts'
import { streamConsumerSpec } from '../kafka/consumer/spec.ts'
import type {
  ConsumerSpec,
  HubStats,
  PartitionPosition,
  Subscriber,
  Subscription,
} from '../kafka/consumer/types.ts'
import { backendGroupIdOf, namespaceOf } from '../namespace/index.ts'
import type { Logger } from '../observability/logger.ts'
import type { Observability } from '../observability/observability.ts'
import { rejectionOf } from '../observability/observer.ts'
import type { ConnectionAdmission, ConnectionRequest, Lease } from '../policy/index.ts'
import { emptyCursor, type Cursor, type StreamStart } from './cursor.ts'
import type { StreamEndpoint } from './endpoint.ts'
import { StreamSession, type SessionEnd } from './session.ts'

export type StreamDoor = Extract<Door, 'websocket' | 'sse' | 'long-poll'>

/** What the service needs of the consumer hub. */
export interface StreamHub {
  subscribe(spec: ConsumerSpec, subscriber: Subscriber): Promise<Subscription>
  endOffsets(
    cluster: string,
    topics: readonly string[],
    identity?: ConsumerSpec['identity']
  ): Promise<PartitionPosition[]>
  stats(): HubStats
  close(): Promise<void>
}

export interface StreamPolicies {
  prepareAndAuthorize(request: PolicyRequest, routePolicies?: readonly string[]): Promise<Decision>
  admit(
    connection: ConnectionRequest,
    routePolicies?: readonly string[],
    perRoute?: number
  ): Promise<ConnectionAdmission>
}

export interface OpenRequest {
  endpoint: StreamEndpoint
  door: StreamDoor
  principal: Principal
  /** Client topic names, already checked against the stream (endpoint.topicsFor). */
  topics: readonly string[]
  /** The client's own start, where the stream allows one. */
  start?: StreamStart
  /** Where the client resumes (SSE Last-Event-ID, long-poll cursor). */
  cursor?: Cursor
  /** See SessionOptions.ackOnTake. */
  ackOnTake: boolean
  /** Resolve a `latest` start into the cursor, for doors whose clients resume from it. */
  seedCursor: boolean
  onEnd?: (session: StreamSession, end: SessionEnd) => void
}

export class StreamService {
  readonly #hub: StreamHub
  readonly #policies: StreamPolicies
  readonly #logger: Logger
  readonly #observability: Observability | undefined
  readonly #sessions = new Set<StreamSession>()
  #closing = false
  #closed: Promise<void> | undefined

  constructor(deps: {
    hub: StreamHub
    policies: StreamPolicies
    logger: Logger
    /** Session metrics, delivery spans and access log. */
    observability?: Observability
  }) {
    this.#hub = deps.hub
    this.#policies = deps.policies
    this.#logger = deps.logger.child({ component: 'streams' })
    this.#observability = deps.observability
  }

  /**
   * ACL `consume` on every topic and the stream's rate limits, as one request: any topic denied
   * refuses it all, and a stream over several topics is charged once. Rejects with the refusal.
   */
  async authorize(
    endpoint: StreamEndpoint,
    door: StreamDoor,
    principal: Principal,
    topics: readonly string[]
  ): Promise<void> {
    const decision = await this.#policies.prepareAndAuthorize(
      {
        door,
        operation: 'consume',
        virtualCluster: endpoint.virtualCluster.name,
        route: endpoint.name,
        resources: topics.map((name) => ({ type: 'topic', name })),
        principal,
        records: 0,
        bytes: 0,
      },
      endpoint.config.policies
    )
    if (decision.verdict === 'deny') throw fromDecision(decision)
  }

  /**
   * A connection slot of the principal (connection-limit policies, and the stream's own
   * `maxConnectionsPerPrincipal`), given back with `release` when the connection ends.
   */
  async admit(endpoint: StreamEndpoint, principal: Principal, door: StreamDoor): Promise<Lease> {
    try {
      this.#checkOpen()
      const admitted = await this.#policies.admit(
        { door, virtualCluster: endpoint.virtualCluster.name, route: endpoint.name, principal },
        endpoint.config.policies,
        endpoint.config.maxConnectionsPerPrincipal
      )
      if (admitted.verdict === 'deny') throw fromDecision(admitted)
      return admitted.lease
    } catch (err) {
      // Connection limit refusals are counted per door (when the door says which).
      if (this.#observability !== undefined) {
        const { status } = rejectionOf(err)
        // A connection limit, or the node shutting down: both refuse a connection slot.
        const reason = 'limit'
        this.#observability.metrics.connectionRefused(door, reason)
        this.#observability.request(door, `GET ${endpoint.config.path}`).finish({
          virtualCluster: endpoint.virtualCluster.name,
          route: endpoint.name,
          principal: principal.name,
          outcome: 'rejected',
          reason,
          status,
        })
      }
      throw err
    }
  }

  /** A session subscribed and positioned; rejects with a GatewayError (404, 503, ...). */
  async open(request: OpenRequest): Promise<StreamSession> {
    this.#checkOpen()
    const { endpoint, principal } = request
    const cluster = endpoint.virtualCluster.backendCluster
    const backendTopics = request.topics.map((t) => endpoint.backendTopic(t))
    const namespace = namespaceOf(endpoint.virtualCluster)
    const cursor = request.cursor ?? emptyCursor
    const spec: ConsumerSpec = {
      ...streamConsumerSpec({
        cluster,
        topics: backendTopics,
        stream: endpoint.config,
        start: request.start,
        positions: positionsIn(cursor, endpoint, request.topics),
        principal: principal.name,
        backendGroupId: (groupId) => backendGroupIdOf(namespace, groupId),
        groupIdPrefix: `${namespace.prefix}weir-`,
      }),
      // The broker's ACLs judge the tenant's own user: the consumer reads as it.
      identity: backendIdentityOf(endpoint.virtualCluster, principal.name),
    }
    // One observation per session, records counted as the client takes them.
    const observed = this.#observability?.session(request.door, {
      virtualCluster: endpoint.virtualCluster.name,
      route: endpoint.name,
      topic: request.topics.join(','),
      principal: principal.name,
    })
    const session = new StreamSession({
      endpoint,
      principal,
      topics: request.topics,
      cursor,
      buffer: endpoint.config.buffer,
      ackOnTake: request.ackOnTake,
      logger: this.#logger,
      observer: observed,
      onEnd: (ended, end) => {
        this.#sessions.delete(ended)
        observed?.end(
          end.kind === 'overflow' || end.kind === 'failed' ? rejectionOf(end.error) : undefined
        )
        request.onEnd?.(ended, end)
      },
    })
    this.#sessions.add(session)
    try {
      session.attach(await this.#hub.subscribe(spec, session))
      // A group resumes from its commits, not from a cursor: nothing to seed there.
      const start = request.start ?? endpoint.config.start
      if (request.seedCursor && spec.kind !== 'group' && start === 'latest') {
        session.seed(await this.#hub.endOffsets(cluster, backendTopics, spec.identity))
      }
    } catch (err) {
      await session.close()
      throw brokerRefusal(err, request.topics)
    }
    if (this.#closing) session.shutdown()
    return session
  }

  get closing(): boolean {
    return this.#closing
  }

  /** Open sessions and the hub's consumers (for tests, health and metrics). */
  stats(): { sessions: number; hub: HubStats } {
    return { sessions: this.#sessions.size, hub: this.#hub.stats() }
  }

  /** Ends every session (doors send their goodbyes), then commits, leaves groups, disconnects. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing = true
      for (const session of [...this.#sessions]) session.shutdown()
      await this.#hub.close()
      this.#logger.debug('stream service closed')
    })()
    return this.#closed
  }

  #checkOpen(): void {
    if (this.#closing) {
      throw new GatewayError('overloaded', 'this node is shutting down; connect again', {
        retryAfterSeconds: 1,
      })
    }
  }
}

/** The cursor's positions for the topics this session reads, with backend topic names. */
function positionsIn(
  cursor: Cursor,
  endpoint: StreamEndpoint,
  topics: readonly string[]
): PartitionPosition[] {
  const positions: PartitionPosition[] = []
  for (const topic of topics) {
    const partitions = cursor.get(topic)
    if (partitions === undefined) continue
    const backend = endpoint.backendTopic(topic)
    for (const [partition, offset] of partitions) {
      positions.push({ topic: backend, partition, offset })
    }
  }
  return positions
}

/** A refusal of the broker's own ACLs names the topics as the client knows them. */
function brokerRefusal(err: unknown, topics: readonly string[]): unknown {
  if (!(err instanceof GatewayError) || err.code !== 'forbidden') return err
  const names = topics.map((t) => `"${t}"`).join(', ')
  return new GatewayError(
    'forbidden',
    `${topics.length > 1 ? 'topics' : 'topic'} ${names}: ${err.detail}`,
    {
      cause: err,
    }
  )
}
