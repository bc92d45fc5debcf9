import { describe, expect, it } from 'vitest'
import { AuthMethod, ScramAuth } from '../../../src/config/schema/authentication.ts'
import { Authenticator } from '../../../src/policy/authn/authenticator.ts'
import { ScramCredentials } from '../../../src/policy/authn/scram.ts'
import { clientProof, scramSecrets } from '../../../src/policy/authn/scram-keys.ts'
import { hashPassword } from '../../../src/policy/secrets.ts'
import { scramMethod } from './scram-fixtures.ts'

// RFC 7677 §3: user "user", password "pencil", and the AuthMessage of its exchange.
const rfc7677 = {
  salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
  authMessage:
    'n=user,r=rOprNGfwEbeRWgbNEkqO,' +
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,' +
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  proof: 'dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverSignature: '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
}

async function rfcCredentials(): Promise<ScramCredentials> {
  const secrets = await scramSecrets('scram-sha-256', 'pencil', {
    salt: Buffer.from(rfc7677.salt, 'base64'),
    iterations: 4096,
  })
  return new ScramCredentials([
    ScramAuth.parse({ kind: 'scram', users: [{ username: 'user', ...secrets, roles: ['r'] }] }),
  ])
}

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
    expect(credentials.principal('scram-sha-256', 'alice')).toEqual({
      name: 'alice',
      method: 'sasl',
      roles: ['one'],
    })
    expect(credentials.principal('scram-sha-512', 'alice')).toBeUndefined()
    expect(credentials.principal('scram-sha-512', 'bob')).toMatchObject({ name: 'bob' })
    expect(await credentials.verifyPassword('scram-sha-256', 'alice', 'a')).toBe(true)
    expect(await credentials.verifyPassword('scram-sha-256', 'alice', 'b')).toBe(false)
    expect(credentials.mechanisms).toEqual(['scram-sha-256', 'scram-sha-512'])
  })

  it('gives decoys the iterations and salt length of the configured users, stable per name', async () => {
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
    const credentials = new ScramCredentials([method])
    const decoy = credentials.login('scram-sha-256', 'mallory')
    expect(decoy.iterations).toBe(8192)
    expect(decoy.salt).toHaveLength(10)
    // Asking again, or after a reload (a new store), names the same salt.
    expect(new ScramCredentials([method]).login('scram-sha-256', 'mallory').salt).toEqual(
      decoy.salt
    )
    expect(credentials.login('scram-sha-256', 'trudy').salt).not.toEqual(decoy.salt)
    const empty = new ScramCredentials([]).login('scram-sha-512', 'x')
    expect(empty.iterations).toBe(4096)
    expect(empty.salt).toHaveLength(24)
  })
})

describe('ScramLogin.verify', () => {
  it('accepts the RFC 7677 proof and answers its server signature', async () => {
    const login = (await rfcCredentials()).login('scram-sha-256', 'user')
    expect(login.salt.toString('base64')).toBe(rfc7677.salt)
    expect(login.iterations).toBe(4096)
    const verdict = login.verify(rfc7677.authMessage, Buffer.from(rfc7677.proof, 'base64'))
    expect(verdict).toEqual({
      ok: true,
      principal: { name: 'user', method: 'sasl', roles: ['r'] },
      serverSignature: Buffer.from(rfc7677.serverSignature, 'base64'),
    })
  })

  it('refuses an altered proof, a proof over another message, a short one and a stranger', async () => {
    const credentials = await rfcCredentials()
    const proof = Buffer.from(rfc7677.proof, 'base64')
    const login = credentials.login('scram-sha-256', 'user')
    const flipped = Buffer.from(proof)
    flipped[0] = (flipped[0] as number) ^ 1
    expect(login.verify(rfc7677.authMessage, flipped)).toEqual({ ok: false })
    expect(login.verify(`${rfc7677.authMessage}x`, proof)).toEqual({ ok: false })
    expect(login.verify(rfc7677.authMessage, proof.subarray(4))).toEqual({ ok: false })
    expect(login.verify(rfc7677.authMessage, Buffer.concat([proof, proof]))).toEqual({ ok: false })
    // A decoy refuses even a proof computed from its own salt and iterations.
    const decoy = credentials.login('scram-sha-256', 'mallory')
    const { proof: guess } = await clientProof(
      'scram-sha-256',
      'pencil',
      decoy.salt,
      decoy.iterations,
      'any'
    )
    expect(decoy.verify('any', guess)).toEqual({ ok: false })
  })

  it('does not accept a credential of the other mechanism', async () => {
    const credentials = new ScramCredentials([
      await scramMethod([{ username: 'alice', password: 'pw', mechanism: 'scram-sha-512' }]),
    ])
    const login = credentials.login('scram-sha-256', 'alice')
    const { proof } = await clientProof('scram-sha-256', 'pw', login.salt, login.iterations, 'm')
    expect(login.verify('m', proof)).toEqual({ ok: false })
  })
})

