// The server side of SCRAM-SHA-256/512 as Kafka's brokers run it: client-first, server-first,
// client-final, server-final. This is the message exchange only: the policy engine holds the
// credentials and checks the proof (src/policy/authn/scram.ts). Every comparison here is
// constant-time, and all of them run whatever the engine answers.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { scramHashes, type ScramLogin, type ScramMechanism } from '../../../policy/index.ts'
import { authenticated, failed, proceed, utf8, type SaslServer, type SaslStep } from '../types.ts'
import {
  formatServerFirst,
  parseClientFinal,
  parseClientFirst,
  type ClientFirst,
} from './messages.ts'

/** The engine's SCRAM credentials for the virtual cluster: `(m, u) => engine.scramLogin(vc, m, u)`. */
export type ScramLogins = (mechanism: ScramMechanism, username: string) => ScramLogin

export interface ScramServerOptions {
  /** The server's half of the nonce; random unless a test pins it. */
  serverNonce?: () => string
}

type State =
  | { at: 'client-first' }
  | {
      at: 'client-final'
      first: ClientFirst
      login: ScramLogin
      nonce: string
      serverFirst: string
    }
  | { at: 'done' }

export class ScramServer implements SaslServer {
  readonly mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
  readonly #kind: ScramMechanism
  readonly #logins: ScramLogins
  readonly #serverNonce: () => string
  #state: State = { at: 'client-first' }

  constructor(mechanism: ScramMechanism, logins: ScramLogins, options: ScramServerOptions = {}) {
    this.#kind = mechanism
    this.mechanism = scramHashes[mechanism].name
    this.#logins = logins
    this.#serverNonce = options.serverNonce ?? (() => randomBytes(24).toString('base64url'))
  }

  async step(authBytes: Buffer): Promise<SaslStep> {
    const state = this.#state
    this.#state = { at: 'done' }
    switch (state.at) {
      case 'client-first':
        return this.#clientFirst(authBytes)
      case 'client-final':
        return this.#clientFinal(authBytes, state)
      case 'done':
        return failed(`Authentication failed: the ${this.mechanism} exchange is already over`)
    }
  }

  #clientFirst(authBytes: Buffer): SaslStep {
    const text = utf8(authBytes)
    const first = text === undefined ? 'not UTF-8' : parseClientFirst(text)
    if (typeof first === 'string') {
      return failed(
        `Authentication failed: invalid ${this.mechanism} client-first message: ${first}`
      )
    }
    // Neither check looks at stored users, so failing here says nothing about who exists.
    if (first.authzid !== undefined && first.authzid !== '' && first.authzid !== first.username) {
      return failed(
        'Authentication failed: the authorization id must be empty or equal to the username'
      )
    }
    if (first.extensions.get('tokenauth')?.toLowerCase() === 'true') {
      return failed('Authentication failed: delegation tokens are not supported')
    }
    const login = this.#logins(this.#kind, first.username)
    const nonce = first.nonce + this.#serverNonce()
    const serverFirst = formatServerFirst({ nonce, salt: login.salt, iterations: login.iterations })
    this.#state = { at: 'client-final', first, login, nonce, serverFirst }
    return proceed(serverFirst)
  }

  #clientFinal(
    authBytes: Buffer,
    { first, login, nonce, serverFirst }: Extract<State, { at: 'client-final' }>
  ): SaslStep {
    const text = utf8(authBytes)
    const final = text === undefined ? 'not UTF-8' : parseClientFinal(text)
    if (typeof final === 'string') {
      return failed(
        `Authentication failed: invalid ${this.mechanism} client-final message: ${final}`
      )
    }
    const authMessage = `${first.bare},${serverFirst},${final.withoutProof}`
    const verdict = login.verify(authMessage, final.proof)
    const sent = Buffer.from(final.nonce, 'utf8')
    // librdkafka before 2.6.1 (Debian 12's 2.0.2 among them) sends its own nonce again in front
    // of the full one (librdkafka#4895); Kafka 3.8.1 to 3.9 let that in, Kafka 4 no longer does.
    // That one form, and only it, is accepted too: the whole server nonce must still be echoed,
    // and the proof covers the message as sent, so replaying an old exchange still fails.
    const nonceOk =
      Number(sameBytes(sent, Buffer.from(nonce, 'utf8'))) |
      Number(sameBytes(sent, Buffer.from(first.nonce + nonce, 'utf8')))
    const bindingOk = sameBytes(final.channelBinding, Buffer.from(first.gs2Header, 'utf8'))
    // Every check runs before any is looked at; `&` keeps the evaluation free of short cuts.
    if (!verdict.ok || !(nonceOk & Number(bindingOk))) {
      return failed(
        `Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.mechanism}`
      )
    }
    return authenticated(verdict.principal, `v=${verdict.serverSignature.toString('base64')}`)
  }
}

/** Constant-time equality of byte strings of possibly different lengths. */
function sameBytes(a: Buffer, b: Buffer): boolean {
  // With lengths apart, b is compared with itself: the same work, and the length decides.
  return timingSafeEqual(a.length === b.length ? a : b, b) && a.length === b.length
}
