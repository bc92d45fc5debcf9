// The error catalogue: every refusal Weir makes, with how each door says it. Decisions carry a
// code from here; doors map the code to their protocol in one place.
import type { Decision } from './decision.ts'
import { problem, type Problem } from './problem.ts'

export const errorCatalogue = {
  'bad-request': { status: 400, title: 'Bad Request', kafka: 42 /* INVALID_REQUEST */, ws: 1003 },
  unauthenticated: {
    status: 401,
    title: 'Unauthorized',
    kafka: 58 /* SASL_AUTHENTICATION_FAILED */,
    ws: 1008,
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    kafka: 29 /* TOPIC_AUTHORIZATION_FAILED */,
    ws: 1008,
  },
  'not-found': {
    status: 404,
    title: 'Not Found',
    kafka: 3 /* UNKNOWN_TOPIC_OR_PARTITION */,
    ws: 1008,
  },
  'method-not-allowed': {
    status: 405,
    title: 'Method Not Allowed',
    kafka: 35 /* UNSUPPORTED_VERSION */,
    ws: 1003,
  },
  'payload-too-large': {
    status: 413,
    title: 'Content Too Large',
    kafka: 10 /* MESSAGE_TOO_LARGE */,
    ws: 1009,
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported Media Type',
    kafka: 87 /* INVALID_RECORD */,
    ws: 1003,
  },
  'invalid-record': {
    status: 422,
    title: 'Unprocessable Content',
    kafka: 87 /* INVALID_RECORD */,
    ws: 1007,
  },
  'rate-limited': {
    status: 429,
    title: 'Too Many Requests',
    kafka: 89 /* THROTTLING_QUOTA_EXCEEDED */,
    ws: 1013,
  },
  'backend-unavailable': {
    status: 503,
    title: 'Service Unavailable',
    kafka: 8 /* BROKER_NOT_AVAILABLE */,
    ws: 1011,
  },
  overloaded: {
    status: 503,
    title: 'Service Unavailable',
    kafka: 89 /* THROTTLING_QUOTA_EXCEEDED */,
    ws: 1013,
  },
  'backend-timeout': {
    status: 504,
    title: 'Gateway Timeout',
    kafka: 7 /* REQUEST_TIMED_OUT */,
    ws: 1011,
  },
  internal: {
    status: 500,
    title: 'Internal Server Error',
    kafka: -1 /* UNKNOWN_SERVER_ERROR */,
    ws: 1011,
  },
} as const

export type ErrorCode = keyof typeof errorCatalogue

/** A refusal with its catalogue code; thrown or returned anywhere below the doors. */
export class GatewayError extends Error {
  readonly code: ErrorCode
  readonly detail: string
  /** Extra members for the problem document (violations, retry hints, ...). */
  readonly extensions: Record<string, unknown>
  /** Seconds a client should wait before retrying (Retry-After). */
  readonly retryAfterSeconds: number | undefined
  /** Protocol headers a door may pass on (RateLimit-*, WWW-Authenticate). */
  readonly headers: Readonly<Record<string, string>>

  constructor(
    code: ErrorCode,
    detail: string,
    options: {
      extensions?: Record<string, unknown>
      retryAfterSeconds?: number
      headers?: Readonly<Record<string, string>>
      cause?: unknown
    } = {}
  ) {
    super(detail, { cause: options.cause })
    this.name = 'GatewayError'
    this.code = code
    this.detail = detail
    this.extensions = options.extensions ?? {}
    this.retryAfterSeconds = options.retryAfterSeconds
    this.headers = options.headers ?? {}
  }

  toProblem(): Problem {
    const entry = errorCatalogue[this.code]
    return problem(entry.status, this.code, entry.title, this.detail, this.extensions)
  }
}

/** The error a denying decision stands for. */
export function fromDecision(decision: Extract<Decision, { verdict: 'deny' }>): GatewayError {
  return new GatewayError(decision.code, decision.detail, {
    extensions: decision.violations ? { violations: decision.violations } : {},
    retryAfterSeconds:
      decision.retryAfterMs === undefined
        ? undefined
        : Math.max(1, Math.ceil(decision.retryAfterMs / 1000)),
    headers: decision.headers,
  })
}

/**
 * Refuses new work while the node shuts down. `close`: also close the connection, so keep-alive
 * clients stop sending here while the listener drains.
 */
export function shuttingDown(options: { close?: boolean } = {}): GatewayError {
  return new GatewayError(
    'backend-unavailable',
    'this node is shutting down; send to another node',
    {
      retryAfterSeconds: 1,
      headers: options.close ? { connection: 'close' } : {},
    }
  )
}
