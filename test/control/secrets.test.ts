// Secrets are write-only through the admin API: shown as a marker, kept when the marker comes
// back, matched by name rather than position so that editing a list keeps the right secrets.
import { describe, expect, it } from 'vitest'
import { REDACTED, redactSecrets, restoreSecrets } from '../../src/control/secrets.ts'

const doc = {
  backendClusters: [
    {
      name: 'main',
      bootstrapServers: ['kafka:9092'],
      sasl: { mechanism: 'scram-sha-256', username: 'weir', password: 'kafka-password' },
    },
  ],
  schemaRegistries: [
    {
      name: 'registry',
      url: 'https://registry.example.com',
      basicAuth: { username: 'reg', password: 'registry-password' },
    },
    { name: 'bearer', url: 'https://other.example.com', bearerToken: 'registry-bearer-token' },
  ],
  virtualClusters: [
    {
      name: 'vc',
      backendCluster: 'main',
      authentication: [
        {
          kind: 'api-key',
          keys: [
            { principal: 'alice', sha256: 'a'.repeat(64) },
            { principal: 'bob', sha256: 'b'.repeat(64) },
          ],
        },
        {
          kind: 'basic',
          users: [{ username: 'carol', passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA' }],
        },
      ],
    },
  ],
  admin: { port: 9000, tokens: [{ name: 'ops', sha256: 'c'.repeat(64) }] },
}

describe('redactSecrets', () => {
  it('replaces every secret with the marker and leaves the rest', () => {
    const redacted = redactSecrets(doc)
    const text = JSON.stringify(redacted)
    for (const secret of [
      'kafka-password',
      'registry-password',
      'registry-bearer-token',
      'a'.repeat(64),
      'b'.repeat(64),
      'c'.repeat(64),
      'scrypt$',
    ]) {
      expect(text).not.toContain(secret)
    }
    expect(redacted.backendClusters[0]?.sasl).toEqual({
      mechanism: 'scram-sha-256',
      username: 'weir',
      password: REDACTED,
    })
    expect(redacted.virtualClusters[0]?.authentication[0]?.keys?.[1]).toEqual({
      principal: 'bob',
      sha256: REDACTED,
    })
    expect(redacted.schemaRegistries[1]?.bearerToken).toBe(REDACTED)
    // The input is not touched.
    expect(doc.backendClusters[0]?.sasl.password).toBe('kafka-password')
  })

  it("hides a virtual cluster's backend identities (credential mapping)", () => {
    const sasl = (username: string) => ({
      mechanism: 'plain',
      username,
      password: `${username}-pw`,
    })
    const redacted = redactSecrets({
      backendIdentity: { sasl: sasl('tenant-a') },
      backendIdentities: [{ principals: ['alice'], sasl: sasl('alice') }],
    })
    expect(redacted.backendIdentity.sasl).toEqual({ ...sasl('tenant-a'), password: REDACTED })
    expect(redacted.backendIdentities[0]?.sasl.password).toBe(REDACTED)
  })

  it("hides a certificate identity's key and passphrase, not its certificate", () => {
    const redacted = redactSecrets({
      backendIdentity: {
        tls: { certFile: '/certs/a.crt', keyFile: '/certs/a.key', passphrase: 'unlock' },
      },
    })
    expect(redacted.backendIdentity.tls).toEqual({
      certFile: '/certs/a.crt',
      keyFile: REDACTED,
      passphrase: REDACTED,
    })
  })
})

describe('restoreSecrets', () => {
  it('gives back the document it was redacted from', () => {
    expect(restoreSecrets(redactSecrets(doc), doc)).toEqual(doc)
  })

  it('keeps a secret sent as itself', () => {
    const candidate = redactSecrets(doc)
    candidate.backendClusters[0]!.sasl.password = 'new-password'
    const restored = restoreSecrets(candidate, doc) as typeof doc
    expect(restored.backendClusters[0]?.sasl.password).toBe('new-password')
    expect(restored.schemaRegistries[0]?.basicAuth?.password).toBe('registry-password')
  })

  it('matches list items by name, not position', () => {
    const candidate = redactSecrets(doc)
    candidate.virtualClusters[0]!.authentication[0]!.keys!.reverse()
    candidate.schemaRegistries.reverse()
    const restored = restoreSecrets(candidate, doc) as typeof doc
    expect(restored.virtualClusters[0]?.authentication[0]?.keys).toEqual([
      { principal: 'bob', sha256: 'b'.repeat(64) },
      { principal: 'alice', sha256: 'a'.repeat(64) },
    ])
    expect(restored.schemaRegistries.map((r) => r.name)).toEqual(['bearer', 'registry'])
    expect(restored.schemaRegistries[0]?.bearerToken).toBe('registry-bearer-token')
  })

  it('keeps each key of a principal that has several (a key being rotated)', () => {
    const current = {
      keys: [
        { principal: 'alice', sha256: 'a'.repeat(64) },
        { principal: 'alice', sha256: 'd'.repeat(64) },
      ],
    }
    expect(restoreSecrets(redactSecrets(current), current)).toEqual(current)
  })

  it('keeps each SCRAM entry of a user who has one per mechanism', () => {
    const current = {
      users: [
        { username: 'u', mechanism: 'scram-sha-256', storedKey: 'k256', serverKey: 's256' },
        { username: 'u', mechanism: 'scram-sha-512', storedKey: 'k512', serverKey: 's512' },
      ],
    }
    const candidate = redactSecrets(current)
    candidate.users.reverse()
    expect(restoreSecrets(candidate, current)).toEqual({ users: [...current.users].reverse() })
  })

  it('matches authentication methods by kind when they are reordered', () => {
    const candidate = redactSecrets(doc)
    candidate.virtualClusters[0]!.authentication.reverse()
    const restored = restoreSecrets(candidate, doc) as typeof doc
    expect(restored.virtualClusters[0]?.authentication).toEqual(
      [...doc.virtualClusters[0]!.authentication].reverse()
    )
  })

  it('refuses a marker where no secret was set, naming where', () => {
    const candidate = redactSecrets(doc)
    candidate.virtualClusters[0]!.authentication[0]!.keys!.push({
      principal: 'dave',
      sha256: REDACTED,
    })
    expect(() => restoreSecrets(candidate, doc)).toThrow(
      /virtualClusters\[0\]\.authentication\[0\]\.keys\[2\]\.sha256: "<redacted>" stands for a secret that is not set/
    )
  })

  it('refuses a marker whose only match is a marker itself', () => {
    expect(() => restoreSecrets({ password: REDACTED }, { password: REDACTED })).toThrow(
      /password: "<redacted>"/
    )
  })

  it('refuses a marker in place of a whole document', () => {
    expect(() => restoreSecrets(REDACTED, undefined)).toThrow(/\(document\)/)
  })
})
