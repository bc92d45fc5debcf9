import { describe, expect, it } from 'vitest'
import { AuthMethod, ScramAuth } from '../../../../src/config/schema/authentication.ts'
import { ScramCredentials } from '../../../../src/kafka-listener/sasl/scram/credentials.ts'
import { scramSecrets } from '../../../../src/kafka-listener/sasl/scram/crypto.ts'
import { engineFor, scramMethod } from '../fixtures.ts'

describe('the scram authentication method', () => {
  it('validates entries: key sizes per mechanism, iterations, base64, duplicates', async () => {
    const sha256 = await scramSecrets('scram-sha-256', 'pw')
    const sha512 = await scramSecrets('scram-sha-512', 'pw')
    const user = { username: 'alice', ...sha256 }
    expect(ScramAuth.safeParse({ kind: 'scram', users: [user] }).success).toBe(true)
    const problems = (users: unknown[]) => {
      const result = ScramAuth.safeParse({ kind: 'scram', users })
      return result.success
        ? []
        : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    }
    expect(problems([{ ...user, mechanism: 'scram-sha-512' }])).toEqual([
      'users.0.storedKey: scram-sha-512 keys are 64 bytes',
      'users.0.serverKey: scram-sha-512 keys are 64 bytes',
    ])
    expect(problems([{ ...user, iterations: 4095 }])).toHaveLength(1)
    expect(problems([{ ...user, salt: 'not base64!' }])).toEqual(['users.0.salt: base64'])
    expect(problems([{ ...user, salt: '' }])).toHaveLength(1)
    expect(problems([user, { ...user, ...sha512, username: 'alice' }])).toEqual([])
    expect(problems([user, { ...user, roles: ['x'] }])).toEqual([
      'users.1.username: alice already has a scram-sha-256 entry',
    ])
    expect(problems([{ ...user, extra: 1 }])).toHaveLength(1)
    expect(AuthMethod.parse({ kind: 'scram', users: [user] })).toMatchObject({
      kind: 'scram',
      users: [{ roles: [] }],
    })
  })

  it('leaves HTTP doors alone: the policy engine accepts it and reads no credential from it', async () => {
    const authenticate = engineFor([
      await scramMethod([{ username: 'alice', password: 'pw', mechanism: 'scram-sha-256' }]),
    ])
    expect(await authenticate({ basic: { username: 'alice', password: 'pw' } })).toMatchObject({
      decision: { verdict: 'deny', code: 'unauthenticated' },
    })
  })
})

describe('ScramCredentials', () => {
  it('merges the users of every scram method, first entry of a name winning', async () => {
    const first = await scramMethod([
      { username: 'alice', password: 'a', mechanism: 'scram-sha-256', roles: ['one'] },
    ])
    const second = await scramMethod([
      { username: 'alice', password: 'b', mechanism: 'scram-sha-256', roles: ['two'] },
      { username: 'bob', password: 'b', mechanism: 'scram-sha-512' },
    ])
    const credentials = new ScramCredentials([first, { kind: 'anonymous', roles: [] }, second])
    expect(credentials.lookup('scram-sha-256', 'alice')).toMatchObject({
      known: true,
      credential: { principal: { name: 'alice', method: 'sasl', roles: ['one'] } },
    })
    expect(credentials.lookup('scram-sha-512', 'alice').known).toBe(false)
    expect(credentials.lookup('scram-sha-512', 'bob').known).toBe(true)
  })

  it('gives decoys the iterations and salt length of the configured users', async () => {
    const method = ScramAuth.parse({
      kind: 'scram',
      users: [
        {
          username: 'alice',
          ...(await scramSecrets('scram-sha-256', 'pw', {
            iterations: 8192,
            salt: Buffer.alloc(10, 1),
          })),
        },
      ],
    })
    const decoy = new ScramCredentials([method]).lookup('scram-sha-256', 'mallory')
    expect(decoy.known).toBe(false)
    expect(decoy.credential.iterations).toBe(8192)
    expect(decoy.credential.salt).toHaveLength(10)
    const empty = new ScramCredentials([]).lookup('scram-sha-512', 'x')
    expect(empty).toMatchObject({ known: false, credential: { iterations: 4096 } })
    expect(empty.credential.storedKey).toHaveLength(64)
  })
})
