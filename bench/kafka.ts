// Kafka helpers shared by scenarios: a quiet client and a fresh topic per measurement, so no run
// measures appends to a log an earlier run left behind.
import { randomBytes } from 'node:crypto'
import { Kafka, logLevel, type Admin } from 'kafkajs'
import type { BenchContext } from './scenario.ts'

/** Partitions of every benchmark topic; the same for all paths so their figures compare. */
export const benchPartitions = 3

export function benchKafka(ctx: BenchContext, clientId: string): Kafka {
  return new Kafka({ clientId, brokers: [ctx.bootstrap], logLevel: logLevel.ERROR })
}

/** Creates a topic with a unique name and returns it along with a function that deletes it. */
export async function freshTopic(
  kafka: Kafka,
  prefix: string
): Promise<{ topic: string; remove: () => Promise<void> }> {
  const topic = `bench-${prefix}-${Date.now()}-${randomBytes(3).toString('hex')}`
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: benchPartitions, replicationFactor: 1 }],
      waitForLeaders: false,
    })
    await leadersOf(admin, topic)
  } finally {
    await admin.disconnect()
  }
  const remove = async (): Promise<void> => {
    // Benchmarks write hundreds of MB; an external broker should not keep them.
    const cleanup = kafka.admin()
    await cleanup.connect()
    try {
      await cleanup.deleteTopics({ topics: [topic] })
    } finally {
      await cleanup.disconnect()
    }
  }
  return { topic, remove }
}

/**
 * Waits until every partition of a new topic has a leader. kafkajs's own wait (createTopics'
 * waitForLeaders) retries only LEADER_NOT_AVAILABLE, but a broker busy with a run's many topics
 * may answer a moment longer that it does not host the topic yet: that is retried here too.
 */
async function leadersOf(admin: Admin, topic: string): Promise<void> {
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics
      const partitions = metadata?.partitions ?? []
      if (partitions.length === benchPartitions && partitions.every((p) => p.leader >= 0)) return
    } catch (err) {
      const type = (err as { type?: string }).type
      if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw err
    }
    if (Date.now() > deadline) throw new Error(`topic ${topic} has no leaders after 30 s`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Records a topic holds: the sum over its partitions of high minus low watermark. */
export async function recordsIn(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const offsets = await admin.fetchTopicOffsets(topic)
    return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0)
  } finally {
    await admin.disconnect()
  }
}
