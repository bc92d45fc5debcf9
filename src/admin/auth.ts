// Who is calling the admin API: an operator or a data plane, by the bearer token they present.
// Tokens are stored as SHA-256 hashes and compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { TLSSocket } from 'node:tls'
import type { Context, MiddlewareHandler } from 'hono'
import type { AdminConfig } from '../config/index.ts'
import { GatewayError } from '../core/errors.ts'
import { problemResponse } from '../http/problem-response.ts'

export type AdminRole = 'operator' | 'data-plane'

export interface AdminCaller {
  role: AdminRole
  /** The token's name from the config. */
  name: string
}

export type AdminEnv = { Variables: { caller: AdminCaller } }

interface KnownToken {
  hash: Buffer
  caller: AdminCaller
}

/** Authenticates every request; routes then ask `allowed(c, role)`. */
export function adminAuth(admin: () => AdminConfig): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? ''
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    const caller =
      match?.[1] === undefined ? certificateCaller(c, admin()) : callerOf(admin(), match[1])
    if (caller === undefined) {
      return problemResponse(
        c,
        new GatewayError(
          'unauthenticated',
          match === null
            ? 'send an admin token as "Authorization: Bearer <token>"'
            : "the token is not one of this node's admin or data plane tokens"
        ).toProblem(),
        { 'www-authenticate': 'Bearer realm="weir-admin"' }
      )
    }
    c.set('caller', caller)
    await next()
  }
}

/** The 403 to answer when the caller's role may not do this, else undefined. */
export function forbidden(c: Context<AdminEnv>, ...roles: AdminRole[]): Response | undefined {
  const caller = c.get('caller')
  if (roles.includes(caller.role)) return undefined
  return problemResponse(
    c,
    new GatewayError(
      'forbidden',
      `a ${caller.role} token may not ${c.req.method} ${c.req.path}`
    ).toProblem()
  )
}

/**
 * A data plane known by its client certificate: verified against the admin listener's client CA
 * (the TLS handshake did that) and named in `dataPlaneSubjects`.
 */
function certificateCaller(c: Context, admin: AdminConfig): AdminCaller | undefined {
  const socket = (c.env as { incoming?: { socket?: unknown } } | undefined)?.incoming?.socket as
    TLSSocket | undefined
  if (socket?.authorized !== true || typeof socket.getPeerCertificate !== 'function') {
    return undefined
  }
  const subject = socket.getPeerCertificate().subject as { CN?: string | string[] } | undefined
  const cn = Array.isArray(subject?.CN) ? subject.CN[0] : subject?.CN
  if (cn === undefined || !admin.dataPlaneSubjects.includes(cn)) return undefined
  return { role: 'data-plane', name: `certificate:${cn}` }
}

function callerOf(admin: AdminConfig, token: string): AdminCaller | undefined {
  const hash = createHash('sha256').update(token, 'utf8').digest()
  const known: KnownToken[] = [
    ...admin.tokens.map((t) => ({
      hash: Buffer.from(t.sha256, 'hex'),
      caller: { role: 'operator' as const, name: t.name },
    })),
    ...admin.dataPlaneTokens.map((t) => ({
      hash: Buffer.from(t.sha256, 'hex'),
      caller: { role: 'data-plane' as const, name: t.name },
    })),
  ]
  let found: AdminCaller | undefined
  // Every token is compared, so the time taken does not say which one came close.
  for (const entry of known) {
    if (entry.hash.length === hash.length && timingSafeEqual(entry.hash, hash))
      found ??= entry.caller
  }
  return found
}
