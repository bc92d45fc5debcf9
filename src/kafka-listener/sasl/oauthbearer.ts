// SASL OAUTHBEARER (RFC 7628) as Kafka's clients speak it (KIP-255): the client's one message
// carries `auth=Bearer <JWT>`, verified by the virtual cluster's `jwt` methods, the same code as
// HTTP bearer tokens. A refusal follows RFC 7628 §3.2.2: the server answers with an error JSON as
// a challenge, the client acknowledges with a lone 0x01, and only then does the exchange fail, so
// Kafka's clients report it as an authentication failure rather than a protocol error.
import type { AuthResult } from '../../policy/index.ts'
import { fromSaslName } from './scram/messages.ts'
import {
  authenticated,
  failed,
  proceed,
  utf8,
  type Authenticate,
  type SaslServer,
  type SaslStep,
} from './types.ts'

export interface OAuthBearerInitialResponse {
  authzid: string | undefined
  token: string
  /** SASL extensions (KIP-342): every key/value pair other than `auth`. */
  extensions: ReadonlyMap<string, string>
}

const KEY = /^[A-Za-z]+$/
const VALUE = /^[\x21-\x7e \t\r\n]*$/
// Kafka's AUTH_PATTERN: a scheme, spaces, then a token of base64url characters and dots.
const AUTH = /^(\w+) +([-_.a-zA-Z0-9]+)$/

/** Parses `n,[a=<authzid>],\x01auth=Bearer <token>\x01[key=value\x01]*\x01`. */
export function parseInitialResponse(text: string): OAuthBearerInitialResponse | string {
  // GS2 header: only `n`, as Kafka accepts (no channel binding).
  const header = /^n,(a=[^,]*)?,/.exec(text)
  if (header === null) return 'expected a GS2 header "n,,"'
  let authzid: string | undefined
  if (header[1] !== undefined) {
    authzid = fromSaslName(header[1].slice(2))
    if (authzid === undefined) return 'invalid authorization id'
  }
  const rest = text.slice(header[0].length)
  if (rest.length < 2 || !rest.startsWith('\u0001') || !rest.endsWith('\u0001')) {
    return 'expected key/value pairs between 0x01 separators'
  }
  const body = rest.slice(1, -1)
  if (body !== '' && !body.endsWith('\u0001')) return 'expected a final 0x01 separator'
  const pairs = new Map<string, string>()
  for (const pair of body === '' ? [] : body.slice(0, -1).split('\u0001')) {
    const eq = pair.indexOf('=')
    const key = pair.slice(0, eq)
    const value = pair.slice(eq + 1)
    if (eq <= 0 || !KEY.test(key) || !VALUE.test(value)) return 'invalid key/value pair'
    if (pairs.has(key)) return `duplicate key "${key}"`
    pairs.set(key, value)
  }
  const auth = AUTH.exec(pairs.get('auth') ?? '')
  if (auth === null || auth[1]?.toLowerCase() !== 'bearer') {
    return 'expected auth=Bearer <token>'
  }
  pairs.delete('auth')
  return { authzid, token: auth[2] as string, extensions: pairs }
}

export interface OAuthBearerOptions {
  /** Wall-clock milliseconds, which token `exp` claims are measured against (default Date.now). */
  now?: () => number
}

export class OAuthBearerServer implements SaslServer {
  readonly mechanism = 'OAUTHBEARER'
  readonly #authenticate: Authenticate
  readonly #now: () => number
  /** After a refusal, the next message must be the client's 0x01 acknowledging the error. */
  #state: { at: 'initial' } | { at: 'refused'; detail: string } | { at: 'done' } = {
    at: 'initial',
  }

  constructor(authenticate: Authenticate, options: OAuthBearerOptions = {}) {
    this.#authenticate = authenticate
    this.#now = options.now ?? Date.now
  }

  async step(authBytes: Buffer): Promise<SaslStep> {
    const state = this.#state
    this.#state = { at: 'done' }
    // Anything but the acknowledgement is a protocol error; the outcome is a failure either way.
    if (state.at === 'refused') return failed(`Authentication failed: ${state.detail}`)
    if (state.at === 'done') {
      return failed('Authentication failed: the OAUTHBEARER exchange is already over')
    }
    const text = utf8(authBytes)
    const initial = text === undefined ? 'not UTF-8' : parseInitialResponse(text)
    if (typeof initial === 'string') {
      return failed(`Authentication failed: invalid OAUTHBEARER client first message: ${initial}`)
    }
    const result: AuthResult = await this.#authenticate({ bearerToken: initial.token })
    if ('decision' in result) return this.#refuse(result.decision.detail)
    const { principal } = result
    // Anonymous comes back when no method reads bearer tokens: never an OAUTHBEARER login.
    if (principal.method === 'anonymous') return this.#refuse('no method accepts bearer tokens')
    if (initial.authzid !== undefined && initial.authzid !== principal.name) {
      return this.#refuse(
        `Client requested an authorization id (${initial.authzid}) that is different from the token's principal name (${principal.name})`
      )
    }
    const exp = principal.claims?.exp
    // A token accepted within the clock tolerance after its expiry still gets a positive
    // lifetime: 0 would tell the client its session never expires.
    const lifetime =
      typeof exp === 'number' && Number.isFinite(exp)
        ? Math.max(1, Math.floor(exp * 1000 - this.#now()))
        : undefined
    return authenticated(principal, Buffer.alloc(0), lifetime)
  }

  #refuse(detail: string): SaslStep {
    this.#state = { at: 'refused', detail }
    // RFC 7628 §3.2.2; `status` from the OAuth error registry. The detail travels in the final
    // error message, which Kafka's clients show, rather than as a non-standard JSON member.
    return proceed(JSON.stringify({ status: 'invalid_token' }))
  }
}
