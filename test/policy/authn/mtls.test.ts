import { describe, expect, it } from 'vitest'
import { MtlsAuth } from '../../../src/config/schema/authentication.ts'
import { MtlsAuthenticator, verifiedCertificateSubject } from '../../../src/policy/authn/mtls.ts'

/** The part of a node TLSSocket the subject is read from. */
function tlsSocket(authorized: boolean, subject: Record<string, string | string[]>) {
  let reads = 0
  return {
    authorized,
    getPeerCertificate: () => {
      reads++
      return { subject }
    },
    reads: () => reads,
  }
}

describe('verifiedCertificateSubject', () => {
  it('writes the subject a verified connection presented, in its order', () => {
    const socket = tlsSocket(true, { CN: 'orders', O: 'Shop', OU: ['a', 'b'] })
    expect(verifiedCertificateSubject(socket)).toBe('CN=orders,O=Shop,OU=a+b')
  })

  it('reads a connection once: its certificate does not change', () => {
    const socket = tlsSocket(true, { CN: 'orders' })
    verifiedCertificateSubject(socket)
    verifiedCertificateSubject(socket)
    expect(socket.reads()).toBe(1)
  })

  it('has nothing for a certificate TLS did not verify, or a plain connection', () => {
    expect(verifiedCertificateSubject(tlsSocket(false, { CN: 'orders' }))).toBeUndefined()
    expect(verifiedCertificateSubject({})).toBeUndefined()
    expect(verifiedCertificateSubject(undefined)).toBeUndefined()
  })
})

describe('MtlsAuthenticator', () => {
  const principal = (principal: 'cn' | 'subject', subject: string) =>
    new MtlsAuthenticator(MtlsAuth.parse({ kind: 'mtls', principal })).authenticate({
      clientCertSubject: subject,
    })

  it('names the principal by the CN, or by the whole subject', () => {
    expect(principal('cn', 'CN=orders,O=Shop')).toMatchObject({
      kind: 'ok',
      principal: { name: 'orders', method: 'mtls' },
    })
    expect(principal('subject', 'CN=orders,O=Shop')).toMatchObject({
      kind: 'ok',
      principal: { name: 'CN=orders,O=Shop' },
    })
  })

  it('refuses a certificate without a CN when the CN names the principal', () => {
    expect(principal('cn', 'O=Shop')).toEqual({
      kind: 'invalid',
      detail: 'the client certificate has no common name',
    })
  })
})
