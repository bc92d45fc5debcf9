// How a failed send reads to a client: the right catalogue code for what went wrong at the backend.
import { GatewayError } from '../../core/errors.ts'

const retryable = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSLockTimeout',
  'KafkaJSNonRetriableError',
])

/** Kafka error types that mean the request itself is wrong, not the backend. */
const protocolErrors: Record<
  string,
  { code: ConstructorParameters<typeof GatewayError>[0]; detail: string }
> = {
  UNKNOWN_TOPIC_OR_PARTITION: {
    code: 'not-found',
    detail: 'the topic or partition does not exist',
  },
  MESSAGE_TOO_LARGE: {
    code: 'payload-too-large',
    detail: 'the record is larger than the topic accepts',
  },
  RECORD_LIST_TOO_LARGE: {
    code: 'payload-too-large',
    detail: 'the batch is larger than the broker accepts',
  },
  INVALID_RECORD: { code: 'invalid-record', detail: 'the broker rejected the record' },
  // The broker's own ACLs, judging the tenant's backend identity (../backend-identity.ts).
  TOPIC_AUTHORIZATION_FAILED: {
    code: 'forbidden',
    detail: "the broker refused writing to the topic as this client's backend identity",
  },
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: {
    code: 'forbidden',
    detail: "the broker refused the transactional id to this client's backend identity",
  },
  INVALID_TIMESTAMP: {
    code: 'invalid-record',
    detail: 'the record timestamp is out of the accepted range',
  },
}

function innermost(err: unknown): Error & { type?: string; name: string } {
  let current = err as Error & { originalError?: unknown; cause?: unknown; type?: string }
  for (let depth = 0; depth < 5; depth++) {
    const next = current.originalError ?? current.cause
    if (!(next instanceof Error)) break
    current = next as typeof current
  }
  return current
}

export function toGatewayError(err: unknown, backendCluster: string): GatewayError {
  if (err instanceof GatewayError) return err
  const root = innermost(err)
  const known = root.type ? protocolErrors[root.type] : undefined
  if (known) return new GatewayError(known.code, `${known.detail} (${root.type})`, { cause: err })
  if (root.name === 'KafkaJSRequestTimeoutError') {
    return new GatewayError(
      'backend-timeout',
      `backend cluster "${backendCluster}" did not answer in time`,
      { cause: err }
    )
  }
  const reason = retryable.has(root.name) ? root.message : `${root.name}: ${root.message}`
  return new GatewayError(
    'backend-unavailable',
    `backend cluster "${backendCluster}" is unavailable: ${reason}`,
    {
      retryAfterSeconds: 1,
      cause: err,
    }
  )
}
