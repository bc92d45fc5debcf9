// HTTP Basic users with scrypt password hashes. scrypt is slow on purpose (tens of ms), so a
// successful check is remembered briefly: a client sending the same credentials on every request
// pays scrypt once per TTL, not once per request.
import { randomBytes } from 'node:crypto'
import type { AuthMethodConfig } from '../../config/schema/index.ts'
import type { Credentials, Principal } from '../../core/principal.ts'
import { defaultScryptParams, parsePasswordHash, verifyPassword } from '../secrets.ts'
import type { ParsedPasswordHash } from '../secrets.ts'
import { absent, REALM, type AuthMethodHandler, type AuthOutcome } from './method.ts'
import { passwordCache, type PasswordCacheOptions, type VerifiedCache } from './verified-cache.ts'

export type BasicMethodConfig = Extract<AuthMethodConfig, { kind: 'basic' }>

export type BasicOptions = PasswordCacheOptions

interface User {
  hash: ParsedPasswordHash
  principal: Principal
}

const refused: AuthOutcome = { kind: 'invalid', detail: 'invalid username or password', weak: true }

export class BasicAuthenticator implements AuthMethodHandler {
  readonly label = 'basic'
  readonly credential = 'basic'
  readonly challenge = `Basic realm="${REALM}", charset="UTF-8"`
  readonly #users = new Map<string, User>()
  readonly #cache: VerifiedCache
  /** Unknown users are checked against this, so timing does not reveal which usernames exist. */
  readonly #decoy: ParsedPasswordHash = {
    params: defaultScryptParams,
    salt: randomBytes(16),
    hash: randomBytes(32),
  }

  constructor(config: BasicMethodConfig, options: BasicOptions = {}) {
    config.users.forEach((user, index) => {
      let hash: ParsedPasswordHash
      try {
        hash = parsePasswordHash(user.passwordHash)
      } catch (err) {
        throw new Error(`basic user ${index} (${user.username}): ${(err as Error).message}`, {
          cause: err,
        })
      }
      this.#users.set(user.username, {
        hash,
        principal: Object.freeze({
          name: user.username,
          method: 'basic' as const,
          roles: Object.freeze([...user.roles]),
        }),
      })
    })
    this.#cache = passwordCache(options)
  }

  async authenticate(credentials: Credentials): Promise<AuthOutcome> {
    const basic = credentials.basic
    if (basic === undefined) return absent
    const user = this.#users.get(basic.username)
    const ok = await this.#cache.verify(basic.username, basic.password, () =>
      verifyPassword(basic.password, user?.hash ?? this.#decoy)
    )
    // `user` is re-checked: the decoy can never verify, but say so explicitly.
    return ok && user !== undefined ? { kind: 'ok', principal: user.principal } : refused
  }
}
