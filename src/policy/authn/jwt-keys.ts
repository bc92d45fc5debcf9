// Static JWT verification keys from the config: PEM (SPKI) text or JWK objects. Both are turned
// into public JWKs when the engine is built, so a bad key fails the config load, not a request.
import { createPublicKey } from 'node:crypto'
import { importJWK, type CryptoKey, type JWK } from 'jose'

/** Which JWK key type (and curve) each signature algorithm needs. */
const keyTypeOf: Readonly<Record<string, { kty: string; crv?: string }>> = {
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  Ed25519: { kty: 'OKP', crv: 'Ed25519' },
}

export class StaticKey {
  readonly jwk: JWK
  /** Imported once per algorithm (an RSA key may serve RS256 and PS256), then reused. */
  readonly #imported = new Map<string, Promise<CryptoKey | Uint8Array>>()

  constructor(jwk: JWK) {
    this.jwk = jwk
  }

  /** Whether this key may verify a token signed with `alg` and naming `kid`. */
  fits(alg: string, kid: string | undefined): boolean {
    const want = keyTypeOf[alg]
    if (want === undefined || this.jwk.kty !== want.kty) return false
    if (want.crv !== undefined && this.jwk.crv !== want.crv) return false
    if (this.jwk.alg !== undefined && this.jwk.alg !== alg) return false
    if (this.jwk.use !== undefined && this.jwk.use !== 'sig') return false
    // A PEM key has no kid, and identity providers put a kid on every token: a key without a kid
    // is a candidate for any token, one with a kid only for tokens naming it.
    return kid === undefined || this.jwk.kid === undefined || this.jwk.kid === kid
  }

  key(alg: string): Promise<CryptoKey | Uint8Array> {
    let key = this.#imported.get(alg)
    if (key === undefined) {
      key = importJWK(this.jwk, alg)
      this.#imported.set(alg, key)
    }
    return key
  }
}

/** Parses one configured key; throws a message naming what is wrong (never the key itself). */
export function parseStaticKey(input: string | Readonly<Record<string, unknown>>): StaticKey {
  if (typeof input === 'string') {
    if (input.includes('PRIVATE KEY')) {
      throw new Error('a JWT key must be a public key, not a private one')
    }
    let jwk: JWK
    try {
      jwk = createPublicKey(input).export({ format: 'jwk' }) as JWK
    } catch (cause) {
      throw new Error('a JWT key is not a PEM public key (SPKI) or certificate', { cause })
    }
    return new StaticKey(jwk)
  }
  if (typeof input.kty !== 'string') throw new Error('a JWT key JWK has no "kty"')
  if ('d' in input || 'k' in input) {
    // Private and symmetric keys must never sit in gateway config: refuse instead of using them.
    throw new Error('a JWT key JWK must be a public key (it has "d" or "k")')
  }
  return new StaticKey({ ...input } as JWK)
}
