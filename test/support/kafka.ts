// Helpers for integration tests: every test gets its own topics, so tests never see each other's
// records and can run in any order against one broker.
import { randomUUID } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'
import { inject } from 'vitest'

export function stack() {
  return inject('stack')
}

export function testKafka(clientId = 'weir-test'): Kafka {
  return new Kafka({ clientId, brokers: [stack().bootstrap], logLevel: logLevel.NOTHING })
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

/** As createTopic, on any broker (a test's dedicated one). */
export async function createTopicOn(
  kafka: Kafka,
  prefix: string,
  partitions: number,
  config: Record<string, string> = {}
): Promise<string> {
  const topic = uniqueName(prefix)
  const admin = kafka.admin()
  await admin.connect()
  try {
    const configEntries = Object.entries(config).map(([name, value]) => ({ name, value }))
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries }] })
    // kafkajs's own waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker
    // can answer for a moment after the topic is created: wait for every leader here instead.
    const deadline = Date.now() + 20_000
    for (;;) {
      const ready = await admin
        .fetchTopicMetadata({ topics: [topic] })
        .then(({ topics }) => {
          const found = topics[0]?.partitions ?? []
          return found.length === partitions && found.every((p) => p.leader >= 0)
        })
        .catch((err: unknown) => {
          if (Date.now() > deadline) throw err
          return false
        })
      if (ready) break
      if (Date.now() > deadline) throw new Error(`topic ${topic} has no leaders after 20 s`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } finally {
    await admin.disconnect()
  }
  return topic
}
