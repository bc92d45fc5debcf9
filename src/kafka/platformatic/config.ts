// Translates a backend cluster's configuration into @platformatic/kafka client options.
import type { ProducerOptions as LibraryProducerOptions, SASLOptions } from '@platformatic/kafka'
import type { BackendClusterConfig } from '../../config/index.ts'
import { saslOf, type BackendIdentity } from '../backend-identity.ts'
import { tlsOptions } from '../client-config.ts'

type ConnectionConfig = Pick<
  LibraryProducerOptions<Buffer, Buffer, string, Buffer>,
  | 'clientId'
  | 'bootstrapBrokers'
  | 'connectTimeout'
  | 'timeout'
  | 'requestTimeout'
  | 'metadataMaxAge'
  | 'tls'
  | 'sasl'
>

const mechanisms = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
} as const

/** A connection to `cluster`, logged in as `identity` (default: the cluster's own `sasl`). */
export function platformaticConfig(
  cluster: BackendClusterConfig,
  identity?: BackendIdentity
): ConnectionConfig {
  const tls = tlsOptions(cluster, identity)
  const sasl = saslOf(identity, cluster)
  return {
    clientId: cluster.clientId,
    bootstrapBrokers: cluster.bootstrapServers,
    connectTimeout: cluster.connectionTimeoutMs,
    // `timeout` is what a produce request gives the brokers; `requestTimeout` how long the
    // connection waits for any answer.
    timeout: cluster.requestTimeoutMs,
    requestTimeout: cluster.requestTimeoutMs,
    metadataMaxAge: cluster.metadataMaxAgeMs,
    ...(tls === undefined || tls === false ? {} : { tls: tls === true ? {} : tls }),
    ...(sasl === undefined
      ? {}
      : {
          sasl: {
            mechanism: mechanisms[sasl.mechanism],
            username: sasl.username,
            password: sasl.password,
          } satisfies SASLOptions,
        }),
  }
}
