// One virtual cluster's authentication: its methods, tried in order. The first credential kind a
// method finds present decides; anonymous (if configured) only catches requests that carry none.
import type { AuthMethodConfig } from '../../config/schema/index.ts'
import type { Decision } from '../../core/decision.ts'
import type { Credentials, Principal } from '../../core/principal.ts'
import { AnonymousAuthenticator } from './anonymous.ts'
import { ApiKeyAuthenticator } from './api-key.ts'
import { BasicAuthenticator, type BasicOptions } from './basic.ts'
import { JwtAuthenticator, type JwksOptions } from './jwt.ts'
import { MtlsAuthenticator } from './mtls.ts'
import type { AuthMethodHandler, AuthOutcome } from './method.ts'
import { ScramCredentials, ScramPasswordAuthenticator, type ScramLogin } from './scram.ts'
import type { ScramMechanism } from './scram-keys.ts'

export type DenyDecision = Extract<Decision, { verdict: 'deny' }>
export type AuthResult = { principal: Principal } | { decision: DenyDecision }

export interface AuthenticatorOptions {
  jwks?: JwksOptions
  basic?: BasicOptions
}

type Invalid = Extract<AuthOutcome, { kind: 'invalid' }>

export class Authenticator {
  /** Lowercase header names API keys arrive in, for the HTTP and WebSocket doors to read. */
  readonly apiKeyHeaders: readonly string[]
  readonly #methods: readonly AuthMethodHandler[]
  readonly #anonymous: AuthResult | undefined
  readonly #missing: AuthResult
  readonly #scram: ScramCredentials

  constructor(configs: readonly AuthMethodConfig[], options: AuthenticatorOptions = {}) {
    const methods: AuthMethodHandler[] = []
    // Every scram method's users in one store, tried where the first scram method is listed.
    this.#scram = new ScramCredentials(configs)
    let scram: ScramPasswordAuthenticator | undefined
    let anonymous: AnonymousAuthenticator | undefined
    for (const config of configs) {
      switch (config.kind) {
        case 'api-key':
          methods.push(new ApiKeyAuthenticator(config))
          break
        case 'jwt':
          methods.push(new JwtAuthenticator(config, options.jwks))
          break
        case 'basic':
          methods.push(new BasicAuthenticator(config, options.basic))
          break
        case 'mtls':
          methods.push(new MtlsAuthenticator(config))
          break
        case 'anonymous':
          anonymous ??= new AnonymousAuthenticator(config.roles)
          break
        case 'scram':
          // The SASL exchange is the Kafka listener's; a password (HTTP Basic) is checked here.
          if (scram === undefined) {
            scram = new ScramPasswordAuthenticator(this.#scram, options.basic)
            methods.push(scram)
          }
          break
      }
    }
    // No methods at all: the virtual cluster is open, everyone is anonymous.
    if (configs.length === 0) anonymous = new AnonymousAuthenticator()
    this.#methods = methods
    this.apiKeyHeaders = [
      ...new Set(methods.flatMap((m) => (m instanceof ApiKeyAuthenticator ? [m.header] : []))),
    ]
    this.#anonymous = anonymous === undefined ? undefined : { principal: anonymous.principal }
    const labels = [...new Set(methods.map((m) => m.label))]
    const challenges = [...new Set(methods.flatMap((m) => (m.challenge ? [m.challenge] : [])))]
    this.#missing = {
      decision: {
        verdict: 'deny',
        code: 'unauthenticated',
        detail: `credentials required: ${labels.join(', ')}`,
        policy: 'authentication',
        ...(challenges.length === 0
          ? {}
          : { headers: { 'WWW-Authenticate': challenges.join(', ') } }),
      },
    }
  }

  /**
   * Who the credentials belong to, or the refusal. Synchronous while every method it asks answers
   * synchronously (API keys, mTLS, anonymous: most requests); a promise once one has to wait.
   */
  authenticate(credentials: Credentials): AuthResult | Promise<AuthResult> {
    return this.#from(credentials, 0, undefined)
  }

  /** Methods from `index` on, after the refusal (if any) of those before. */
  #from(
    credentials: Credentials,
    index: number,
    failure: Failure | undefined
  ): AuthResult | Promise<AuthResult> {
    const methods = this.#methods
    for (let i = index; i < methods.length; i++) {
      const method = methods[i] as AuthMethodHandler
      // Once one kind of credential has been judged, only methods for that same kind may still
      // accept it (two issuers, two key lists); other kinds never override a refusal.
      if (failure !== undefined && method.credential !== failure.method.credential) continue
      const outcome = method.authenticate(credentials)
      if (outcome instanceof Promise) {
        return outcome.then((settled) => {
          const judged = judge(method, settled, failure)
          return 'principal' in judged ? judged : this.#from(credentials, i + 1, judged.failure)
        })
      }
      const judged = judge(method, outcome, failure)
      if ('principal' in judged) return judged
      failure = judged.failure
    }
    if (failure !== undefined) return { decision: refusal(failure.method, failure.outcome) }
    return this.#anonymous ?? this.#missing
  }

  /** The credential a SCRAM exchange runs against: the user's, or a decoy for anyone else. */
  scramLogin(mechanism: ScramMechanism, username: string): ScramLogin {
    return this.#scram.login(mechanism, username)
  }
}

interface Failure {
  method: AuthMethodHandler
  outcome: Invalid
}

/** One method's outcome: its principal, or the refusal that stands so far (the strongest one). */
function judge(
  method: AuthMethodHandler,
  outcome: AuthOutcome,
  failure: Failure | undefined
): { principal: Principal } | { failure: Failure | undefined } {
  if (outcome.kind === 'ok') return { principal: outcome.principal }
  if (outcome.kind === 'absent') return { failure }
  if (failure === undefined || (failure.outcome.weak === true && outcome.weak !== true))
    return { failure: { method, outcome } }
  return { failure }
}

function refusal(method: AuthMethodHandler, outcome: Invalid): DenyDecision {
  const code = outcome.code ?? 'unauthenticated'
  const challenge = outcome.challenge ?? method.challenge
  return {
    verdict: 'deny',
    code,
    detail: outcome.detail,
    policy: method.label,
    ...(code === 'unauthenticated' && challenge !== undefined
      ? { headers: { 'WWW-Authenticate': challenge } }
      : {}),
  }
}
