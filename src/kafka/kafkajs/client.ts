// The kafkajs adapter of the Kafka client port: one kafkajs client per backend cluster and
// identity, handing out the port's producers, consumers and admins.
import { Kafka } from 'kafkajs'
import type { BackendClusterConfig } from '../../config/index.ts'
import type { Logger } from '../../observability/logger.ts'
import type { BackendIdentity } from '../backend-identity.ts'
import type { KafkaClient } from '../client/port.ts'
import { kafkaJsAdmin } from './admin.ts'
import { registerCompressionCodecs } from './compression.ts'
import { kafkaJsConfig } from './config.ts'
import { kafkaJsConsumer } from './consumer.ts'
import { kafkaJsProducer } from './producer.ts'

/** A client of `cluster`, logged in as `identity` (default: the cluster's own credentials). */
export function kafkaJsClient(
  cluster: BackendClusterConfig,
  logger: Logger,
  identity?: BackendIdentity
): KafkaClient {
  // kafkajs ships gzip only: snappy, lz4 and zstd are Weir's, for producers and consumers alike.
  registerCompressionCodecs()
  const kafka = new Kafka(kafkaJsConfig(cluster, logger, identity))
  return {
    producer: (options) => kafkaJsProducer(kafka, options),
    consumer: (options) => kafkaJsConsumer(kafka, options),
    admin: (options) => kafkaJsAdmin(kafka, options),
  }
}
