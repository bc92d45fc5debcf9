import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { PROBLEM_CONTENT_TYPE, type Problem } from '../core/problem.ts'

/** Writes a problem as `application/problem+json` with its status. */
export function problemResponse(
  c: Context,
  body: Problem,
  headers: Record<string, string> = {}
): Response {
  return c.body(JSON.stringify(body), body.status as ContentfulStatusCode, {
    ...headers,
    'content-type': PROBLEM_CONTENT_TYPE,
  })
}
