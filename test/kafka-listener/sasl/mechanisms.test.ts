import { exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { AuthMethod } from '../../../src/config/schema/authentication.ts'
import { mechanisms, VirtualClusterSasl } from '../../../src/kafka-listener/sasl/mechanisms.ts'
import { plainMessage } from '../../../src/kafka-listener/sasl/plain.ts'
import { ScramClient } from '../../../src/kafka-listener/sasl/scram/client.ts'
import { hashPassword } from '../../../src/policy/index.ts'
import { saslFor, scramMethod } from './fixtures.ts'

const cheap = { N: 1024, r: 8, p: 1 }

describe('mechanisms', () => {
  it('follows the configured methods, in their order', async () => {
    const scram = await scramMethod([
      { username: 'a', password: 'x', mechanism: 'scram-sha-512' },
      { username: 'b', password: 'x', mechanism: 'scram-sha-256' },
      { username: 'c', password: 'x', mechanism: 'scram-sha-512' },
    ])
    const basic = AuthMethod.parse({
      kind: 'basic',
      users: [{ username: 'u', passwordHash: await hashPassword('x', cheap) }],
    })
    const jwt = AuthMethod.parse({ kind: 'jwt', jwksUrl: 'https://idp.test/jwks' })
    const apiKey = AuthMethod.parse({
      kind: 'api-key',
      keys: [{ principal: 'p', sha256: '0'.repeat(64) }],
    })
    const anonymous = AuthMethod.parse({ kind: 'anonymous' })
    expect(mechanisms([jwt, scram, apiKey, basic, anonymous, basic])).toEqual([
      'OAUTHBEARER',
      'SCRAM-SHA-512',
      'SCRAM-SHA-256',
      'PLAIN',
    ])
    expect(mechanisms([apiKey, anonymous])).toEqual([])
    expect(mechanisms([])).toEqual([])
  })
})

describe('VirtualClusterSasl', () => {
  it('hands out a fresh server for each enabled mechanism, none for others', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256')
    const methods = [
      AuthMethod.parse({
        kind: 'basic',
        users: [{ username: 'alice', passwordHash: await hashPassword('pw', cheap) }],
      }),
      await scramMethod([{ username: 'bob', password: 'pw', mechanism: 'scram-sha-256' }]),
      AuthMethod.parse({ kind: 'jwt', keys: [await exportSPKI(publicKey)] }),
    ]
    const sasl = new VirtualClusterSasl(methods, saslFor(methods))
    expect(sasl.mechanisms).toEqual(['PLAIN', 'SCRAM-SHA-256', 'OAUTHBEARER'])
    for (const name of ['SCRAM-SHA-512', 'plain', 'GSSAPI', '']) {
      expect(sasl.server(name)).toBeUndefined()
    }

    const plain = sasl.server('PLAIN')
    expect(plain).not.toBe(sasl.server('PLAIN'))
    expect(await plain?.step(plainMessage('alice', 'pw'))).toMatchObject({
      kind: 'authenticated',
    })

    const scram = sasl.server('SCRAM-SHA-256')
    const client = new ScramClient('scram-sha-256', 'bob', 'pw')
    const first = await scram?.step(client.first())
    expect(first?.kind).toBe('continue')
    const final = await scram?.step(await client.final(first?.response ?? Buffer.alloc(0)))
    expect(final).toMatchObject({ kind: 'authenticated', principal: { name: 'bob' } })

    const jwt = await new SignJWT({ sub: 'carol' })
      .setProtectedHeader({ alg: 'ES256' })
      .setExpirationTime('1h')
      .sign(privateKey)
    const bearer = await sasl
      .server('OAUTHBEARER')
      ?.step(Buffer.from(`n,,\u0001auth=Bearer ${jwt}\u0001\u0001`))
    expect(bearer).toMatchObject({ kind: 'authenticated', principal: { name: 'carol' } })
  })
})
