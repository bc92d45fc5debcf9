import { beforeAll, describe, expect, it } from 'vitest'
import { plainMessage, PlainServer } from '../../../src/kafka-listener/sasl/plain.ts'
import type { Authenticate } from '../../../src/kafka-listener/sasl/types.ts'
import { hashPassword } from '../../../src/policy/index.ts'
import { engineFor, feed, scramMethod } from './fixtures.ts'

// Real scrypt, with a small N so the suite stays quick.
const cheap = { N: 1024, r: 8, p: 1 }
let authenticate: Authenticate

beforeAll(async () => {
  authenticate = engineFor([
    {
      kind: 'basic',
      users: [
        {
          username: 'alice',
          passwordHash: await hashPassword('wonderland', cheap),
          roles: ['ops'],
        },
      ],
    },
  ])
})

const login = async (message: Buffer | string, auth = authenticate) =>
  (await feed(new PlainServer(auth), [message]))[0]

describe('PlainServer', () => {
  it('accepts a basic user with the right password, with an empty or equal authzid', async () => {
    for (const message of [
      plainMessage('alice', 'wonderland'),
      '\u0000alice\u0000wonderland',
      'alice\u0000alice\u0000wonderland',
    ]) {
      expect(await login(message)).toEqual({
        kind: 'authenticated',
        response: Buffer.alloc(0),
        principal: { name: 'alice', method: 'basic', roles: ['ops'] },
      })
    }
  })

  it('refuses an authzid other than the username, before checking the password', async () => {
    let asked = 0
    const counting: Authenticate = (c) => {
      asked++
      return authenticate(c)
    }
    expect(await login('bob\u0000alice\u0000wonderland', counting)).toMatchObject({
      kind: 'failed',
      message:
        'Authentication failed: Client requested an authorization id that is different from username',
    })
    expect(asked).toBe(0)
  })

  it('refuses a wrong password and an unknown user with the same message', async () => {
    for (const message of [plainMessage('alice', 'wrong'), plainMessage('mallory', 'wonderland')]) {
      expect(await login(message)).toEqual({
        kind: 'failed',
        response: Buffer.alloc(0),
        message: 'Authentication failed: Invalid username or password',
      })
    }
  })

  it('refuses malformed messages', async () => {
    expect(await login('alice\u0000wonderland')).toMatchObject({ message: /expected 3 tokens/ })
    expect(await login('\u0000alice\u0000wonder\u0000land')).toMatchObject({
      message: /expected 3 tokens/,
    })
    expect(await login('\u0000\u0000wonderland')).toMatchObject({
      message: 'Authentication failed: username not specified',
    })
    expect(await login('\u0000alice\u0000')).toMatchObject({
      message: 'Authentication failed: password not specified',
    })
    expect(await login(Buffer.from([0, 0x61, 0, 0xff]))).toMatchObject({ kind: 'failed' })
  })

  it('never logs in as anonymous when no method reads passwords', async () => {
    const open = engineFor([{ kind: 'anonymous' }])
    expect(await login(plainMessage('alice', 'anything'), open)).toMatchObject({
      kind: 'failed',
      message: 'Authentication failed: Invalid username or password',
    })
  })

  it("checks a scram user's password in the policy engine, as HTTP Basic does", async () => {
    const both = engineFor([
      {
        kind: 'basic',
        users: [{ username: 'alice', passwordHash: await hashPassword('x', cheap) }],
      },
      await scramMethod([{ username: 'bob', password: 'builder', mechanism: 'scram-sha-512' }]),
    ])
    expect(await login(plainMessage('bob', 'builder'), both)).toMatchObject({
      kind: 'authenticated',
      principal: { name: 'bob', method: 'sasl', roles: [] },
    })
    expect(await login(plainMessage('bob', 'x'), both)).toMatchObject({
      kind: 'failed',
      message: 'Authentication failed: Invalid username or password',
    })
  })

  it('takes one message only', async () => {
    const server = new PlainServer(authenticate)
    expect((await server.step(plainMessage('alice', 'wonderland'))).kind).toBe('authenticated')
    expect(await server.step(plainMessage('alice', 'wonderland'))).toMatchObject({
      kind: 'failed',
      message: /already over/,
    })
  })
})
