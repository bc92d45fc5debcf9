// The one place where a GatewayError becomes an HTTP answer: problem+json with the catalogue's
// status, plus Retry-After and whatever protocol headers the decision carried. Both the hono
// routes and the node:http fast path answer through here.
import type { Context } from 'hono'
import type { GatewayError } from '../core/errors.ts'
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

export function gatewayErrorResponse(c: Context, err: GatewayError): Response {
  return problemResponse(c, err.toProblem(), gatewayErrorReply(err).headers)
}
