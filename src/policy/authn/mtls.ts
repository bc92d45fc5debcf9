// Client certificates as credentials: the listener's TLS has already verified the chain against
// its `clientCaFile`; this only names the principal, from the certificate's CN or whole subject.
import type { TLSSocket } from 'node:tls'
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

/** Subjects already read, per TLS connection: a keep-alive connection carries many requests. */
const subjects = new WeakMap<object, string | undefined>()

/**
 * The credential a connection's TLS verified: the subject of the client certificate that chains
 * to the listener's `clientCaFile` (`CN=orders,O=Shop`), or undefined for a plain connection, no
 * certificate, or one TLS did not verify. Every door reads its client certificate here, so a
 * certificate names the same principal over HTTP, WebSocket and the Kafka protocol.
 */
export function verifiedCertificateSubject(socket: object | null | undefined): string | undefined {
  const tls = socket as Partial<TLSSocket> | null | undefined
  if (tls?.authorized !== true || typeof tls.getPeerCertificate !== 'function') return undefined
  if (subjects.has(tls)) return subjects.get(tls)
  const subject = tls.getPeerCertificate().subject as Record<string, string | string[]> | undefined
  const text =
    subject &&
    Object.entries(subject)
      .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`)
      .join(',')
  subjects.set(tls, text)
  return text
}

/** The CN of an RFC 2253-style subject (`CN=orders,O=Shop`), as Node's TLS reports it. */
function commonName(subject: string): string | undefined {
  for (const part of subject.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
    const [key, ...value] = part.split('=')
    if (key?.trim().toUpperCase() === 'CN') return value.join('=').trim()
  }
  return undefined
}
