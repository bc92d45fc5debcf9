// What a failed registry call means for a request. Unreachable or failing (5xx) → the backend is
// unavailable (503, and cached schemas are served stale). A definite "no" (404, 401, 422) → the
// configuration is wrong, which the client cannot fix: internal.
import { GatewayError } from '../core/errors.ts'

/** What a registry call looked up, for messages. */
export interface LookupInfo {
  id?: number
  subject?: string
  version?: number | 'latest'
}

/** A registry that does not answer is retried soon: a restart or a blip, as for a broker. */
const RETRY_AFTER_SECONDS = 1

export function unreachable(registry: string, reason: unknown): GatewayError {
  return new GatewayError(
    'backend-unavailable',
    `schema registry "${registry}" is unreachable: ${reasonText(reason)}`,
    { cause: reason, retryAfterSeconds: RETRY_AFTER_SECONDS }
  )
}

export function registryError(
  registry: string,
  status: number,
  body: unknown,
  what: LookupInfo
): GatewayError {
  const { error_code: code, message } = (body ?? {}) as { error_code?: unknown; message?: unknown }
  const said = typeof message === 'string' && message ? `: ${message}` : ''
  const where = `schema registry "${registry}"`
  if (status >= 500) {
    return new GatewayError('backend-unavailable', `${where} failed with HTTP ${status}${said}`, {
      retryAfterSeconds: RETRY_AFTER_SECONDS,
    })
  }
  if (status === 401 || status === 403) {
    return new GatewayError(
      'internal',
      `${where} refused Weir's credentials (HTTP ${status})${said}`
    )
  }
  if (status === 404) return new GatewayError('internal', notFound(where, code, what))
  const subject = what.subject === undefined ? '' : ` for subject "${what.subject}"`
  const codeText = typeof code === 'number' ? ` (error code ${code})` : ''
  return new GatewayError(
    'internal',
    `${where} answered HTTP ${status}${subject}${said}${codeText}`
  )
}

function notFound(where: string, code: unknown, what: LookupInfo): string {
  const fix = 'check the schema policy'
  if (what.id !== undefined) return `schema id ${what.id} was not found in ${where}; ${fix}`
  if (code === 40401 || what.version === undefined) {
    return `subject "${what.subject}" was not found in ${where}; ${fix}`
  }
  return `subject "${what.subject}" has no version ${what.version} in ${where}; ${fix}`
}

function reasonText(reason: unknown): string {
  if (typeof reason === 'string') return reason
  if (reason instanceof Error) {
    // fetch says only "fetch failed"; the cause names the socket error (ECONNREFUSED ...).
    const cause = reason.cause
    if (cause instanceof AggregateError && cause.errors.length > 0) {
      return reasonText(cause.errors[0])
    }
    if (cause instanceof Error && cause.message) return cause.message
    return reason.message
  }
  return String(reason)
}
