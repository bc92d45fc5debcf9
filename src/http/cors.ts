// Cross-origin access from browsers (CORS) for one http listener, applied on the node:http server
// ahead of every door: preflights are answered here, every answer to an allowed origin carries
// the Access-Control-* headers (produce fast path, hono routes, errors, SSE, long-poll), and
// requests and WebSocket upgrades from other origins are refused with 403 before any door runs,
// so a refused request wrote nothing. Not hono/cors: the produce fast path, SSE, long-poll and
// WebSocket upgrades never reach hono, and one gate in front of all of them keeps one policy.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { HttpListenerConfig } from '../config/index.ts'
import { GatewayError } from '../core/errors.ts'
import { compileGlobs, type Matcher } from '../core/glob.ts'
import { gatewayErrorReply } from './error-response.ts'
import { rejectUpgrade, sendReply } from './node-reply.ts'

type CorsConfig = NonNullable<HttpListenerConfig['cors']>

/** What pages may read of every answer, besides the CORS-safelisted headers. */
export const DEFAULT_EXPOSED_HEADERS = [
  'Location',
  'Content-Location',
  'Retry-After',
  'RateLimit',
  'RateLimit-Policy',
  'ETag',
  'Preference-Applied',
  'X-Request-Id',
] as const

/** Every method a door of an http listener serves. */
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE'

export type OriginVerdict = 'absent' | 'allowed' | 'refused'

export class CorsPolicy {
  readonly #allowed: Matcher
  readonly #config: CorsConfig
  readonly #exposed: string

  constructor(config: CorsConfig) {
    this.#config = config
    // Browsers send the scheme and host in lower case; a configured `https://App.example.com`
    // means the same origin.
    this.#allowed = compileGlobs(config.origins.map((origin) => origin.toLowerCase()))
    const exposed = new Map<string, string>()
    for (const name of [...DEFAULT_EXPOSED_HEADERS, ...config.exposeHeaders]) {
      if (!exposed.has(name.toLowerCase())) exposed.set(name.toLowerCase(), name)
    }
    this.#exposed = [...exposed.values()].join(', ')
  }

  /**
   * Whether a request with this Origin may be served. A page served by this listener itself
   * (Origin naming the Host the request went to: the example page, the portal) is always
   * allowed: it needs no CORS, but browsers send Origin on its POSTs and WebSockets too.
   */
  verdict(origin: string | undefined, host: string | undefined): OriginVerdict {
    if (origin === undefined) return 'absent'
    const lower = origin.toLowerCase()
    if (this.#allowed(lower)) return 'allowed'
    return host !== undefined && authority(lower) === host.toLowerCase() ? 'allowed' : 'refused'
  }

  /** The headers of any answer to an allowed origin. */
  responseHeaders(origin: string): Record<string, string> {
    const headers: Record<string, string> = {
      'access-control-allow-origin': origin,
      'access-control-expose-headers': this.#exposed,
      vary: 'Origin',
    }
    if (this.#config.credentials) headers['access-control-allow-credentials'] = 'true'
    return headers
  }

  /** The 204 answer to an allowed origin's preflight. */
  preflightHeaders(origin: string, requestedHeaders: string | undefined): Record<string, string> {
    const headers = this.responseHeaders(origin)
    delete headers['access-control-expose-headers']
    headers['access-control-allow-methods'] = ALLOWED_METHODS
    headers['access-control-max-age'] = String(this.#config.maxAgeSeconds)
    headers.vary = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'
    // The origin is trusted already: by default it may send whatever headers it asks for
    // (an API key header, CloudEvents ce-*, Idempotency-Key...).
    const allow = this.#config.allowHeaders?.join(', ') ?? requestedHeaders
    if (allow) headers['access-control-allow-headers'] = allow
    return headers
  }
}

/** The gate in front of a listener's doors. */
export interface CorsGate {
  /** Answers a preflight or refuses the origin (true), or adds the CORS headers (false). */
  request(request: IncomingMessage, response: ServerResponse): boolean
  /** Refuses an upgrade from an origin not allowed (true); false lets the doors have it. */
  upgrade(request: IncomingMessage, socket: Duplex): boolean
}

export function corsGate(config: CorsConfig): CorsGate {
  const policy = new CorsPolicy(config)
  return {
    request(request, response) {
      const origin = request.headers.origin
      const verdict = policy.verdict(origin, request.headers.host)
      if (verdict === 'refused') {
        sendReply(response, gatewayErrorReply(originRefused(origin as string)))
        return true
      }
      if (origin === undefined) {
        // The answer differs by Origin: shared caches must not hand it to a page.
        response.setHeader('vary', 'Origin')
        return false
      }
      const requestedMethod = request.headers['access-control-request-method']
      if (request.method === 'OPTIONS' && requestedMethod !== undefined) {
        const requested = request.headers['access-control-request-headers']
        response.writeHead(204, policy.preflightHeaders(origin, requested))
        response.end()
        return true
      }
      // Merged into whatever head the door writes (writeHead keeps setHeader's headers).
      for (const [name, value] of Object.entries(policy.responseHeaders(origin))) {
        response.setHeader(name, value)
      }
      return false
    },
    upgrade(request, socket) {
      const origin = request.headers.origin
      if (policy.verdict(origin, request.headers.host) !== 'refused') return false
      rejectUpgrade(socket, gatewayErrorReply(originRefused(origin as string)))
      return true
    },
  }
}

/** Appends Origin to a Vary value a door set itself (writeHead would replace the gate's). */
export function varyWithOrigin(vary: string): string {
  return /(^|,)\s*(origin|\*)\s*(,|$)/i.test(vary) ? vary : `${vary}, Origin`
}

/** The refusal of a page from an origin `cors` does not list (also the portal's example). */
export function originRefused(origin: string): GatewayError {
  return new GatewayError(
    'forbidden',
    `pages from ${origin} may not call this listener (it is not in cors.origins)`
  )
}

/** host[:port] of an origin, as a Host header names it; '' for an opaque origin ("null"). */
function authority(origin: string): string {
  const start = origin.indexOf('://')
  return start === -1 ? '' : origin.slice(start + 3)
}
