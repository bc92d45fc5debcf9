// The SCRAM users of one virtual cluster, from its `scram` authentication methods. A lookup
// always yields a credential: unknown users get a decoy, so the exchange that follows looks the
// same whether or not the user exists (no enumeration by message, salt or timing).
import { createHmac, randomBytes } from 'node:crypto'
import type { AuthMethodConfig } from '../../../config/schema/index.ts'
import type { Principal } from '../../../core/principal.ts'
import { DEFAULT_ITERATIONS, scramHashes, type ScramMechanism } from './crypto.ts'

export type ScramMethodConfig = Extract<AuthMethodConfig, { kind: 'scram' }>

export interface ScramCredential {
  salt: Buffer
  iterations: number
  storedKey: Buffer
  serverKey: Buffer
  principal: Principal
}

export interface ScramLookup {
  credential: ScramCredential
  /** False for a decoy: the exchange runs to its end and then fails. */
  known: boolean
}

interface Decoy {
  saltBytes: number
  iterations: number
  storedKey: Buffer
  serverKey: Buffer
}

export class ScramCredentials {
  readonly #users = new Map<ScramMechanism, Map<string, ScramCredential>>()
  readonly #decoys = new Map<ScramMechanism, Decoy>()
  /** Keys the decoy salts: stable per username, so asking twice does not give unknown users away. */
  readonly #decoySecret = randomBytes(32)

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
    for (const mechanism of ['scram-sha-256', 'scram-sha-512'] as const) {
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

  lookup(mechanism: ScramMechanism, username: string): ScramLookup {
    const credential = this.#users.get(mechanism)?.get(username)
    if (credential !== undefined) return { credential, known: true }
    const decoy = this.#decoys.get(mechanism) as Decoy
    const salt = createHmac('sha512', this.#decoySecret)
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
