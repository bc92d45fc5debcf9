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
      .map(([key, value]) => {
        const values = Array.isArray(value) ? value : [value]
        return `${key}=${values.map(escapeValue).join('+')}`
      })
      .join(',')
  subjects.set(tls, text)
  return text
}

/**
 * An attribute value as RFC 4514 writes it: a separator inside a value is escaped, so that an
 * organisation named `x,CN=admin` cannot pose as the CN that names the principal.
 */
function escapeValue(value: string): string {
  return value.replace(/[\\,+";<>]/g, '\\$&').replace(/^[ #]| $/g, '\\$&')
}

/** The CN of an RFC 4514-style subject (`CN=orders,O=Shop`): escaped or quoted values read as such. */
function commonName(subject: string): string | undefined {
  for (const [key, value] of attributes(subject)) if (key.toUpperCase() === 'CN') return value
  return undefined
}

/** The attributes of a subject, in order, with their values unescaped and unquoted. */
function attributes(subject: string): [string, string][] {
  const found: [string, string][] = []
  let key = ''
  let value: string | undefined
  let quoted = false
  for (let i = 0; i < subject.length; i++) {
    let char = subject[i] as string
    if (char === '\\' && i + 1 < subject.length) char = subject[++i] as string
    else if (char === '"') {
      quoted = !quoted
      continue
    } else if (char === ',' && !quoted) {
      found.push([key.trim(), (value ?? '').trim()])
      key = ''
      value = undefined
      continue
    } else if (char === '=' && value === undefined) {
      value = ''
      continue
    }
    if (value === undefined) key += char
    else value += char
  }
  if (key !== '') found.push([key.trim(), (value ?? '').trim()])
  return found
}
