// The @platformatic/kafka adapter of the Kafka client port, for the producer only so far: its
// transactional producers, consumers and admins are the kafkajs adapter's (../kafkajs/), on a
// kafkajs client of the same cluster and identity. See README, "Kafka client library".
import type { BackendClusterConfig } from '../../config/index.ts'
import type { Logger } from '../../observability/logger.ts'
import type { BackendIdentity } from '../backend-identity.ts'
import type { KafkaClient, KafkaProducer } from '../client/port.ts'
import { kafkaJsClient } from '../kafkajs/client.ts'
import { platformaticProducer } from './producer.ts'

/** A client of `cluster`, logged in as `identity` (default: the cluster's own credentials). */
export function platformaticClient(
  cluster: BackendClusterConfig,
  logger: Logger,
  identity?: BackendIdentity
): KafkaClient {
  const kafkajs = kafkaJsClient(cluster, logger, identity)
  return {
    producer(options): KafkaProducer {
      if (options.transactional !== undefined) return kafkajs.producer(options)
      return {
        ...platformaticProducer(cluster, options, identity),
        transaction: () => Promise.reject(new Error('not a transactional producer')),
      }
    },
    consumer: (options) => kafkajs.consumer(options),
    admin: (options) => kafkajs.admin(options),
  }
}
