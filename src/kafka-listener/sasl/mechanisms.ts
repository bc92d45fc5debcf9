// Which SASL mechanisms a virtual cluster offers, and a server for the one a client picks. The
// mechanisms follow from its authentication methods: `basic` users log in with PLAIN, `scram`
// users with the SCRAM variants they have credentials for, `jwt` issuers with OAUTHBEARER.
import type { AuthMethodConfig } from '../../config/schema/index.ts'
import { scramHashes } from '../../policy/index.ts'
import { OAuthBearerServer } from './oauthbearer.ts'
import { PlainServer } from './plain.ts'
import { ScramServer, type ScramLogins } from './scram/server.ts'
import type { Authenticate, SaslMechanism, SaslServer } from './types.ts'

/** The mechanisms a virtual cluster's methods enable, in the order the methods are listed. */
export function mechanisms(methods: readonly AuthMethodConfig[]): SaslMechanism[] {
  const enabled = new Set<SaslMechanism>()
  for (const method of methods) {
    switch (method.kind) {
      case 'basic':
        enabled.add('PLAIN')
        break
      case 'scram':
        for (const user of method.users) enabled.add(scramHashes[user.mechanism].name)
        break
      case 'jwt':
        enabled.add('OAUTHBEARER')
        break
      case 'api-key':
      case 'anonymous':
        // No SASL mechanism carries an API key; anonymous means "no SASL at all".
        break
    }
  }
  return [...enabled]
}

/** What the policy engine checks SASL credentials with, for one virtual cluster. */
export interface SaslAuthentication {
  authenticate: Authenticate
  scramLogin: ScramLogins
}

export interface VirtualClusterSaslOptions {
  /** Wall-clock milliseconds, for OAUTHBEARER token lifetimes (default Date.now). */
  now?: () => number
}

/**
 * SASL termination for one virtual cluster: built once from its config (and again on reload),
 * then asked for a fresh server per SaslHandshake or re-authentication.
 */
export class VirtualClusterSasl {
  /** For the SaslHandshake response's `mechanisms`. */
  readonly mechanisms: readonly SaslMechanism[]
  readonly #enabled: ReadonlySet<string>
  readonly #authenticate: Authenticate
  readonly #scram: ScramLogins
  readonly #now: () => number

  /**
   * `authentication` is the policy engine's, bound to this virtual cluster:
   * `(credentials) => engine.authenticate(name, credentials)` and
   * `(mechanism, username) => engine.scramLogin(name, mechanism, username)`.
   */
  constructor(
    methods: readonly AuthMethodConfig[],
    authentication: SaslAuthentication,
    options: VirtualClusterSaslOptions = {}
  ) {
    this.mechanisms = Object.freeze(mechanisms(methods))
    this.#enabled = new Set(this.mechanisms)
    this.#authenticate = authentication.authenticate
    this.#scram = authentication.scramLogin
    this.#now = options.now ?? Date.now
  }

  /** A server for the mechanism the client named, or undefined if it is not enabled here. */
  server(mechanism: string): SaslServer | undefined {
    if (!this.#enabled.has(mechanism)) return undefined
    switch (mechanism as SaslMechanism) {
      case 'PLAIN':
        return new PlainServer(this.#authenticate)
      case 'SCRAM-SHA-256':
        return new ScramServer('scram-sha-256', this.#scram)
      case 'SCRAM-SHA-512':
        return new ScramServer('scram-sha-512', this.#scram)
      case 'OAUTHBEARER':
        return new OAuthBearerServer(this.#authenticate, { now: this.#now })
    }
  }
}
