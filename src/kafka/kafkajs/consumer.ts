// The port's consumer on kafkajs: its options from the tuning, the group events Weir acts on, and
// kafkajs messages as ConsumedRecords. Offsets are resolved by the caller (eachBatchAutoResolve off).
import type { Consumer, EachBatchPayload, IMemberAssignment, Kafka, KafkaMessage } from 'kafkajs'
import type {
  ConsumerOptions,
  FetchedBatch,
  KafkaConsumer,
  TopicPartitions,
} from '../client/port.ts'
import type { ConsumedRecord } from '../consumer/types.ts'

export function kafkaJsConsumer(kafka: Kafka, options: ConsumerOptions): KafkaConsumer {
  const { tuning, events } = options
  let joined: (() => void) | undefined
  let crashed: ((error: Error) => void) | undefined
  const first = new Promise<void>((resolve, reject) => {
    joined = resolve
    crashed = reject
  })
  first.catch(() => undefined)
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: tuning.sessionTimeoutMs,
    rebalanceTimeout: tuning.rebalanceTimeoutMs,
    heartbeatInterval: tuning.heartbeatIntervalMs,
    maxWaitTimeInMs: tuning.maxWaitTimeMs,
    maxBytesPerPartition: tuning.maxBytesPerPartition,
    maxBytes: tuning.maxBytes,
    // The caller checked the topics exist; a consumer must never create one by asking for it.
    allowAutoTopicCreation: false,
    retry: { restartOnFailure: async () => events.mayRestart() },
  })
  // kafkajs calls these listeners synchronously inside its join: they must not throw.
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    events.onJoin(assignmentList(e.payload.memberAssignment))
    joined?.()
  })
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) crashed?.(e.payload.error) // fails the start, if still under way
    events.onCrash(e.payload.error, e.payload.restart)
  })
  const { onRebalancing, onEmptyBatch } = events
  if (onRebalancing) consumer.on(consumer.events.REBALANCING, () => onRebalancing())
  if (onEmptyBatch) {
    // Batches that held nothing to hand out still move the position; only this event tells.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize === 0) {
        onEmptyBatch(payload.topic, payload.partition, String(payload.lastOffset))
      }
    })
  }
  const topicList = (topics: readonly string[]) => topics.map((topic) => ({ topic }))
  return {
    async start() {
      await consumer.connect()
      await consumer.subscribe({
        topics: [...options.topics],
        fromBeginning: options.fromBeginning,
      })
      await consumer.run({
        autoCommit: options.autoCommit,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => options.eachBatch(fetchedBatch(payload)),
      })
      await first
    },
    pause: (topics) => consumer.pause(topicList(topics)),
    resume: (topics) => consumer.resume(topicList(topics)),
    seek: ({ topic, partition, offset }) => consumer.seek({ topic, partition, offset }),
    commitOffsets: (offsets) => consumer.commitOffsets([...offsets]),
    disconnect: () => consumer.disconnect(),
  }
}

function fetchedBatch(payload: EachBatchPayload): FetchedBatch {
  const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload
  const { topic, partition } = batch
  return {
    topic,
    partition,
    records: batch.messages.map((message) => toRecord(topic, partition, message)),
    lastOffset: () => batch.lastOffset(),
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }
}

/** A group assignment as sorted partition lists per topic. */
function assignmentList(assignment: IMemberAssignment): TopicPartitions[] {
  return Object.entries(assignment).map(([topic, partitions]) => ({
    topic,
    partitions: [...partitions].sort((a, b) => a - b),
  }))
}

function toRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
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
