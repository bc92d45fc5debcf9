// The one place where a GatewayError becomes an HTTP response: problem+json with the catalogue's
// status, plus Retry-After and whatever protocol headers the decision carried.
import type { Context } from 'hono'
import type { GatewayError } from '../core/errors.ts'
import { problemResponse } from './problem-response.ts'

export function gatewayErrorResponse(c: Context, err: GatewayError): Response {
  const headers: Record<string, string> = { ...err.headers }
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds)
  return problemResponse(c, err.toProblem(), headers)
}
