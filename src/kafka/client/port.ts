// The Kafka client port: everything Weir asks of a Kafka client library, in Weir's own types. The
// producer pool, the consumer hub, the topic readers and the backend clusters' admin requests are
// written against it; an adapter (kafkajs/, the first) implements it. Nothing outside src/kafka
// sees an adapter's types, and only the adapter imports its library (eslint.config.js).
//
// Broker errors reach callers as the adapter's errors, with the Kafka error name in `type` (on the
// error, or on one it wraps in `cause` or `originalError`): UNKNOWN_TOPIC_OR_PARTITION,
// TOPIC_AUTHORIZATION_FAILED, ... That is what ../producer/errors.ts and ../consumer/errors.ts read.
import type { ConsumedRecord, PartitionPosition } from '../consumer/types.ts'
import type { Acks, Compression, OutgoingRecord, RecordAck } from '../producer/record.ts'

/** One backend cluster, logged in as one identity: the factory of its producers, consumers, admins. */
export interface KafkaClient {
  producer(options: ProducerOptions): KafkaProducer
  consumer(options: ConsumerOptions): KafkaConsumer
  admin(options: AdminOptions): KafkaAdmin
}

// ---- producing -------------------------------------------------------------------------------

export interface ProducerOptions {
  /** Producer id and sequence numbers: the brokers write a retried batch once. */
  idempotent: boolean
  /** Retries of a failed request, by the client itself, before a send rejects. */
  retries: number
  /** The first retry's backoff (the client's default when absent). */
  retryBackoffMs?: number
  /** A transactional producer (transaction() is then the only way to send). */
  transactional?: { id: string; timeoutMs: number }
  /** Produce requests in flight per broker connection (the client's default when absent). */
  maxInFlightRequests?: number
}

export interface ProduceRequestOptions {
  acks: Acks
  compression: Compression
  /** How long the brokers may take to acknowledge (the produce request's timeout). */
  timeoutMs?: number
}

/**
 * Writes records: one call is one produce request per broker, the records of a partition in
 * order. Never creates a topic.
 */
export interface RecordSender {
  /**
   * One acknowledgement per record, in the records' order: its partition (Kafka's default
   * partitioner where the record names none), offset and timestamp (offset -1 with acks none).
   * Rejects with a ProduceFailure.
   */
  send(records: readonly OutgoingRecord[], options: ProduceRequestOptions): Promise<RecordAck[]>
}

export interface KafkaProducer extends RecordSender {
  connect(): Promise<void>
  disconnect(): Promise<void>
  /** Begins a transaction (transactional producers only); one at a time. */
  transaction(): Promise<KafkaTransaction>
}

export interface KafkaTransaction extends RecordSender {
  commit(): Promise<void>
  abort(): Promise<void>
}

/**
 * A send that failed. `attempted` says whether any of its records was on its way to a broker
 * (its partition chosen): when not (a topic missing from the metadata, refused to this identity),
 * nothing was written and the producer is as good as before.
 */
export class ProduceFailure extends Error {
  readonly attempted: boolean

  constructor(cause: unknown, attempted: boolean) {
    super(cause instanceof Error ? cause.message : String(cause), { cause })
    this.name = 'ProduceFailure'
    this.attempted = attempted
  }
}

// ---- consuming -------------------------------------------------------------------------------

/** A consumer's fetch and group tuning (see ../consumer/types.ts HubSettings). */
export interface ConsumerTuning {
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  rebalanceTimeoutMs: number
  maxWaitTimeMs: number
  maxBytesPerPartition: number
  maxBytes: number
}

/** Partitions of one topic (a group assignment). */
export interface TopicPartitions {
  topic: string
  /** Sorted. */
  partitions: number[]
}

