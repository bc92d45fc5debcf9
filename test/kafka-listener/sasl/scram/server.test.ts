import { describe, expect, it } from 'vitest'
import { ScramAuth } from '../../../../src/config/schema/authentication.ts'
import { ScramClient } from '../../../../src/kafka-listener/sasl/scram/client.ts'
import { parseServerFirst } from '../../../../src/kafka-listener/sasl/scram/messages.ts'
import { ScramServer, type ScramLogins } from '../../../../src/kafka-listener/sasl/scram/server.ts'
import { ScramCredentials } from '../../../../src/policy/authn/scram.ts'
import {
  clientProof,
  scramSecrets,
  type ScramMechanism,
} from '../../../../src/policy/authn/scram-keys.ts'
import type { SaslStep } from '../../../../src/kafka-listener/sasl/types.ts'
import { feed, scramCredentials, text } from '../fixtures.ts'

// RFC 7677 §3: user "user", password "pencil".
const rfc7677 = {
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst:
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal:
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
}

async function rfcCredentials(): Promise<ScramLogins> {
  const secrets = await scramSecrets('scram-sha-256', 'pencil', {
    salt: Buffer.from(rfc7677.salt, 'base64'),
    iterations: 4096,
  })
  const credentials = new ScramCredentials([
    ScramAuth.parse({ kind: 'scram', users: [{ username: 'user', ...secrets, roles: ['r'] }] }),
  ])
  return (mechanism, username) => credentials.login(mechanism, username)
}

/** Runs a full exchange of our client against our server. */
async function exchange(
  server: ScramServer,
  client: ScramClient,
  tamper: (clientFinal: string) => string = (m) => m
): Promise<SaslStep[]> {
  const first = await server.step(client.first())
  if (first.kind !== 'continue') return [first]
  const final = tamper((await client.final(first.response)).toString())
  return [first, await server.step(Buffer.from(final))]
}

