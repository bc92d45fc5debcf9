// API keys: long random secrets, stored as their SHA-256. A presented key is hashed and looked up.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { AuthMethodConfig } from '../../config/schema/index.ts'
import type { Credentials, Principal } from '../../core/principal.ts'
import { absent, REALM, type AuthMethodHandler, type AuthOutcome } from './method.ts'

export type ApiKeyMethodConfig = Extract<AuthMethodConfig, { kind: 'api-key' }>

interface StoredKey {
  digest: Buffer
  principal: Principal
}

export class ApiKeyAuthenticator implements AuthMethodHandler {
  readonly label = 'api-key'
  readonly credential = 'apiKey'
  readonly challenge = `ApiKey realm="${REALM}"`
  /** Header the door should read the key from (lowercase); `Authorization: ApiKey` works too. */
  readonly header: string
  readonly #byDigest = new Map<string, StoredKey>()

  constructor(config: ApiKeyMethodConfig) {
    this.header = config.header.toLowerCase()
    for (const key of config.keys) {
      const hex = key.sha256.toLowerCase()
      this.#byDigest.set(hex, {
        digest: Buffer.from(hex, 'hex'),
        // One frozen principal per key: the hot path hands it out without allocating.
        principal: Object.freeze({
          name: key.principal,
          method: 'api-key',
          roles: Object.freeze([...key.roles]),
        }),
      })
    }
  }

  authenticate(credentials: Credentials): AuthOutcome {
    const key = credentials.apiKey
    if (key === undefined) return absent
    if (key.length === 0) return { kind: 'invalid', detail: 'empty API key' }
    const digest = createHash('sha256').update(key, 'utf8').digest()
    // Looking up by digest is safe against timing probes: an attacker controls the key, not its
    // hash, so how long the lookup takes says nothing about stored keys. The final compare is
    // constant-time anyway, so equality is never decided by an early-exit string compare.
    const stored = this.#byDigest.get(digest.toString('hex'))
    if (stored === undefined || !timingSafeEqual(digest, stored.digest)) {
      return { kind: 'invalid', detail: 'unknown API key', weak: true }
    }
    return { kind: 'ok', principal: stored.principal }
  }
}
