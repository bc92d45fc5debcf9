// JWT bearer tokens, verified with jose against a JWKS endpoint (cached, refetched when a token
// names an unknown kid) and/or static public keys. Claims become the principal and its roles.
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyOptions,
  type ProtectedHeaderParameters,
  type RemoteJWKSet,
} from 'jose'
import type { AuthMethodConfig } from '../../config/schema/index.ts'
import type { Credentials, Principal } from '../../core/principal.ts'
import { parseStaticKey, type StaticKey } from './jwt-keys.ts'
import { absent, REALM, type AuthMethodHandler, type AuthOutcome } from './method.ts'

export type JwtMethodConfig = Extract<AuthMethodConfig, { kind: 'jwt' }>

/** How a JWKS endpoint is fetched and cached (jose's defaults when unset). */
export interface JwksOptions {
  /** Fetch timeout (default 5 s). */
  timeoutMs?: number
  /** Minimum time between refetches caused by unknown kids (default 30 s): bounds abuse. */
  cooldownMs?: number
  /** How long a fetched key set is trusted before it is fetched again (default 10 min). */
  cacheMaxAgeMs?: number
}

export class JwtAuthenticator implements AuthMethodHandler {
  readonly label = 'jwt'
  readonly credential = 'bearerToken'
  readonly challenge = `Bearer realm="${REALM}"`
  readonly #allowed: ReadonlySet<string>
  readonly #verifyOptions: JWTVerifyOptions
  readonly #keys: readonly StaticKey[]
  readonly #remote: RemoteJWKSet | undefined
  readonly #principalClaim: string
  readonly #rolesClaim: string

  constructor(config: JwtMethodConfig, jwks: JwksOptions = {}) {
    this.#allowed = new Set(config.algorithms)
    this.#verifyOptions = {
      algorithms: config.algorithms,
      clockTolerance: config.clockToleranceSeconds,
      ...(config.issuer === undefined ? {} : { issuer: config.issuer }),
      ...(config.audiences.length === 0 ? {} : { audience: config.audiences }),
    }
    this.#keys = config.keys.map(parseStaticKey)
    this.#remote =
      config.jwksUrl === undefined
        ? undefined
        : createRemoteJWKSet(new URL(config.jwksUrl), {
            ...(jwks.timeoutMs === undefined ? {} : { timeoutDuration: jwks.timeoutMs }),
            ...(jwks.cooldownMs === undefined ? {} : { cooldownDuration: jwks.cooldownMs }),
            ...(jwks.cacheMaxAgeMs === undefined ? {} : { cacheMaxAge: jwks.cacheMaxAgeMs }),
          })
    this.#principalClaim = config.principalClaim
    this.#rolesClaim = config.rolesClaim
  }

  async authenticate(credentials: Credentials): Promise<AuthOutcome> {
    const token = credentials.bearerToken
    if (token === undefined) return absent
    let header: ProtectedHeaderParameters
    try {
      header = decodeProtectedHeader(token)
    } catch {
      return invalid('malformed JWT')
    }
    const alg = header.alg
    // Checked before any key is touched, so `none` or HS256 tokens never reach a verifier.
    if (typeof alg !== 'string' || !this.#allowed.has(alg)) {
      return invalid(`JWT algorithm ${String(alg)} is not allowed`, { weak: true })
    }
    let payload: JWTPayload
    try {
      payload = await this.#verify(token, alg, header.kid)
    } catch (err) {
      return failure(err, this.#remote !== undefined)
    }
    return this.#principal(payload)
  }

  async #verify(token: string, alg: string, kid: string | undefined): Promise<JWTPayload> {
    let failed: unknown = new errors.JWKSNoMatchingKey()
    for (const key of this.#keys) {
      if (!key.fits(alg, kid)) continue
      try {
        return (await jwtVerify(token, await key.key(alg), this.#verifyOptions)).payload
      } catch (err) {
        // Several static keys without kids may fit; only a bad signature means "try the next".
        if (!(err instanceof errors.JWSSignatureVerificationFailed)) throw err
        failed = err
      }
    }
    if (this.#remote !== undefined) {
      return (await jwtVerify(token, this.#remote, this.#verifyOptions)).payload
    }
    throw failed
  }

  #principal(payload: JWTPayload): AuthOutcome {
    const name = claimAt(payload, this.#principalClaim)
    if ((typeof name !== 'string' || name === '') && typeof name !== 'number') {
      return invalid(`JWT has no ${this.#principalClaim} claim naming the principal`)
    }
    const principal: Principal = {
      name: String(name),
      method: 'jwt',
      roles: rolesFrom(claimAt(payload, this.#rolesClaim)),
      claims: payload,
    }
    return { kind: 'ok', principal }
  }
}

/** A claim by name, or by dotted path into nested objects (Keycloak's `realm_access.roles`). */
export function claimAt(payload: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(payload, path) || !path.includes('.')) return payload[path]
  let value: unknown = payload
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined
    value = Object.hasOwn(value, part) ? (value as Record<string, unknown>)[part] : undefined
  }
  return value
}

/** Roles from an array claim, or a space-separated string such as OAuth's `scope`. */
export function rolesFrom(value: unknown): readonly string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter((role) => role !== '')
  if (Array.isArray(value)) return value.filter((role): role is string => typeof role === 'string')
  return []
}

function invalid(
  detail: string,
  { code, weak = false }: { code?: 'backend-unavailable'; weak?: boolean } = {}
): AuthOutcome {
  // RFC 6750 §3: tell the client why its token was refused; quotes would end the parameter.
  const description = detail.replaceAll('"', "'").replaceAll('\\', '/')
  return {
    kind: 'invalid',
    detail,
    weak,
    ...(code === undefined ? {} : { code }),
    challenge:
      code === undefined
        ? `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`
        : `Bearer realm="${REALM}"`,
  }
}

const claimProblems: Readonly<Record<string, string>> = {
  aud: 'JWT audience is not accepted',
  nbf: 'JWT is not yet valid',
  iat: 'JWT issue time is invalid',
}

/** jose's errors as precise, secret-free details. */
function failure(err: unknown, remote: boolean): AuthOutcome {
  if (err instanceof errors.JWTExpired) return invalid('JWT expired')
  if (err instanceof errors.JWTClaimValidationFailed) {
    // Another jwt method may trust this issuer.
    if (err.claim === 'iss') return invalid('JWT issuer is not accepted', { weak: true })
    return invalid(claimProblems[err.claim] ?? `JWT claim ${err.claim} is invalid`)
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return invalid('signature verification failed', { weak: true })
  }
  if (err instanceof errors.JWKSNoMatchingKey) {
    return invalid('no verification key matches the JWT', { weak: true })
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return invalid('JWT algorithm is not allowed')
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) {
    return invalid('malformed JWT')
  }
  if (err instanceof errors.JOSENotSupported) return invalid('JWT algorithm or key not supported')
  if (err instanceof errors.JWKSTimeout) {
    return invalid('timed out fetching the JWKS', { code: 'backend-unavailable' })
  }
  // What remains comes from fetching the JWKS (network, HTTP status, bad JSON): not the client's
  // fault, so the door answers 503 rather than 401.
  if (remote)
    return invalid('could not fetch the JWKS to verify the JWT', { code: 'backend-unavailable' })
  return invalid('JWT verification failed')
}
