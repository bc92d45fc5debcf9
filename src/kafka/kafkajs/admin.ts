// The port's admin on kafkajs.
import kafkajs, { type Kafka } from 'kafkajs'
import type { AdminOptions, KafkaAdmin } from '../client/port.ts'

export function kafkaJsAdmin(kafka: Kafka, options: AdminOptions): KafkaAdmin {
  const admin = kafka.admin({ retry: { retries: options.retries } })
  return {
    connect: () => admin.connect(),
    disconnect: () => admin.disconnect(),
    brokers: async () => (await admin.describeCluster()).brokers,
    listTopics: () => admin.listTopics(),
    async checkTopics(topics) {
      // One topic per request: kafkajs names no topic in its UNKNOWN_TOPIC_OR_PARTITION.
      for (const topic of topics) await admin.fetchTopicMetadata({ topics: [topic] })
    },
    fetchTopicOffsets: (topic) => admin.fetchTopicOffsets(topic),
    fetchTopicOffsetsByTimestamp: (topic, timestamp) =>
      admin.fetchTopicOffsetsByTimestamp(topic, timestamp),
    fetchOffsets: (request) => admin.fetchOffsets(request),
    async topicConfig(topic, name) {
      const { resources } = await admin.describeConfigs({
        // ConfigResourceTypes is not one of the names Node finds in kafkajs's CommonJS exports.
        resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }],
        includeSynonyms: false,
      })
      return resources[0]?.configEntries.find((e) => e.configName === name)?.configValue
    },
  }
}
