// Helpers for integration tests: every test gets its own topics, so tests never see each other's
// records and can run in any order against one broker.
import { randomUUID } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'
import { inject } from 'vitest'
import { within } from './deadline.ts'

export function stack() {
  return inject('stack')
}

export function testKafka(clientId = 'weir-test'): Kafka {
  return new Kafka({ clientId, brokers: [stack().bootstrap], logLevel: logLevel.NOTHING })
}

/** The sum of a topic's end offsets: records (and transaction markers) ever written to it. */
export async function endOffsetSum(topic: string, kafka: Kafka = testKafka()): Promise<number> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, o) => sum + Number(o.high), 0)
  } finally {
    await admin.disconnect()
  }
}

/** A name no other test uses: `<prefix>-<8 random hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`
}

/** Creates a topic of its own for the calling test and waits until it has a leader. */
export function createTopic(
  prefix = 'test',
  partitions = 1,
  config: Record<string, string> = {}
): Promise<string> {
  return createTopicOn(testKafka('weir-test-admin'), prefix, partitions, config)
}

export interface TopicCreationLimits {
  /** How long one Kafka call may take, kafkajs's own retries included. */
  callMs: number
  /** How long the new topic may take to have a leader on every partition. */
  leadersMs: number
}

/**
 * As createTopic, on any broker (a test's dedicated one). Every call is bounded: a broker that
 * accepts a connection and never answers fails the step it holds up, by name, well within a
 * test hook's timeout (kafkajs alone would wait its requestTimeout on each of its retries).
 */
export function createTopicOn(
  kafka: Kafka,
  prefix: string,
  partitions: number,
  config: Record<string, string> = {},
  limits?: TopicCreationLimits
): Promise<string> {
  return createTopicNamed(kafka, uniqueName(prefix), partitions, config, limits)
}

/** As createTopicOn, under exactly the name `topic` (a test that needs two related names). */
export async function createTopicNamed(
  kafka: Kafka,
  topic: string,
  partitions = 1,
  config: Record<string, string> = {},
  { callMs, leadersMs }: TopicCreationLimits = { callMs: 15_000, leadersMs: 20_000 }
): Promise<string> {
  const step = <T>(what: string, ms: number, work: Promise<T>) =>
    within(`creating topic ${topic}: ${what}`, ms, work)
  const admin = kafka.admin()
  try {
    const configEntries = Object.entries(config).map(([name, value]) => ({ name, value }))
    await step('admin connect', callMs, admin.connect())
    // Leaders are waited for below: kafkajs's waitForLeaders would ask for metadata with
    // allowAutoTopicCreation and give up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker can
    // answer for a moment after the topic is created.
    await step(
      'CreateTopics',
      callMs,
      admin.createTopics({
        topics: [{ topic, numPartitions: partitions, configEntries }],
        waitForLeaders: false,
      })
    )
    const deadline = Date.now() + leadersMs
    let last = 'no answer yet'
    for (;;) {
      const left = deadline - Date.now()
      if (left <= 0) {
        throw new Error(
          `creating topic ${topic}: no leader on every partition after ${leadersMs} ms (${last})`
        )
      }
      const ready = await step('Metadata', left, admin.fetchTopicMetadata({ topics: [topic] }))
        .then(({ topics }) => {
          const found = topics[0]?.partitions ?? []
          last = `leaders ${JSON.stringify(found.map((p) => p.leader))}`
          return found.length === partitions && found.every((p) => p.leader >= 0)
        })
        .catch((err: unknown) => {
          last = err instanceof Error ? err.message : String(err)
          return false
        })
      if (ready) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } finally {
    // Bounded, and never in place of the error that got here: the topic's fate is decided.
    await step('admin disconnect', callMs, admin.disconnect()).catch(() => undefined)
  }
  return topic
}
