// The `kms:` entries of the configuration: both providers with their defaults, secrets from
// ${file:...} and redacted like every other, and names unique.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../src/config/index.ts'
import { redactSecrets } from '../../../src/control/secrets.ts'
import { configIssuesOf } from '../../support/config.ts'

const config = (kms: string) => `
backendClusters: [{ name: local, bootstrapServers: 127.0.0.1:9092 }]
virtualClusters: [{ name: vc, backendCluster: local }]
listeners: [{ name: public, kind: http, port: 8080 }]
kms:
${kms}
`

const issuesOf = configIssuesOf

describe('kms entries', () => {
  it('reads a keyring and an AWS KMS with its defaults and a secret from ${file:...}', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weir-kms-'))
    const secret = path.join(dir, 'aws-secret')
    writeFileSync(secret, 'wJalrXUtnFEMI\n')
    const text = config(`  - name: local
    kind: keyring
    file: ./keyring.yaml
  - name: aws
    kind: aws
    region: eu-west-1
    endpoint: http://127.0.0.1:4566
    credentials:
      accessKeyId: AKIAEXAMPLE
      secretAccessKey: \${file:${secret}}`)
    const parsed = parseConfig(text, 't', {})
    expect(parsed.kms).toEqual([
      { name: 'local', kind: 'keyring', file: './keyring.yaml' },
      {
        name: 'aws',
        kind: 'aws',
        region: 'eu-west-1',
        endpoint: 'http://127.0.0.1:4566',
        credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI' },
        requestTimeoutMs: 5_000,
        maxAttempts: 3,
      },
    ])
    const redacted = redactSecrets({ kms: parsed.kms }) as { kms: { credentials?: unknown }[] }
    expect(redacted.kms[1]?.credentials).toEqual({
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: '<redacted>',
    })
  })

  it('defaults to none', () => {
    expect(parseConfig(config('  []'), 't', {}).kms).toEqual([])
  })

  it('refuses duplicate names, unknown kinds and an AWS KMS without a region', () => {
    const issues = issuesOf(
      config(`  - { name: k, kind: keyring, file: a.yaml }
  - { name: k, kind: keyring, file: b.yaml }
  - { name: v, kind: vault }
  - { name: a, kind: aws }`)
    )
    const paths = issues.map((i) => i.path)
    expect(paths).toEqual(expect.arrayContaining(['kms[2].kind', 'kms[3].region']))
    expect(
      issuesOf(
        config(`  - { name: k, kind: keyring, file: a.yaml }
  - { name: k, kind: keyring, file: b.yaml }`)
      )
    ).toEqual([expect.objectContaining({ message: 'duplicate name "k" in kms' })])
  })
})
