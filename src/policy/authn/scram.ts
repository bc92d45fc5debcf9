// The SCRAM users of one virtual cluster (its `scram` methods) and every check made against them.
// The Kafka listener runs the SASL message exchange (src/kafka-listener/sasl/scram/) and asks here
// for a user's salt and iterations, then to verify the client's proof; HTTP Basic (and SASL PLAIN
// where it is offered) is checked against the same credential by deriving the salted password, so
// a SCRAM user is the same principal on every door. A lookup always yields a credential: unknown
// users get a decoy, so whatever follows looks the same whether or not the user exists (no
// enumeration by message, salt or timing).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { AuthMethodConfig } from '../../config/schema/index.ts'
import type { Credentials, Principal } from '../../core/principal.ts'
import { absent, REALM, type AuthMethodHandler, type AuthOutcome } from './method.ts'
import {
  DEFAULT_ITERATIONS,
  h,
  hmac,
  keysFromSaltedPassword,
  saltedPassword,
  scramHashes,
  xor,
  type ScramMechanism,
} from './scram-keys.ts'
import { passwordCache, type PasswordCacheOptions, type VerifiedCache } from './verified-cache.ts'

export type ScramMethodConfig = Extract<AuthMethodConfig, { kind: 'scram' }>

interface ScramCredential {
  salt: Buffer
  iterations: number
  storedKey: Buffer
  serverKey: Buffer
  principal: Principal
}

export type ScramProofResult =
  { ok: true; principal: Principal; serverSignature: Buffer } | { ok: false }

/** One login attempt's credential: what server-first tells the client, and the proof check. */
export interface ScramLogin {
  readonly salt: Buffer
  readonly iterations: number
  /**
   * Checks ClientProof over AuthMessage (RFC 5802 §3): H(ClientProof XOR ClientSignature) must
   * be StoredKey. Constant-time, with the same work for decoys and for proofs of any length. On
   * success, the ServerSignature that proves to the client we hold its credential.
   */
  verify(authMessage: string, proof: Buffer): ScramProofResult
}

interface Decoy {
  saltBytes: number
  iterations: number
  storedKey: Buffer
  serverKey: Buffer
}

/** Keys decoy salts: stable per username for the whole process, reloads included. */
const decoySecret = randomBytes(32)

export class ScramCredentials {
  /** The mechanisms some user has a credential for, in a fixed order. */
  readonly mechanisms: readonly ScramMechanism[]
  readonly #users = new Map<ScramMechanism, Map<string, ScramCredential>>()
  readonly #decoys = new Map<ScramMechanism, Decoy>()

