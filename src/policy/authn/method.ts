// The contract every authentication method implements. A method looks only at its own kind of
// credential: absent means "not mine, ask the next method"; present decides, one way or the other.
import type { ErrorCode } from '../../core/errors.ts'
import type { Credentials, Principal } from '../../core/principal.ts'

export type AuthOutcome =
  | { kind: 'absent' }
  | { kind: 'ok'; principal: Principal }
  | {
      kind: 'invalid'
      /** Says what was wrong without repeating any part of the secret. */
      detail: string
      /** `unauthenticated` unless the fault is ours (an unreachable JWKS is not the client's). */
      code?: ErrorCode
      /** A more precise WWW-Authenticate challenge for this failure (RFC 6750 error codes). */
      challenge?: string
      /**
       * The credential may belong to another method of the same kind (another key list, another
       * issuer): a later method's verdict is more useful than this one.
       */
      weak?: boolean
    }

export const absent: AuthOutcome = { kind: 'absent' }

export type CredentialKind = 'apiKey' | 'bearerToken' | 'basic' | 'clientCert'

export interface AuthMethodHandler {
  /** Names the method in "credentials required: ..." details. */
  readonly label: string
  /** The credential it reads; methods reading the same one are tried together. */
  readonly credential: CredentialKind | undefined
  /** The WWW-Authenticate challenge offered when credentials are missing, if HTTP has one. */
  readonly challenge: string | undefined
  authenticate(credentials: Credentials): AuthOutcome | Promise<AuthOutcome>
}

export const REALM = 'weir'
