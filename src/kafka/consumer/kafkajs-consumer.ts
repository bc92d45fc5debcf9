// The kafkajs side of a hub consumer: its options from the hub settings, the group events the
// hub acts on, and how a kafkajs message becomes a ConsumedRecord.
import type { Consumer, EachBatchPayload, IMemberAssignment, Kafka, KafkaMessage } from 'kafkajs'
import type { ConsumedRecord, HubSettings } from './types.ts'

export interface GroupEvents {
  /** Joined the group (first time, after a rebalance, after a crash restart): seek, pause here. */
  onJoin(assignment: IMemberAssignment): void
  /** Crashed; `restart` says whether kafkajs restarts it (after asking mayRestart()). */
  onCrash(error: Error, restart: boolean): void
  /** kafkajs asks this before restarting after a crash it deems retriable. */
  mayRestart(): boolean
  /** The group is rebalancing: this generation's last chance to commit. */
  onRebalancing?(): void
}

export interface RunOptions {
  kafka: Kafka
  groupId: string
  settings: HubSettings
  topics: readonly string[]
  fromBeginning: boolean
  autoCommit: boolean
  eachBatch(payload: EachBatchPayload): Promise<void>
  events: GroupEvents
  /** Hands the consumer over as soon as it exists (to stop it, or seek and pause from events). */
  created(consumer: Consumer): void
}

/**
 * Creates, connects and runs a consumer. Resolves after its first group join; rejects when it
 * crashed for good before that. Offsets are resolved by the caller (eachBatchAutoResolve off).
 */
export async function runKafkaConsumer(options: RunOptions): Promise<void> {
  const { settings, events } = options
  let joined: (() => void) | undefined
  let crashed: ((error: Error) => void) | undefined
  const first = new Promise<void>((resolve, reject) => {
    joined = resolve
    crashed = reject
  })
  first.catch(() => undefined)
  const consumer = options.kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: settings.sessionTimeoutMs,
    rebalanceTimeout: settings.rebalanceTimeoutMs,
    heartbeatInterval: settings.heartbeatIntervalMs,
    maxWaitTimeInMs: settings.maxWaitTimeMs,
    maxBytesPerPartition: settings.maxBytesPerPartition,
    maxBytes: settings.maxBytes,
    // The hub checked the topics exist; a consumer must never create one by asking for it.
    allowAutoTopicCreation: false,
    retry: { restartOnFailure: async () => events.mayRestart() },
  })
  // kafkajs calls these listeners synchronously inside its join: they must not throw.
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    events.onJoin(e.payload.memberAssignment)
    joined?.()
  })
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) crashed?.(e.payload.error) // fails the start, if still under way
    events.onCrash(e.payload.error, e.payload.restart)
  })
  const { onRebalancing } = events
  if (onRebalancing) consumer.on(consumer.events.REBALANCING, () => onRebalancing())
  options.created(consumer)
  await consumer.connect()
  await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning })
  await consumer.run({
    autoCommit: options.autoCommit,
    eachBatchAutoResolve: false,
    eachBatch: options.eachBatch,
  })
  await first
}

/** A group assignment as sorted partition lists per topic. */
export function assignmentList(
  assignment: IMemberAssignment
): { topic: string; partitions: number[] }[] {
  return Object.entries(assignment).map(([topic, partitions]) => ({
    topic,
    partitions: [...partitions].sort((a, b) => a - b),
  }))
}

export function toRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key ?? null,
    value: message.value ?? null,
    headers: message.headers ?? {},
  }
}
