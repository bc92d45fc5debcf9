// One observation per finished gateway request (an HTTP produce, a Kafka protocol request) or
// stream session (WebSocket, SSE, long-poll): what every door reports, once, when it is done.
// Metrics and the access log both consume it, so doors stay thin. Rejection reasons come from
// GatewayError codes, and from Kafka error codes through the error catalogue.
import {
  GatewayError,
  errorCatalogue,
  httpStatus,
  kafkaErrorCodes,
  type ErrorCode,
} from '../core/errors.ts'
import type { Door } from '../core/policy-request.ts'

/** Why the gateway refused (or failed) a request. */
export type RejectReason =
  /** No or bad credentials. */
  | 'auth'
  /** An ACL denied it. */
  | 'acl'
  /** A rate limit or quota. */
  | 'rate'
  /** A schema policy: the record does not match. */
  | 'schema'
  /** The backend cluster failed or timed out. */
  | 'backend'
  /** A connection limit (connection-limit policies, maxConnectionsPerPrincipal) or the node shedding load. */
  | 'limit'
  /** Anything the client got wrong otherwise: unknown topic, bad body, wrong method, too large. */
  | 'request'
  /** A bug or an unexpected failure in the gateway. */
  | 'internal'

export type Outcome = 'accepted' | 'rejected'

export interface Observation {
  door: Door
  /** `request` (HTTP produce, a Kafka request) or `session` (a stream connection, when it ends). */
  kind: 'request' | 'session'
  listener?: string
  virtualCluster?: string
  /** Produce route or stream name; the API name (`Produce`, `Fetch`) on the Kafka door. */
  route?: string
  /** Client topic names (a stream may read several: comma-separated). */
  topic?: string
  principal?: string
  outcome: Outcome
  reason?: RejectReason
  /** HTTP status (produce, stream refusals), WebSocket close code, or Kafka error code. */
  status: number
  records: number
  bytesIn: number
  bytesOut: number
  durationMs: number
  /** Time waiting on the brokers (the produce acknowledgement). */
  backendMs?: number
  traceId?: string
  requestId?: string
  /** Remote address of the client. */
  client?: string
  /** Epoch milliseconds when the request or session began. */
  startedAt: number
}

export interface Observer {
  observe(observation: Observation): void
}

export const noObserver: Observer = { observe: () => undefined }

const reasonByCode: Record<ErrorCode, RejectReason> = {
  'bad-request': 'request',
  unauthenticated: 'auth',
  forbidden: 'acl',
  'not-found': 'request',
  'method-not-allowed': 'request',
  'payload-too-large': 'request',
  'unsupported-media-type': 'schema',
  'invalid-record': 'schema',
  'rate-limited': 'rate',
  'backend-unavailable': 'backend',
  overloaded: 'limit',
  'backend-timeout': 'backend',
  'kms-unavailable': 'backend',
  'kms-key-unavailable': 'internal',
  'kms-access-denied': 'internal',
  internal: 'internal',
}

/** The reason and status a door's error stands for (any thrown value). */
export function rejectionOf(err: unknown): { reason: RejectReason; status: number } {
  if (err instanceof GatewayError) {
    return { reason: reasonByCode[err.code], status: httpStatus(err.code) }
  }
  return { reason: 'internal', status: 500 }
}

/**
 * Reasons by Kafka error code, from the catalogue: the codes the gateway answers with itself.
 * Where two refusals share a code (INVALID_RECORD), the first one's reason stands.
 */
const kafkaReasons = new Map<number, RejectReason>()
for (const code of Object.keys(errorCatalogue) as ErrorCode[]) {
  for (const kafkaCode of kafkaErrorCodes(code)) {
    if (!kafkaReasons.has(kafkaCode)) kafkaReasons.set(kafkaCode, reasonByCode[code])
  }
}

export function kafkaReason(errorCode: number): RejectReason {
  return kafkaReasons.get(errorCode) ?? 'request'
}

/**
 * The first non-zero `errorCode` in a decoded Kafka response body (top level, then nested arrays
 * of topics and partitions): what a gateway-made answer refused with. 0 when there is none.
 */
export function firstErrorCode(body: unknown, depth = 0): number {
  if (depth > 4 || body === null || typeof body !== 'object') return 0
  const record = body as Record<string, unknown>
  if (typeof record.errorCode === 'number' && record.errorCode !== 0) return record.errorCode
  for (const value of Object.values(record)) {
    if (!Array.isArray(value)) continue
    for (const item of value) {
      const code = firstErrorCode(item, depth + 1)
      if (code !== 0) return code
    }
  }
  return 0
}
