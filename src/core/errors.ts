// The error catalogue: every refusal Weir makes, with how each door says it. Decisions carry a
// code from here; doors map the code to their protocol through the functions below and nowhere
// else, so one refusal reads the same on every door (test/core/errors.test.ts walks it).
import type { Decision } from './decision.ts'
import { problem, type Problem } from './problem.ts'

/** Why a door has no code of its own for a refusal, and what it does instead. */
export interface NoCode {
  readonly none: string
}

interface CatalogueEntry {
  /** HTTP status of the problem+json answer; the problem's `type` is the code itself. */
  readonly status: number
  readonly title: string
  /** The Kafka error code (Kafka's `Errors` enum) a broker answers in this situation. */
  readonly kafka: number | NoCode
  /** Kafka's narrower codes for the same refusal, where Kafka has one per resource or step. */
  readonly kafkaFor?: Readonly<Record<string, number>>
  /** The WebSocket close code (RFC 6455 §7.4.1) a connection ends with. */
  readonly ws: number
}

export const errorCatalogue = {
  'bad-request': {
    status: 400,
    title: 'Bad Request',
    kafka: 42 /* INVALID_REQUEST */,
    /** Records that cannot be read (a batch cut short), as a broker answers them. */
    kafkaFor: { records: 2 /* CORRUPT_MESSAGE */ },
    /** "Data inconsistent with the message type": a text frame that is not weir.v1 JSON. */
    ws: 1007,
  },
  unauthenticated: {
    status: 401,
    title: 'Unauthorized',
    kafka: 58 /* SASL_AUTHENTICATION_FAILED */,
    kafkaFor: {
      mechanism: 33 /* UNSUPPORTED_SASL_MECHANISM */,
      'sasl-state': 34 /* ILLEGAL_SASL_STATE */,
    },
    ws: 1008,
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    kafka: 29 /* TOPIC_AUTHORIZATION_FAILED */,
    kafkaFor: {
      group: 30 /* GROUP_AUTHORIZATION_FAILED */,
      cluster: 31 /* CLUSTER_AUTHORIZATION_FAILED */,
      'transactional-id': 53 /* TRANSACTIONAL_ID_AUTHORIZATION_FAILED */,
    },
    ws: 1008,
  },
  'not-found': {
    status: 404,
    title: 'Not Found',
    kafka: 3 /* UNKNOWN_TOPIC_OR_PARTITION */,
    kafkaFor: { 'topic-id': 100 /* UNKNOWN_TOPIC_ID */ },
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
    /** The ws library closes with it itself over `maxPayload`. */
    ws: 1009,
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported Media Type',
    kafka: 87 /* INVALID_RECORD */,
    /** "A type of data it cannot accept": a binary frame. */
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
    kafka: {
      none:
        'a broker over a quota answers at once with throttleTimeMs raised (KIP-219), and closes ' +
        'connections over a connection quota: the listener does the same (quota/)',
    },
    ws: 1013,
  },
  'backend-unavailable': {
    status: 503,
    title: 'Service Unavailable',
    // Retriable by every client, and it sends none off to refresh its metadata or blame a broker
    // (BROKER_NOT_AVAILABLE is not retriable in the Java client).
    kafka: 7 /* REQUEST_TIMED_OUT */,
    /**
     * A Fetch partition whose records cannot be edited yet (a registry a mask needs did not
     * answer): a broker answers a partition it cannot read now with KAFKA_STORAGE_ERROR, which
     * Java, librdkafka and kafkajs retry; REQUEST_TIMED_OUT on a Fetch partition is an
     * IllegalStateException in the Java consumer.
     */
    kafkaFor: { fetch: 56 /* KAFKA_STORAGE_ERROR */ },
    ws: 1011,
  },
  overloaded: {
    status: 503,
    title: 'Service Unavailable',
    kafka: {
      none:
        'a broker has no code for shedding load: the listener stops reading a connection ' +
        '(back-pressure) and closes connections when the node shuts down',
    },
    ws: 1013,
  },
  'backend-timeout': {
    status: 504,
    title: 'Gateway Timeout',
    kafka: 7 /* REQUEST_TIMED_OUT */,
    ws: 1011,
  },
  'kms-unavailable': {
    status: 503,
    title: 'Service Unavailable',
    // The KMS did not answer (down, timed out, throttled): retriable, as for a backend, and a
    // record that needed a data key was not written at all (never in clear text).
    kafka: 7 /* REQUEST_TIMED_OUT */,
    /** A Fetch partition whose data key is not cached: retried, as for backend-unavailable. */
    kafkaFor: { fetch: 56 /* KAFKA_STORAGE_ERROR */ },
    ws: 1011,
  },
  'kms-key-unavailable': {
    status: 500,
    title: 'Internal Server Error',
    // The key-encryption key is gone (deleted, disabled, pending deletion): not retriable, and
    // records under it stay unreadable (crypto-shredding). A broker answers a failure of its own
    // that retrying cannot fix with UNKNOWN_SERVER_ERROR, which no client retries.
    kafka: -1 /* UNKNOWN_SERVER_ERROR */,
    ws: 1011,
  },
  'kms-access-denied': {
    status: 500,
    title: 'Internal Server Error',
    // The KMS refuses Weir's own identity the key: the gateway's setup is wrong, not the client.
    kafka: -1 /* UNKNOWN_SERVER_ERROR */,
    ws: 1011,
  },
  internal: {
    status: 500,
    title: 'Internal Server Error',
    kafka: -1 /* UNKNOWN_SERVER_ERROR */,
    ws: 1011,
  },
} as const satisfies Record<string, CatalogueEntry>

export type ErrorCode = keyof typeof errorCatalogue

/** The situations where Kafka has a narrower code for a refusal (`group`, `topic-id`, ...). */
export type KafkaSituation = {
  [C in ErrorCode]: (typeof errorCatalogue)[C] extends { kafkaFor: infer F } ? keyof F : never
}[ErrorCode]

const entry = (code: ErrorCode): CatalogueEntry => errorCatalogue[code]

/** The HTTP status a refusal answers with (problem+json). */
export function httpStatus(code: ErrorCode): number {
  return entry(code).status
}

/**
 * The Kafka error code a refusal answers with on the Kafka listener; `situation` picks Kafka's
 * narrower code where it has one (`forbidden` on a group is GROUP_AUTHORIZATION_FAILED).
 * Undefined where Kafka answers otherwise (see the entry's `none`).
 */
export function kafkaErrorCode(code: ErrorCode, situation?: KafkaSituation): number | undefined {
  const { kafka, kafkaFor } = entry(code)
  const narrower = situation === undefined ? undefined : kafkaFor?.[situation]
  if (narrower !== undefined) return narrower
  return typeof kafka === 'number' ? kafka : undefined
}

/** Every Kafka error code the listener may answer a refusal with (its own, then narrower ones). */
export function kafkaErrorCodes(code: ErrorCode): number[] {
  const { kafka, kafkaFor = {} } = entry(code)
  return [...(typeof kafka === 'number' ? [kafka] : []), ...Object.values(kafkaFor)]
}

/** The WebSocket close code a connection ends with for a refusal. */
export function wsCloseCode(code: ErrorCode): number {
  return entry(code).ws
}

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
    const { status, title } = errorCatalogue[this.code]
    return problem(status, this.code, title, this.detail, this.extensions)
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