/** A client-final message computed by hand, for headers our client never sends. */
async function handMadeFinal(
  mechanism: ScramMechanism,
  password: string,
  clientFirstBare: string,
  serverFirst: string,
  gs2Header: string,
  echo: (serverNonce: string) => string = (n) => n
): Promise<string> {
  const parsed = parseServerFirst(serverFirst)
  if (typeof parsed === 'string') throw new Error(parsed)
  const withoutProof = `c=${Buffer.from(gs2Header).toString('base64')},r=${echo(parsed.nonce)}`
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`
  const { proof } = await clientProof(
    mechanism,
    password,
    parsed.salt,
    parsed.iterations,
    authMessage
  )
  return `${withoutProof},p=${proof.toString('base64')}`
}

const invalid = (mechanism: string) =>
  `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`

describe('ScramServer and ScramClient against RFC 7677', () => {
  it('the server answers the RFC test vector exactly', async () => {
    const server = new ScramServer('scram-sha-256', await rfcCredentials(), {
      serverNonce: () => rfc7677.serverNonce,
    })
    const steps = await feed(server, [rfc7677.clientFirst, rfc7677.clientFinal])
    expect(steps.map(text)).toEqual([rfc7677.serverFirst, rfc7677.serverFinal])
    expect(steps[1]).toMatchObject({
      kind: 'authenticated',
      principal: { name: 'user', method: 'sasl', roles: ['r'] },
    })
  })

  it('the client sends the RFC test vector exactly and accepts its signature', async () => {
    const client = new ScramClient('scram-sha-256', 'user', 'pencil', {
      nonce: rfc7677.clientNonce,
    })
    expect(client.first().toString()).toBe(rfc7677.clientFirst)
    const final = await client.final(Buffer.from(rfc7677.serverFirst))
    expect(final.toString()).toBe(rfc7677.clientFinal)
    expect(() => client.verify(Buffer.from(rfc7677.serverFinal))).not.toThrow()
  })
})

describe.each(['scram-sha-256', 'scram-sha-512'] as const)('%s exchanges', (mechanism) => {
  const name = mechanism.toUpperCase()
  const users = [
    { username: 'alice', password: 'alice-secret', mechanism, roles: ['producer'] },
    { username: 'we,ird=name', password: 'pässwörd', mechanism },
  ]
  const other: ScramMechanism = mechanism === 'scram-sha-256' ? 'scram-sha-512' : 'scram-sha-256'

  it('authenticates with the right password and proves the server knows the credential', async () => {
    const credentials = await scramCredentials(users)
    for (const { username, password } of users) {
      const client = new ScramClient(mechanism, username, password)
      const steps = await exchange(new ScramServer(mechanism, credentials), client)
      expect(steps[1]).toMatchObject({ kind: 'authenticated', principal: { name: username } })
      // SCRAM credentials do not expire: no session lifetime of their own.
      expect(steps[1]).not.toHaveProperty('sessionLifetimeMs')
      expect(() => client.verify(steps[1]?.response ?? Buffer.alloc(0))).not.toThrow()
    }
  })

  it('refuses a wrong password and an unknown user alike, after the full exchange', async () => {
    const credentials = await scramCredentials(users)
    const wrong = await exchange(
      new ScramServer(mechanism, credentials),
      new ScramClient(mechanism, 'alice', 'not-alice-secret')
    )
    const unknown = await exchange(
      new ScramServer(mechanism, credentials),
      new ScramClient(mechanism, 'mallory', 'alice-secret')
    )
    for (const steps of [wrong, unknown]) {
      // No early exit: the unknown user gets a server-first message like anyone else.
      expect(steps.map((s) => s.kind)).toEqual(['continue', 'failed'])
      expect(steps[0]?.response.toString()).toMatch(/^r=[^,]+,s=[A-Za-z0-9+/=]+,i=4096$/)
      expect(steps[1]).toEqual({
        kind: 'failed',
        response: Buffer.alloc(0),
        message: invalid(name),
      })
    }
  })

  it('gives an unknown user a decoy salt shaped like real ones, the same on every attempt', async () => {
    const credentials = await scramCredentials(users)
    const saltOf = async (username: string) => {
      const step = await new ScramServer(mechanism, credentials).step(
        Buffer.from(`n,,n=${username},r=abc`)
      )
      return /,s=([^,]+),/.exec(text(step))?.[1] ?? ''
    }
    const decoy = await saltOf('mallory')
    expect(await saltOf('mallory')).toBe(decoy)
    expect(await saltOf('trudy')).not.toBe(decoy)
    expect(Buffer.from(decoy, 'base64').length).toBe(
      Buffer.from(await saltOf('alice'), 'base64').length
    )
  })

  it('does not accept a credential of the other mechanism', async () => {
    const credentials = await scramCredentials([{ ...users[0]!, mechanism: other }])
    const steps = await exchange(
      new ScramServer(mechanism, credentials),
      new ScramClient(mechanism, 'alice', 'alice-secret')
    )
    expect(steps[1]).toMatchObject({ kind: 'failed', message: invalid(name) })
  })

  it('refuses a client-final message whose nonce or channel binding was altered', async () => {
    const credentials = await scramCredentials(users)
    const tampered = [
      (m: string) => m.replace(/,r=([^,]+)/, ',r=$1x'),
      (m: string) => m.replace(/,r=([^,]{4})/, ',r=AAAA'),
      (m: string) => m.replace('c=biws', `c=${Buffer.from('y,,').toString('base64')}`),
      (m: string) => m.replace(/p=([^,]+)$/, (_, p: string) => `p=${p.slice(4)}`),
    ]
    for (const tamper of tampered) {
      const steps = await exchange(
        new ScramServer(mechanism, credentials),
        new ScramClient(mechanism, 'alice', 'alice-secret'),
        tamper
      )
      expect(steps[1]).toMatchObject({ kind: 'failed', message: invalid(name) })
    }
  })

  it('accepts the client nonce sent again in front of the full one, as librdkafka < 2.6.1 does, and no other prefix', async () => {
    const credentials = await scramCredentials(users)
    // A proof computed over exactly the message sent: only the nonce check can refuse it.
    const run = async (echo: (serverNonce: string) => string) => {
      const server = new ScramServer(mechanism, credentials)
      const bare = 'n=alice,r=rdkafkaNonce'
      const serverFirst = text(await server.step(Buffer.from(`n,,${bare}`)))
      const final = await handMadeFinal(mechanism, 'alice-secret', bare, serverFirst, 'n,,', echo)
      return server.step(Buffer.from(final))
    }
    expect(await run((n) => `rdkafkaNonce${n}`)).toMatchObject({
      kind: 'authenticated',
      principal: { name: 'alice' },
    })
    for (const echo of [
      (n: string) => `x${n}`,
      (n: string) => `rdkafkaNoncerdkafkaNonce${n}`,
      (n: string) => `${n}rdkafkaNonce`,
      (n: string) => n.slice('rdkafkaNonce'.length),
    ]) {
      expect(await run(echo)).toMatchObject({ kind: 'failed', message: invalid(name) })
    }
  })

  it('accepts only the GS2 flag n, and an authzid only when it is the username', async () => {
    const credentials = await scramCredentials(users)
    for (const header of ['y,,', 'p=tls-unique,,', 'x,,', 'n,a=bob,']) {
      const [step] = await feed(new ScramServer(mechanism, credentials), [`${header}n=alice,r=abc`])
      expect(step).toMatchObject({ kind: 'failed', message: /^Authentication failed: / })
    }
  })

  it('accepts an authzid equal to the username when c= echoes that GS2 header', async () => {
    const credentials = await scramCredentials(users)
    const run = async (echoed: string) => {
      const server = new ScramServer(mechanism, credentials)
      const bare = 'n=alice,r=abc'
      const serverFirst = text(await server.step(Buffer.from(`n,a=alice,${bare}`)))
      const final = await handMadeFinal(mechanism, 'alice-secret', bare, serverFirst, echoed)
      return server.step(Buffer.from(final))
    }
    expect(await run('n,a=alice,')).toMatchObject({ kind: 'authenticated' })
    expect(await run('n,,')).toMatchObject({ kind: 'failed', message: invalid(name) })
  })

  it('refuses delegation tokens, mandatory extensions, malformed and extra messages', async () => {
    const credentials = await scramCredentials(users)
    const first = async (message: string | Buffer) =>
      (await feed(new ScramServer(mechanism, credentials), [message]))[0]
    expect(await first('n,,n=alice,r=abc,tokenauth=true')).toMatchObject({
      kind: 'failed',
      message: 'Authentication failed: delegation tokens are not supported',
    })
    expect(await first('n,,n=alice,r=abc,other=1')).toMatchObject({ kind: 'continue' })
    for (const bad of ['n,,m=x,n=alice,r=abc', 'n,,r=abc,n=alice', 'n,,n=a=b,r=abc', '', 'n,,']) {
      expect(await first(bad)).toMatchObject({ kind: 'failed' })
    }
    expect(await first(Buffer.from([0x6e, 0x2c, 0x2c, 0xff]))).toMatchObject({ kind: 'failed' })

    const server = new ScramServer(mechanism, credentials)
    const client = new ScramClient(mechanism, 'alice', 'alice-secret')
    const steps = await exchange(server, client)
    expect(steps[1]?.kind).toBe('authenticated')
    expect(await server.step(Buffer.from('again'))).toMatchObject({
      kind: 'failed',
      message: /already over/,
    })
    const noProof = new ScramServer(mechanism, credentials)
    await noProof.step(Buffer.from('n,,n=alice,r=abc'))
    expect(await noProof.step(Buffer.from('c=biws,r=abc'))).toMatchObject({
      kind: 'failed',
      message: /client-final message: expected a proof/,
    })
  })
})
