// The client side of SCRAM-SHA-256/512, for Weir's own login to a backend cluster. It checks what
// a broker could get wrong or fake: a nonce that does not extend ours, too few iterations (or so
// many that deriving the key would stall us), and the ServerSignature proving the broker knows
// our credential.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import {
  clientProof,
  MIN_ITERATIONS,
  scramHashes,
  type ScramMechanism,
} from '../../../policy/index.ts'
import {
  formatClientFirst,
  formatClientFinalWithoutProof,
  parseServerFinal,
  parseServerFirst,
} from './messages.ts'
import { utf8 } from '../types.ts'

/** Far above any broker's setting (Kafka allows up to 16384), low enough to bound our work. */
export const MAX_ITERATIONS = 1_000_000

export class ScramClientError extends Error {
  override name = 'ScramClientError'
}

export interface ScramClientOptions {
  /** The client's nonce; random unless a test pins it. */
  nonce?: string
}

type State =
  | { at: 'start' }
  | { at: 'server-first' }
  | { at: 'server-final'; serverSignature: Buffer }
  | { at: 'done' }

export class ScramClient {
  readonly mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
  readonly #kind: ScramMechanism
  readonly #password: string
  readonly #nonce: string
  readonly #gs2Header: string
  readonly #bare: string
  #state: State = { at: 'start' }

  constructor(
    mechanism: ScramMechanism,
    username: string,
    password: string,
    options: ScramClientOptions = {}
  ) {
    this.#kind = mechanism
    this.mechanism = scramHashes[mechanism].name
    this.#password = password
    this.#nonce = options.nonce ?? randomBytes(24).toString('base64url')
    const first = formatClientFirst(username, this.#nonce)
    this.#gs2Header = first.gs2Header
    this.#bare = first.bare
  }

  /** The client-first message: the first SaslAuthenticate authBytes. */
  first(): Buffer {
    this.#advance('start', { at: 'server-first' })
    return Buffer.from(this.#gs2Header + this.#bare, 'utf8')
  }

  /** The client-final message answering the server-first one. */
  async final(serverFirstBytes: Buffer): Promise<Buffer> {
    this.#advance('server-first', { at: 'done' })
    const text = utf8(serverFirstBytes)
    const serverFirst = text === undefined ? 'not UTF-8' : parseServerFirst(text)
    if (typeof serverFirst === 'string') {
      throw new ScramClientError(`invalid ${this.mechanism} server-first message: ${serverFirst}`)
    }
    const { nonce, salt, iterations } = serverFirst
    if (!nonce.startsWith(this.#nonce) || nonce.length === this.#nonce.length) {
      throw new ScramClientError(`the ${this.mechanism} server nonce does not extend ours`)
    }
    if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      throw new ScramClientError(
        `the server asks for ${iterations} ${this.mechanism} iterations (allowed: ${MIN_ITERATIONS} to ${MAX_ITERATIONS})`
      )
    }
    const withoutProof = formatClientFinalWithoutProof(this.#gs2Header, nonce)
    const authMessage = `${this.#bare},${text},${withoutProof}`
    const { proof, serverSignature } = await clientProof(
      this.#kind,
      this.#password,
      salt,
      iterations,
      authMessage
    )
    this.#state = { at: 'server-final', serverSignature }
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8')
  }

  /** Checks the server-final message; throws unless it carries the expected ServerSignature. */
  verify(serverFinalBytes: Buffer): void {
    const state = this.#state
    this.#advance('server-final', { at: 'done' })
    if (state.at !== 'server-final') return
    const text = utf8(serverFinalBytes)
    const final = text === undefined ? 'not UTF-8' : parseServerFinal(text)
    if (typeof final === 'string') {
      throw new ScramClientError(`invalid ${this.mechanism} server-final message: ${final}`)
    }
    if ('error' in final) {
      throw new ScramClientError(`the server refused ${this.mechanism}: ${final.error}`)
    }
    const expected = state.serverSignature
    if (final.signature.length !== expected.length || !timingSafeEqual(final.signature, expected)) {
      throw new ScramClientError(
        `the ${this.mechanism} server signature is wrong: the server does not know our credential`
      )
    }
  }

  #advance(expected: State['at'], next: State): void {
    if (this.#state.at !== expected) {
      throw new ScramClientError(
        `${this.mechanism} client used out of order (at ${this.#state.at})`
      )
    }
    this.#state = next
  }
}
