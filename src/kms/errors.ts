// How a KMS call fails, typed so callers can act on it without knowing the provider: retry later,
// treat the records under the key as gone (crypto-shredding), or report a misconfiguration.
import { GatewayError, type ErrorCode } from '../core/errors.ts'

export type KmsFailure =
  /** The KMS did not answer in time, was unreachable or throttled us: retriable. */
  | 'unavailable'
  /** The KEK does not exist or is disabled, deleted or pending deletion: not retriable. */
  | 'key-not-found'
  /** The KMS refuses Weir's identity this key or operation: not retriable. */
  | 'access-denied'

const codes: Record<KmsFailure, ErrorCode> = {
  unavailable: 'kms-unavailable',
  'key-not-found': 'kms-key-unavailable',
  'access-denied': 'kms-access-denied',
}

/**
 * What a client is told: no file path, endpoint, key ARN (it names the AWS account) or SDK text.
 * The operator's account of it is the error's message, which the engine reports to the log.
 */
const publicDetail: Record<KmsFailure, string> = {
  unavailable: 'the KMS holding the key-encryption key did not answer; retry later',
  'key-not-found': 'the key-encryption key is gone (deleted, disabled or unknown to the KMS)',
  'access-denied': 'the KMS refused the gateway the use of the key-encryption key',
}

/** A KMS call that failed; a GatewayError, so every door answers it from the catalogue. */
export class KmsError extends GatewayError {
  readonly failure: KmsFailure
  readonly kekId: string

  /** `message`: what happened, for the operator's log (paths, the provider's own words). */
  constructor(failure: KmsFailure, kekId: string, message: string, cause?: unknown) {
    super(codes[failure], publicDetail[failure], {
      cause,
      // Long enough for a throttled or restarting KMS; a produce is retried, never half-written.
      ...(failure === 'unavailable' ? { retryAfterSeconds: 1 } : {}),
    })
    this.name = 'KmsError'
    this.message = message
    this.failure = failure
    this.kekId = kekId
  }

  /** Whether trying again later may succeed. */
  get retriable(): boolean {
    return this.failure === 'unavailable'
  }
}

/** Whether `err` is a KMS failure of the given kind. */
export function isKmsFailure(err: unknown, failure: KmsFailure): err is KmsError {
  return err instanceof KmsError && err.failure === failure
}