export interface GroupEvents {
  /** Joined the group (first time, after a rebalance, after a crash restart): seek, pause here. */
  onJoin(assigned: TopicPartitions[]): void
  /** Crashed; `restart` says whether the client restarts it (after asking mayRestart()). */
  onCrash(error: Error, restart: boolean): void
  /** Asked before restarting after a crash the client deems retriable. */
  mayRestart(): boolean
  /** The group is rebalancing: this generation's last chance to commit. */
  onRebalancing?(): void
  /**
   * A fetched batch held nothing to hand out (transaction markers, aborted records): the position
   * in `partition` of `topic` moved to after `lastOffset` all the same.
   */
  onEmptyBatch?(topic: string, partition: number, lastOffset: string): void
}

export interface ConsumerOptions {
  groupId: string
  tuning: ConsumerTuning
  topics: readonly string[]
  /** Where partitions without a committed offset (or a seek) begin. */
  fromBeginning: boolean
  /** Commit resolved offsets by itself; otherwise only commitOffsets() commits. */
  autoCommit: boolean
  /** Called with each fetched batch of one partition; the next batch of it waits for this one. */
  eachBatch(batch: FetchedBatch): Promise<void>
  events: GroupEvents
}

/** The records of one partition from one fetch, and what its handler tells back. */
export interface FetchedBatch {
  topic: string
  partition: number
  /** In offset order. */
  records: readonly ConsumedRecord[]
  /** The batch's last offset (a transaction marker after the records counts). */
  lastOffset(): string
  /** Records up to `offset` are done: the next fetch after a pause or rejoin starts after it. */
  resolveOffset(offset: string): void
  heartbeat(): Promise<void>
  /** False once the consumer is stopping. */
  isRunning(): boolean
  /** True once a seek or rebalance made the rest of this batch stale. */
  isStale(): boolean
}

/** One group member. Created idle; start() connects, subscribes and runs it. */
export interface KafkaConsumer {
  /** Resolves after the first group join; rejects when it crashed for good before that. */
  start(): Promise<void>
  /** Fetches from these topics stop (they throw when the consumer is not running). */
  pause(topics: readonly string[]): void
  resume(topics: readonly string[]): void
  /** The next fetch of the partition starts at `offset` (applied on its next fetch). */
  seek(position: PartitionPosition): void
  /** Commits the offsets (the next offset to read, per partition) for the group. */
  commitOffsets(offsets: readonly PartitionPosition[]): Promise<void>
  /** Leaves the group and closes the connections. */
  disconnect(): Promise<void>
}

// ---- administration --------------------------------------------------------------------------

export interface AdminOptions {
  /** Retries of a failed request before it rejects. */
  retries: number
}

export interface BrokerAddress {
  nodeId: number
  host: string
  port: number
}

export interface PartitionWatermarks {
  partition: number
  /** First offset still in the log. */
  low: string
  /** Offset the next record will get (the last stable one, for read_committed readers). */
  high: string
}

export interface GroupTopicOffsets {
  topic: string
  /** The group's committed offset per partition; -1 where it committed none. */
  partitions: { partition: number; offset: string }[]
}

export interface KafkaAdmin {
  connect(): Promise<void>
  disconnect(): Promise<void>
  /** The brokers the cluster reports (a metadata request). */
  brokers(): Promise<BrokerAddress[]>
  /** The topics this identity may describe. */
  listTopics(): Promise<string[]>
  /** Rejects (UNKNOWN_TOPIC_OR_PARTITION, TOPIC_AUTHORIZATION_FAILED) unless each topic is there. */
  checkTopics(topics: readonly string[]): Promise<void>
  fetchTopicOffsets(topic: string): Promise<PartitionWatermarks[]>
  /** Per partition, the first offset at or after `timestamp` (the high watermark where none is). */
  fetchTopicOffsetsByTimestamp(
    topic: string,
    timestamp: number
  ): Promise<{ partition: number; offset: string }[]>
  fetchOffsets(request: { groupId: string; topics: string[] }): Promise<GroupTopicOffsets[]>
  /** One config value of a topic, as the brokers apply it (its override, else their default). */
  topicConfig(topic: string, name: string): Promise<string | undefined>
}
