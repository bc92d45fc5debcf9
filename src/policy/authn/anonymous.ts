// The fallback for requests that carry no credentials any configured method reads.
import type { Credentials, Principal } from '../../core/principal.ts'
import type { AuthMethodHandler, AuthOutcome } from './method.ts'

export class AnonymousAuthenticator implements AuthMethodHandler {
  readonly label = 'anonymous'
  readonly credential = undefined
  readonly challenge = undefined
  readonly principal: Principal
  readonly #outcome: AuthOutcome

  constructor(roles: readonly string[] = []) {
    this.principal = Object.freeze({
      name: 'anonymous',
      method: 'anonymous' as const,
      roles: Object.freeze([...roles]),
    })
    this.#outcome = { kind: 'ok', principal: this.principal }
  }

  authenticate(_credentials: Credentials): AuthOutcome {
    return this.#outcome
  }
}
