// The shape every server-side SASL mechanism shares: a state machine fed the client's
// SaslAuthenticate `authBytes`, answering with bytes for the response and what came of the step.
// Nothing here knows about sockets or Kafka frames; the listener's pipeline does the wrapping.
import type { Credentials, Principal } from '../../core/principal.ts'
import type { AuthResult } from '../../policy/index.ts'

/** The virtual cluster's authenticator: `(c) => engine.authenticate(virtualCluster, c)`. */
export type Authenticate = (credentials: Credentials) => Promise<AuthResult>

/** Mechanism names as they appear in SaslHandshake (case-sensitive, as Kafka compares them). */
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER'

export type SaslStep =
  /** Send `response` as the SaslAuthenticate authBytes and wait for the client's next message. */
  | { kind: 'continue'; response: Buffer }
  /** Done: send `response` (possibly empty) with error code 0. */
  | {
      kind: 'authenticated'
      response: Buffer
      principal: Principal
      /**
       * Milliseconds the credential stays valid (an OAUTHBEARER token's remaining lifetime), for
       * KIP-368's `sessionLifetimeMs`; absent when the credential does not expire.
       */
      sessionLifetimeMs?: number
    }
  /**
   * Done: answer SASL_AUTHENTICATION_FAILED with `message`. `response` is empty: Kafka's brokers
   * send no mechanism bytes with a failure.
   */
  | { kind: 'failed'; response: Buffer; message: string }

export interface SaslServer {
  readonly mechanism: SaslMechanism
  /**
   * Feeds the client's next message. After `authenticated` or `failed` the exchange is over and
   * any further message fails; re-authentication (KIP-368) starts a new server.
   */
  step(authBytes: Buffer): Promise<SaslStep>
}

const EMPTY = Buffer.alloc(0)

export function failed(message: string): SaslStep {
  return { kind: 'failed', response: EMPTY, message }
}

export function proceed(response: Buffer | string): SaslStep {
  return { kind: 'continue', response: toBytes(response) }
}

export function authenticated(
  principal: Principal,
  response: Buffer | string = EMPTY,
  sessionLifetimeMs?: number
): SaslStep {
  return {
    kind: 'authenticated',
    response: toBytes(response),
    principal,
    ...(sessionLifetimeMs === undefined ? {} : { sessionLifetimeMs }),
  }
}

function toBytes(value: Buffer | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** The bytes as UTF-8 text, or undefined when they are not valid UTF-8 (SASL messages must be). */
export function utf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return undefined
  }
}