describe('HTTP Basic against scram users', () => {
  const authenticator = async (...methods: Record<string, unknown>[]) =>
    new Authenticator(methods.map((m) => AuthMethod.parse(m)))

  it('checks the password against the SCRAM credential: the principal SCRAM logs in as', async () => {
    const auth = await authenticator(
      await scramMethod([
        { username: 'alice', password: 'a-pw', mechanism: 'scram-sha-256', roles: ['producer'] },
        { username: 'bob', password: 'b-pw', mechanism: 'scram-sha-512' },
      ])
    )
    expect(await auth.authenticate({ basic: { username: 'alice', password: 'a-pw' } })).toEqual({
      principal: { name: 'alice', method: 'sasl', roles: ['producer'] },
    })
    expect(await auth.authenticate({ basic: { username: 'bob', password: 'b-pw' } })).toEqual({
      principal: { name: 'bob', method: 'sasl', roles: [] },
    })
    const refused = {
      decision: {
        verdict: 'deny',
        code: 'unauthenticated',
        detail: 'invalid username or password',
        policy: 'scram',
        headers: { 'WWW-Authenticate': 'Basic realm="weir", charset="UTF-8"' },
      },
    }
    for (const basic of [
      { username: 'alice', password: 'b-pw' },
      { username: 'bob', password: 'a-pw' },
      { username: 'mallory', password: 'a-pw' },
    ]) {
      expect(await auth.authenticate({ basic })).toEqual(refused)
    }
    // Without credentials, Basic is what a scram-only virtual cluster asks for.
    expect(await auth.authenticate({})).toEqual({
      decision: {
        ...refused.decision,
        detail: 'credentials required: scram',
        policy: 'authentication',
      },
    })
  })

  it("takes each mechanism's own password and roles for a user with both", async () => {
    const auth = await authenticator(
      await scramMethod([
        { username: 'alice', password: 'short', mechanism: 'scram-sha-256', roles: ['a'] },
        { username: 'alice', password: 'long', mechanism: 'scram-sha-512', roles: ['b'] },
      ])
    )
    for (const [password, roles] of [
      ['short', ['a']],
      ['long', ['b']],
    ] as const) {
      // Twice: the second answer comes from the verified cache and must name the same roles.
      for (let i = 0; i < 2; i++) {
        expect(await auth.authenticate({ basic: { username: 'alice', password } })).toEqual({
          principal: { name: 'alice', method: 'sasl', roles },
        })
      }
    }
  })

  it('lets a basic user and a scram user of the same name each log in with their password', async () => {
    const auth = await authenticator(
      {
        kind: 'basic',
        users: [
          {
            username: 'alice',
            passwordHash: await hashPassword('basic-pw', { N: 1024, r: 8, p: 1 }),
          },
        ],
      },
      await scramMethod([{ username: 'alice', password: 'scram-pw', mechanism: 'scram-sha-256' }])
    )
    expect(
      await auth.authenticate({ basic: { username: 'alice', password: 'basic-pw' } })
    ).toMatchObject({ principal: { method: 'basic' } })
    expect(
      await auth.authenticate({ basic: { username: 'alice', password: 'scram-pw' } })
    ).toMatchObject({ principal: { method: 'sasl' } })
    expect(
      await auth.authenticate({ basic: { username: 'alice', password: 'other' } })
    ).toMatchObject({ decision: { code: 'unauthenticated' } })
  })
})
