// Looks a path up in a hono RegExpRouter outside hono (the produce fast path and the streaming
// doors run ahead of it), with the path parameters percent-decoded.
import type { RegExpRouter } from 'hono/router/reg-exp-router'
import { GatewayError } from '../core/errors.ts'

export interface RouteMatch<T> {
  value: T
  params: Record<string, string>
}

/** The first route matching, or undefined; a malformed percent-encoding is a 400. */
export function matchRoute<T>(
  router: RegExpRouter<T>,
  method: string,
  path: string
): RouteMatch<T> | undefined {
  const [matches, stash] = router.match(method, path)
  const match = matches[0]
  if (!match) return undefined
  const [value, paramIndex] = match
  const params: Record<string, string> = {}
  for (const name in paramIndex) {
    const raw = stash ? stash[paramIndex[name] as number] : (paramIndex[name] as unknown as string)
    if (raw !== undefined) params[name] = decode(raw)
  }
  return { value, params }
}

function decode(raw: string): string {
  // Most path parameters (topic names, ids) hold no escapes: nothing to decode.
  if (!raw.includes('%')) return raw
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new GatewayError('bad-request', 'the path holds a malformed percent-encoding')
  }
}
