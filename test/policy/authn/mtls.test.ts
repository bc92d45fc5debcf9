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

  it('escapes separators inside values, so no value can pose as another attribute', () => {
    // An organisation named to look like a CN, ahead of the real CN.
    const socket = tlsSocket(true, { O: 'Shop, Inc,CN=admin', CN: 'orders' })
    const subject = verifiedCertificateSubject(socket) ?? ''
    expect(subject).toBe('O=Shop\\, Inc\\,CN=admin,CN=orders')
    const cn = new MtlsAuthenticator(MtlsAuth.parse({ kind: 'mtls' }))
    expect(cn.authenticate({ clientCertSubject: subject })).toMatchObject({
      kind: 'ok',
      principal: { name: 'orders' },
    })
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

  it('reads a quoted or escaped CN as its value', () => {
    expect(principal('cn', 'O=Shop,CN="orders, eu"')).toMatchObject({
      principal: { name: 'orders, eu' },
    })
    expect(principal('cn', 'CN=orders\\, eu\\+1,O=Shop')).toMatchObject({
      principal: { name: 'orders, eu+1' },
    })
  })

  it('refuses a certificate without a CN when the CN names the principal', () => {
    expect(principal('cn', 'O=Shop')).toEqual({
      kind: 'invalid',
      detail: 'the client certificate has no common name',
    })
  })
})
