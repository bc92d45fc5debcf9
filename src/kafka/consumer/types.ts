// The consumer hub's contract with the doors (WebSocket, SSE, long-poll): what a subscription asks
// for, what a subscriber must do with records, and what it can tell the hub back.
import type { StreamConfig } from '../../config/index.ts'
import type { GatewayError } from '../../core/errors.ts'
import type { BackendIdentity } from '../backend-identity.ts'
import type { ConsumerTuning } from '../client/port.ts'

/** A record as consumed from Kafka, before any formatting (that is src/stream/'s job). */
export interface ConsumedRecord {
  topic: string
  partition: number
  /** Kafka offsets are int64: decimal strings. */
  offset: string
  /** Milliseconds since the epoch, as a decimal string. */
  timestamp: string
  key: Buffer | null
  value: Buffer | null
  headers: Record<string, Buffer | string | undefined | (Buffer | string)[]>
}

/**
 * `ok`: the record was taken and there is room for more. `full`: the record was handled (taken,
 * or dropped by the subscriber's own overflow policy) and there is no room for more until the
 * subscriber calls `Subscription.ready()`.
 */
export type DeliverResult = 'ok' | 'full'

/** Why the hub ended a subscription that the subscriber did not end itself. */
export type ClosedReason =
  /** The hub is closing (the node shuts down). */
  | { kind: 'shutdown' }
  /** The consumer failed and could not be restarted (backend gone, group refused, ...). */
  | { kind: 'failed'; error: GatewayError }

export interface Subscriber {
  /**
   * Called synchronously for every record of the partitions this node consumes, in offset order
   * per partition; must not block. It may be called before `subscribe()` resolves.
   */
  deliver(record: ConsumedRecord): DeliverResult
  closed?(reason: ClosedReason): void
}

export interface Subscription {
  /** The subscriber has room again after answering `full`. */
  ready(): void
  /**
   * Acknowledges one delivered record (commit `acked` only; a no-op otherwise). Offsets are
   * committed only up to records every subscriber of the consumer acknowledged.
   */
  ack(topic: string, partition: number, offset: string): void
  /** Stops deliveries to this subscriber at once; resolves when a dedicated consumer stopped. */
  unsubscribe(): Promise<void>
}

/** Where reading starts: the stream configuration's start position. */
export type StartPosition = StreamConfig['start']

/** The next offset to read in one partition (a resume cursor). */
export interface PartitionPosition {
  topic: string
  partition: number
  offset: string
}

interface SpecBase {
  /** Backend cluster name (BackendClusters). */
  cluster: string
  /** Backend topic names (namespace prefix already applied). */
  topics: readonly string[]
  /**
   * Who reads at the broker (backendIdentityOf); default: the backend cluster's own identity.
   * Subscribers of different identities never share a consumer.
   */
  identity?: BackendIdentity
}

/**
 * Live fan-out from `latest`: one consumer per node for each (cluster, topics, stream), shared by
 * every subscriber, each of which gets every record from when it attached.
 */
export interface SharedSpec extends SpecBase {
  kind: 'shared'
  stream: string
  /** Prefix of the node-unique group id (a virtual cluster's namespace); default 'weir-'. */
  groupIdPrefix?: string
}

/** A connection with its own start: its own consumer, positioned before it reads anything. */
export interface DedicatedSpec extends SpecBase {
  kind: 'dedicated'
  stream: string
  start: StartPosition
  /** Per-partition resume positions; partitions not listed start at `start`. */
  positions?: readonly PartitionPosition[]
  groupIdPrefix?: string
}

/**
 * A real Kafka consumer group: nodes split the partitions, and the subscribers of one node share
 * its consumer (each gets every record of the partitions Kafka assigned to the node).
 */
export interface GroupSpec extends SpecBase {
  kind: 'group'
  groupId: string
  /** `auto`: offsets are committed as records are delivered. `acked`: as every subscriber acks. */
  commit: 'auto' | 'acked'
  /** Where a group without committed offsets starts; default `latest`. */
  start?: 'earliest' | 'latest'
}

export type ConsumerSpec = SharedSpec | DedicatedSpec | GroupSpec
export type ConsumerKind = ConsumerSpec['kind']

/**
 * Tuning of the hub's consumers; every field has a production default (see hub-settings.ts).
 * `maxWaitTimeMs` (of ConsumerTuning) is also how soon a paused consumer notices it may resume.
 */
export interface HubSettings extends ConsumerTuning {
  /** How long a shared or group consumer without subscribers waits for one before it stops. */
  lingerMs: number
  /** Longest a subscribe may take to find the topics, join the group and be positioned. */
  startTimeoutMs: number
  /** Longest a consumer may take to commit, leave its group and disconnect. */
  stopTimeoutMs: number
  /** How often acknowledged offsets are committed (commit `acked`). */
  commitIntervalMs: number
  /** Records one subscriber may hold unacknowledged before the consumer pauses (`acked`). */
  maxUnackedPerSubscriber: number
  /** Crash restarts in a row (without a successful group join between) before giving up. */
  maxRestarts: number
}

export interface ConsumerStats {
  kind: ConsumerKind
  cluster: string
  groupId: string
  topics: string[]
  state: 'starting' | 'running' | 'stopping' | 'stopped' | 'failed'
  subscribers: number
  paused: boolean
  /** Partitions Kafka assigned to this consumer at its last group join. */
  assigned: { topic: string; partitions: number[] }[]
  /** Consumer lag: whether it commits offsets; `none` for shared and dedicated. */
  commit: 'auto' | 'acked' | 'none'
  /** Consumer lag: the next offset it reads per assigned partition, where known. */
  positions: PartitionPosition[]
}

export interface HubStats {
  /** Consumers alive (starting, running or stopping). */
  consumers: number
  subscribers: number
  details: ConsumerStats[]
}