  /** Collects the users of every `scram` method among `methods`; the first entry of a name wins. */
  constructor(methods: readonly AuthMethodConfig[]) {
    for (const method of methods) {
      if (method.kind !== 'scram') continue
      for (const user of method.users) {
        let users = this.#users.get(user.mechanism)
        if (users === undefined) {
          users = new Map()
          this.#users.set(user.mechanism, users)
        }
        if (users.has(user.username)) continue
        users.set(user.username, {
          salt: Buffer.from(user.salt, 'base64'),
          iterations: user.iterations,
          storedKey: Buffer.from(user.storedKey, 'base64'),
          serverKey: Buffer.from(user.serverKey, 'base64'),
          principal: Object.freeze({
            name: user.username,
            method: 'sasl' as const,
            roles: Object.freeze([...user.roles]),
          }),
        })
      }
    }
    const all = ['scram-sha-256', 'scram-sha-512'] as const
    this.mechanisms = all.filter((m) => this.#users.has(m))
    for (const mechanism of all) {
      // Decoys look like the configured users: same salt length and iteration count.
      const first = this.#users.get(mechanism)?.values().next().value
      const bytes = scramHashes[mechanism].bytes
      this.#decoys.set(mechanism, {
        saltBytes: first?.salt.length ?? 24,
        iterations: first?.iterations ?? DEFAULT_ITERATIONS,
        storedKey: randomBytes(bytes),
        serverKey: randomBytes(bytes),
      })
    }
  }

  /** The credential a SCRAM exchange for `username` runs against: the user's, or a decoy. */
  login(mechanism: ScramMechanism, username: string): ScramLogin {
    const { credential, known } = this.#lookup(mechanism, username)
    const hash = scramHashes[mechanism]
    return {
      salt: credential.salt,
      iterations: credential.iterations,
      verify(authMessage, sent) {
        const clientSignature = hmac(hash, credential.storedKey, authMessage)
        // A proof of the wrong length still goes through the same steps (padded), then fails.
        const proof = Buffer.alloc(hash.bytes)
        sent.copy(proof)
        const lengthOk = sent.length === hash.bytes
        const keyOk = timingSafeEqual(h(hash, xor(proof, clientSignature)), credential.storedKey)
        // `&` keeps the evaluation free of short cuts.
        if (!(Number(known) & Number(lengthOk) & Number(keyOk))) return { ok: false }
        const serverSignature = hmac(hash, credential.serverKey, authMessage)
        return { ok: true, principal: credential.principal, serverSignature }
      },
    }
  }

  /**
   * Whether this is the user's password, checked the way a SCRAM server stores it: the salted
   * password derived with the user's salt and iterations must give its StoredKey. Unknown users
   * are checked against a decoy, so the work does not depend on who exists.
   */
  async verifyPassword(
    mechanism: ScramMechanism,
    username: string,
    password: string
  ): Promise<boolean> {
    const { credential, known } = this.#lookup(mechanism, username)
    const hash = scramHashes[mechanism]
    const salted = await saltedPassword(hash, password, credential.salt, credential.iterations)
    const { storedKey } = keysFromSaltedPassword(hash, salted)
    return timingSafeEqual(storedKey, credential.storedKey) && known
  }

  /** The principal of a configured user, undefined for anyone else. */
  principal(mechanism: ScramMechanism, username: string): Principal | undefined {
    return this.#users.get(mechanism)?.get(username)?.principal
  }

  #lookup(
    mechanism: ScramMechanism,
    username: string
  ): { credential: ScramCredential; known: boolean } {
    const credential = this.#users.get(mechanism)?.get(username)
    if (credential !== undefined) return { credential, known: true }
    const decoy = this.#decoys.get(mechanism) as Decoy
    const salt = createHmac('sha512', decoySecret)
      .update(`${mechanism}\u0000${username}`)
      .digest()
      .subarray(0, Math.min(decoy.saltBytes, 64))
    return {
      credential: {
        salt,
        iterations: decoy.iterations,
        storedKey: decoy.storedKey,
        serverKey: decoy.serverKey,
        principal: Object.freeze({ name: username, method: 'sasl' as const, roles: [] }),
      },
      known: false,
    }
  }
}

const refused: AuthOutcome = { kind: 'invalid', detail: 'invalid username or password', weak: true }

/**
 * HTTP Basic (and SASL PLAIN) against SCRAM users. Like `basic`, with the same cache options, a
 * success is remembered briefly: PBKDF2 of thousands of iterations on every request would cost
 * more than the request.
 */
export class ScramPasswordAuthenticator implements AuthMethodHandler {
  readonly label = 'scram'
  readonly credential = 'basic'
  readonly challenge = `Basic realm="${REALM}", charset="UTF-8"`
  readonly #credentials: ScramCredentials
  /** One per mechanism: a user may have a different password for each. */
  readonly #caches = new Map<ScramMechanism, VerifiedCache>()

  constructor(credentials: ScramCredentials, options: PasswordCacheOptions = {}) {
    this.#credentials = credentials
    for (const mechanism of credentials.mechanisms) {
      this.#caches.set(mechanism, passwordCache(options))
    }
  }

  async authenticate(credentials: Credentials): Promise<AuthOutcome> {
    const basic = credentials.basic
    if (basic === undefined) return absent
    const { username, password } = basic
    for (const [mechanism, cache] of this.#caches) {
      const ok = await cache.verify(username, password, () =>
        this.#credentials.verifyPassword(mechanism, username, password)
      )
      const principal = ok ? this.#credentials.principal(mechanism, username) : undefined
      if (principal !== undefined) return { kind: 'ok', principal }
    }
    return refused
  }
}
