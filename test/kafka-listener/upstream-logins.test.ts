import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { BackendClusterConfig } from '../../src/config/index.ts'
import { BackendCluster } from '../../src/config/schema/clusters.ts'
import { upstreamLogins } from '../../src/kafka-listener/upstream-logins.ts'

const dir = mkdtempSync(path.join(tmpdir(), 'weir-upstream-'))
const file = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text)
  return path.join(dir, name)
}
const backend: BackendClusterConfig = BackendCluster.parse({
  name: 'main',
  bootstrapServers: ['127.0.0.1:9093'],
  tls: { caFile: file('ca.crt', 'CA') },
  sasl: { mechanism: 'plain', username: 'weir', password: 'weir-pw' },
})
const sasl = (username: string) => ({ mechanism: 'plain' as const, username, password: 'pw' })
const certificate = (name: string) => ({
  certFile: file(`${name}.crt`, `${name} certificate`),
  keyFile: file(`${name}.key`, `${name} key`),
  passphrase: `${name} passphrase`,
})
const identities = {
  undefined: undefined,
  alice: { sasl: sasl('alice') },
  bob: { tls: certificate('bob') },
  carol: { tls: certificate('carol') },
}

describe('upstreamLogins', () => {
  const loginOf = upstreamLogins(
    backend,
    (principal) => identities[(principal?.name ?? 'undefined') as keyof typeof identities]
  )
  const of = (name: string) => loginOf?.({ name, method: 'basic', roles: [] })

  it("logs in with the identity's SASL over the backend's own TLS, or the backend's SASL", () => {
    expect(loginOf?.(undefined)).toMatchObject({ sasl: backend.sasl })
    expect(of('alice')).toMatchObject({ sasl: sasl('alice') })
    // Same transport: only the SASL login tells them apart.
    expect(of('alice')?.tls).toBe(loginOf?.(undefined)?.tls)
  })

  it("presents a certificate identity's certificate, over the backend's CA, and no SASL", () => {
    const bob = of('bob')
    expect(bob?.sasl).toBeUndefined()
    expect(bob?.tls).toMatchObject({
      ca: Buffer.from('CA'),
      cert: Buffer.from('bob certificate'),
      key: Buffer.from('bob key'),
      passphrase: 'bob passphrase',
    })
    expect(of('carol')?.tls).not.toBe(bob?.tls)
  })

  it('answers the same login for the same identity, so that === says a connection is right', () => {
    expect(of('bob')).toBe(of('bob'))
    expect(of('alice')).toBe(of('alice'))
    expect(of('alice')).not.toBe(loginOf?.(undefined))
  })

  it('is undefined where client SASL passes through to the broker (no login of its own)', () => {
    expect(upstreamLogins(backend, undefined)).toBeUndefined()
  })
})
