// What a policy says about a request. Policies return decisions; they never write to a socket.
import type { ErrorCode } from './errors.ts'
import type { Violation } from './violation.ts'

export type Decision =
  | { verdict: 'allow' }
  | {
      verdict: 'deny'
      code: ErrorCode
      detail: string
      /** Which policy refused, for logs and metrics. */
      policy?: string
      /** For rate limits: how long until the request would be allowed. */
      retryAfterMs?: number
      violations?: readonly Violation[]
      /** Extra response headers a door may set (RateLimit-*, WWW-Authenticate). */
      headers?: Readonly<Record<string, string>>
    }

export const allow: Decision = { verdict: 'allow' }
