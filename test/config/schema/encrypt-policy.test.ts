// `kind: encrypt` policies in the configuration: defaults, what to encrypt said once, DEK bounds
// held to NIST's limit, and the KMS they name must exist.
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../src/config/index.ts'
import { configIssuesOf } from '../../support/config.ts'

const config = (policy: string) => `
backendClusters: [{ name: local, bootstrapServers: 127.0.0.1:9092 }]
virtualClusters: [{ name: vc, backendCluster: local, policies: [sealed] }]
listeners: [{ name: public, kind: http, port: 8080 }]
kms: [{ name: local, kind: keyring, file: ./keyring.yaml }]
policies:
  - name: sealed
    kind: encrypt
${policy}
`

const issuesOf = configIssuesOf

describe('encrypt policies', () => {
  it('reads fields by pointer and tag, with the default DEK bounds', () => {
    const parsed = parseConfig(
      config(`    kms: local
    kekId: orders
    topics: [orders]
    fields: { pointers: [/card/number], tags: [PII] }`),
      'test.yaml',
      {}
    )
    expect(parsed.policies[0]).toMatchObject({
      kind: 'encrypt',
      kms: 'local',
      kekId: 'orders',
      fields: { pointers: ['/card/number'], tags: ['PII'] },
      key: false,
      headers: [],
      maxEncryptionsPerDek: 2 ** 24,
      maxDekAgeMs: 3_600_000,
    })
  })

  it('refuses a KMS that is not configured, naming the known ones', () => {
    expect(issuesOf(config(`    kms: vault\n    kekId: orders\n    value: true`))).toEqual([
      expect.objectContaining({
        path: 'policies[0].kms',
        message: 'no kms named "vault" (known: "local")',
      }),
    ])
  })

  it('refuses the whole value and fields at once, and nothing to encrypt', () => {
    const both = `    kms: local\n    kekId: k\n    value: true\n    fields: { tags: [PII] }`
    expect(issuesOf(config(both))[0]?.message).toMatch(/value: true .* or fields, not both/)
    expect(issuesOf(config(`    kms: local\n    kekId: k`))[0]?.message).toMatch(
      /set what to encrypt/
    )
  })

  it('refuses more encryptions per data key than NIST allows random IVs', () => {
    const text = config(
      `    kms: local\n    kekId: k\n    value: true\n    maxEncryptionsPerDek: ${2 ** 32 + 1}`
    )
    expect(issuesOf(text)[0]?.path).toBe('policies[0].maxEncryptionsPerDek')
  })

  it('holds data keys 5 minutes by default, and refuses a ttlMs of 0', () => {
    const text = config(`    kms: local\n    kekId: k\n    value: true`)
    expect(parseConfig(text, 'test.yaml', {}).dataKeys).toEqual({
      ttlMs: 300_000,
      staleIfUnavailableMs: 3_600_000,
      recheckMs: 1_000,
      maxEntries: 1_000,
    })
    expect(issuesOf(`dataKeys: { ttlMs: 0 }\n${text}`)[0]?.path).toBe('dataKeys.ttlMs')
  })
})
