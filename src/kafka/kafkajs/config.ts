// Translates a backend cluster's configuration into kafkajs client options, and kafkajs's log
// lines into Weir's logger.
import { logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs'
import type { BackendClusterConfig } from '../../config/index.ts'
import type { Logger } from '../../observability/logger.ts'
import { saslOf, type BackendIdentity } from '../backend-identity.ts'
import { tlsOptions } from '../client-config.ts'

/** A client of `cluster`, logged in as `identity` (default: the cluster's own `sasl`). */
export function kafkaJsConfig(
  cluster: BackendClusterConfig,
  logger: Logger,
  identity?: BackendIdentity
): KafkaConfig {
  return {
    clientId: cluster.clientId,
    brokers: cluster.bootstrapServers,
    connectionTimeout: cluster.connectionTimeoutMs,
    requestTimeout: cluster.requestTimeoutMs,
    // Connecting and metadata share the client-level retry: keep an outage from holding requests
    // for kafkajs's default ~10 s before they can answer 503.
    retry: { retries: cluster.producer.retries, initialRetryTime: cluster.producer.retryBackoffMs },
    ssl: tlsOptions(cluster, identity),
    sasl: saslOf(identity, cluster) as SASLOptions | undefined,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => logKafkaJs(logger, entry),
  }
}

/**
 * kafkajs warnings that describe a choice Weir made on purpose. Retries are bounded so a request
 * can answer; a producer whose send failed is replaced, which is what keeps sequences sound.
 */
const expectedWarnings = new Set([
  'Limiting retries for the idempotent producer may invalidate EoS guarantees',
])

/**
 * Errors kafkajs logs and retries that are routine: a transaction begun while the brokers still
 * write the previous one's markers (CONCURRENT_TRANSACTIONS), at every busy atomic route.
 */
const routineError = /another concurrent operation on the same transaction was ongoing/

function logKafkaJs(logger: Logger, { level, label, log }: LogEntry): void {
  const {
    message,
    timestamp: _timestamp,
    logger: _name,
    ...fields
  } = log as Record<string, unknown>
  const text = `kafkajs: ${String(message)}`
  if (level === logLevel.ERROR && routineError.test(`${text} ${String(fields.error)}`))
    logger.debug({ ...fields, label }, text)
  else if (level === logLevel.ERROR) logger.error(fields, text)
  else if (level === logLevel.WARN && !expectedWarnings.has(String(message)))
    logger.warn(fields, text)
  else if (level === logLevel.INFO || level === logLevel.WARN) logger.info(fields, text)
  else logger.debug({ ...fields, label }, text)
}
