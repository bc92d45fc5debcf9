import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/index.ts'
import { configIssuesOf } from '../support/config.ts'

const config = (vc: string) => `
backendClusters:
  - name: local
    bootstrapServers: 127.0.0.1:9092
    sasl: { mechanism: plain, username: weir, password: weir-secret }
virtualClusters:
  - name: vc
    backendCluster: local
${vc}
listeners:
  - name: public
    kind: http
    port: 8080
`

const authenticated = `    authentication:
      - kind: api-key
        keys: [{ principal: alice, sha256: ${'a'.repeat(64)} }]
`

const issuesOf = configIssuesOf

describe('backend identities in the configuration', () => {
  it('reads a password from ${file:...}, less its trailing newline, and keeps it a string', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weir-secret-'))
    const file = path.join(dir, 'tenant-a')
    writeFileSync(file, '123456\n')
    const parsed = parseConfig(
      config(`${authenticated}    backendIdentity:
      sasl:
        mechanism: scram-sha-512
        username: tenant-a
        password: \${file:${file}}
    backendIdentities:
      - principals: [alice]
        sasl: { mechanism: plain, username: alice, password: '\${ALICE}' }`),
      't',
      { ALICE: 'from-env' }
    )
    const vc = parsed.virtualClusters[0]
    expect(vc?.backendIdentity?.sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'tenant-a',
      password: '123456',
    })
    expect(vc?.backendIdentities[0]).toMatchObject({
      principals: ['alice'],
      sasl: { password: 'from-env' },
    })
  })

  it('names a secret file that cannot be read, and nothing of what it holds', () => {
    const issues = issuesOf(
      config(`${authenticated}    backendIdentity:
      sasl: { mechanism: plain, username: a, password: '\${file:/nonexistent/secret}' }`)
    )
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'virtualClusters[0].backendIdentity.sasl.password',
        message:
          'cannot read the file /nonexistent/secret named by ${file:/nonexistent/secret} (ENOENT)',
      }),
    ])
  })

  it('takes a client certificate instead of SASL, its key and passphrase from files or the environment', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weir-secret-'))
    const passphrase = path.join(dir, 'passphrase')
    writeFileSync(passphrase, 'unlock\n')
    const parsed = parseConfig(
      config(`${authenticated}    backendIdentity:
      tls: { certFile: /certs/tenant-a.crt, keyFile: '\${KEY_FILE}', passphrase: '\${file:${passphrase}}' }
    backendIdentities:
      - principals: [alice]
        tls: { certFile: /certs/alice.crt, keyFile: /certs/alice.key }`),
      't',
      { KEY_FILE: '/run/secrets/tenant-a.key' }
    )
    const vc = parsed.virtualClusters[0]
    expect(vc?.backendIdentity).toEqual({
      tls: {
        certFile: '/certs/tenant-a.crt',
        keyFile: '/run/secrets/tenant-a.key',
        passphrase: 'unlock',
      },
    })
    expect(vc?.backendIdentities[0]).toEqual({
      principals: ['alice'],
      tls: { certFile: '/certs/alice.crt', keyFile: '/certs/alice.key' },
    })
  })

  it('refuses an identity with both SASL and a certificate, or with neither', () => {
    const issues = issuesOf(
      config(`${authenticated}    backendIdentity:
      sasl: { mechanism: plain, username: a, password: b }
      tls: { certFile: a.crt, keyFile: a.key }
    backendIdentities:
      - principals: [alice]`)
    )
    const exactlyOne =
      'a backend identity is either `sasl` or `tls` (a client certificate), exactly one'
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      `virtualClusters[0].backendIdentity: ${exactlyOne}`,
      `virtualClusters[0].backendIdentities[0]: ${exactlyOne}`,
    ])
  })

  it('refuses a backend identity where the gateway authenticates nobody', () => {
    const issues = issuesOf(
      config(`    backendIdentity:
      sasl: { mechanism: plain, username: a, password: b }`)
    )
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'virtualClusters[0].backendIdentity: a backend identity needs authentication at the gateway (authentication: [...])',
    ])
  })
})
