// The one place where an error becomes an HTTP answer: a GatewayError is problem+json with the
// catalogue's status, plus Retry-After and whatever protocol headers the decision carried;
// anything else is a bug, logged and answered 500. Every door answers through here (via the
// request lifecycle, lifecycle.ts), the hono app's last resort (app.onError) and the CORS gate.
import type { Context } from 'hono'
import { GatewayError } from '../core/errors.ts'
import { problem } from '../core/problem.ts'
import type { Logger } from '../observability/logger.ts'
import type { HttpReply } from './exchange.ts'
import { problemResponse } from './problem-response.ts'

export function gatewayErrorReply(err: GatewayError): HttpReply {
  // Header names from decisions may come in any case; one name must mean one header.
  const headers: Record<string, string> = {}
  for (const name in err.headers) headers[name.toLowerCase()] = err.headers[name] as string
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds)
  const body = err.toProblem()
  return { status: body.status, body, headers }
}

/** A GatewayError's own answer; anything else is a bug: logged with `context`, answered 500. */
export function httpErrorReply(err: unknown, logger: Logger, context: object): HttpReply {
  if (err instanceof GatewayError) return gatewayErrorReply(err)
  logger.error({ err, ...context }, 'unhandled error')
  return {
    status: 500,
    body: problem(
      500,
      'internal',
      'Internal Server Error',
      'the gateway failed to handle this request'
    ),
    headers: {},
  }
}

export function gatewayErrorResponse(c: Context, err: GatewayError): Response {
  return problemResponse(c, err.toProblem(), gatewayErrorReply(err).headers)
}

/** 405 for a known path asked with another method, with `Allow`. */
export function methodNotAllowed(method: string, allowed: readonly string[]): GatewayError {
  return new GatewayError(
    'method-not-allowed',
    `${method} is not allowed here; use ${allowed.join(', ')}`,
    {
      headers: { allow: allowed.join(', ') },
    }
  )
}
