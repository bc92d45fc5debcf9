// How a consumer failure reads to a subscriber: a missing topic is the client's `not-found`; the
// broker's own ACLs refusing the topic or group to the client's backend identity (see
// ../backend-identity.ts) is `forbidden`; anything else the backend did (unreachable, timed out)
// is `backend-unavailable`, with the backend's own words in the detail.
import { GatewayError } from '../../core/errors.ts'

/** The broker's ACLs refusing the identity Weir reads as: the client may not read this. */
const denials: Record<string, string> = {
  GROUP_AUTHORIZATION_FAILED:
    "the broker refused the consumer group to this client's backend identity (GROUP_AUTHORIZATION_FAILED)",
  TOPIC_AUTHORIZATION_FAILED:
    "the broker refused reading the topic as this client's backend identity (TOPIC_AUTHORIZATION_FAILED)",
}

/** Kafka error types that name what the backend refused, for a clearer detail. */
const refusals: Record<string, string> = {
  INVALID_SESSION_TIMEOUT: 'refused the session timeout (INVALID_SESSION_TIMEOUT)',
  INVALID_GROUP_ID: 'refused the group id (INVALID_GROUP_ID)',
}

interface KafkaJsError extends Error {
  type?: string
  originalError?: unknown
}

function innermost(err: unknown): KafkaJsError {
  let current = (err instanceof Error ? err : new Error(String(err))) as KafkaJsError
  for (let depth = 0; depth < 5; depth++) {
    const next = current.originalError ?? current.cause
    if (!(next instanceof Error)) break
    current = next as KafkaJsError
  }
  return current
}

export function consumeError(err: unknown, cluster: string): GatewayError {
  if (err instanceof GatewayError) return err
  const root = innermost(err)
  if (root.type === 'UNKNOWN_TOPIC_OR_PARTITION') {
    return new GatewayError('not-found', 'the topic does not exist on the backend cluster', {
      cause: err,
    })
  }
  const denial = root.type ? denials[root.type] : undefined
  if (denial !== undefined) return new GatewayError('forbidden', denial, { cause: err })
  const refusal = root.type ? refusals[root.type] : undefined
  const reason = refusal ?? `is unavailable: ${root.message}`
  return new GatewayError('backend-unavailable', `backend cluster "${cluster}" ${reason}`, {
    retryAfterSeconds: 1,
    cause: err,
  })
}

/** Rejects with `onTimeout()` when `promise` has not settled within `ms`. */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => Error
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
