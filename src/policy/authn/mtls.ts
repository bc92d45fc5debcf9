// Client certificates as credentials: the listener's TLS has already verified the chain against
// its `clientCaFile`; this only names the principal, from the certificate's CN or whole subject.
import type { MtlsAuthConfig } from '../../config/schema/index.ts'
import type { Credentials } from '../../core/principal.ts'
import { absent, type AuthMethodHandler, type AuthOutcome } from './method.ts'

export class MtlsAuthenticator implements AuthMethodHandler {
  readonly label = 'a client certificate'
  readonly credential = 'clientCert' as const
  readonly challenge = undefined
  readonly #config: MtlsAuthConfig

  constructor(config: MtlsAuthConfig) {
    this.#config = config
  }

  authenticate(credentials: Credentials): AuthOutcome {
    const subject = credentials.clientCertSubject
    if (subject === undefined) return absent
    const name = this.#config.principal === 'subject' ? subject : commonName(subject)
    if (!name) return { kind: 'invalid', detail: 'the client certificate has no common name' }
    return {
      kind: 'ok',
      principal: { name, method: 'mtls', roles: Object.freeze([...this.#config.roles]) },
    }
  }
}

/** The CN of an RFC 2253-style subject (`CN=orders,O=Shop`), as Node's TLS reports it. */
function commonName(subject: string): string | undefined {
  for (const part of subject.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
    const [key, ...value] = part.split('=')
    if (key?.trim().toUpperCase() === 'CN') return value.join('=').trim()
  }
  return undefined
}
