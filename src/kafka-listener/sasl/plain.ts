// SASL PLAIN (RFC 4616): one message, `authzid NUL authcid NUL password`, checked against the
// virtual cluster's `basic` users (scrypt) by the same authenticator the HTTP door uses. Messages
// follow Kafka's PlainSaslServer so clients show what they would show against a broker.
import {
  authenticated,
  failed,
  utf8,
  type Authenticate,
  type SaslServer,
  type SaslStep,
} from './types.ts'

export class PlainServer implements SaslServer {
  readonly mechanism = 'PLAIN'
  readonly #authenticate: Authenticate
  #done = false

  constructor(authenticate: Authenticate) {
    this.#authenticate = authenticate
  }

  async step(authBytes: Buffer): Promise<SaslStep> {
    if (this.#done) return failed('Authentication failed: the PLAIN exchange is already over')
    this.#done = true
    const parts = utf8(authBytes)?.split('\u0000')
    if (parts?.length !== 3) {
      return failed('Authentication failed: invalid SASL/PLAIN response: expected 3 tokens')
    }
    const [authzid, username, password] = parts as [string, string, string]
    if (username === '') return failed('Authentication failed: username not specified')
    if (password === '') return failed('Authentication failed: password not specified')
    // Weir has no proxy users: a client may only act as itself.
    if (authzid !== '' && authzid !== username) {
      return failed(
        'Authentication failed: Client requested an authorization id that is different from username'
      )
    }
    const result = await this.#authenticate({ basic: { username, password } })
    // Anonymous comes back when no method reads a username and password: never a PLAIN login.
    if ('decision' in result || result.principal.method === 'anonymous') {
      return failed('Authentication failed: Invalid username or password')
    }
    return authenticated(result.principal)
  }
}

/** The PLAIN message a client sends (authzid empty: act as the authenticated user). */
export function plainMessage(username: string, password: string): Buffer {
  return Buffer.from(`\u0000${username}\u0000${password}`, 'utf8')
}
