import { beforeAll, describe, expect, it } from 'vitest'
import { BasicAuth } from '../../../src/config/schema/authentication.ts'
import { BasicAuthenticator } from '../../../src/policy/authn/basic.ts'
import { hashPassword } from '../../../src/policy/secrets.ts'
import { manualClock } from '../fixtures.ts'

// Real scrypt, with a small N so the suite stays quick.
const cheap = { N: 1024, r: 8, p: 1 }
let method: BasicAuthenticator
const clock = manualClock()

beforeAll(async () => {
  method = new BasicAuthenticator(
    BasicAuth.parse({
      kind: 'basic',
      users: [
        {
          username: 'alice',
          passwordHash: await hashPassword('wonderland', cheap),
          roles: ['ops'],
        },
        { username: 'bob', passwordHash: await hashPassword('builder:with:colons', cheap) },
      ],
    }),
    { now: clock.now }
  )
})

describe('BasicAuthenticator', () => {
  it('accepts the right password', async () => {
    expect(
      await method.authenticate({ basic: { username: 'alice', password: 'wonderland' } })
    ).toEqual({
      kind: 'ok',
      principal: { name: 'alice', method: 'basic', roles: ['ops'] },
    })
    expect(
      await method.authenticate({ basic: { username: 'bob', password: 'builder:with:colons' } })
    ).toMatchObject({ kind: 'ok', principal: { name: 'bob', roles: [] } })
  })

  it('refuses a wrong password and an unknown user alike', async () => {
    const wrong = await method.authenticate({ basic: { username: 'alice', password: 'nope' } })
    const unknown = await method.authenticate({ basic: { username: 'mallory', password: 'x' } })
    expect(wrong).toMatchObject({ kind: 'invalid', detail: 'invalid username or password' })
    expect(unknown).toEqual(wrong)
  })

  it('does not let a cached success for one user vouch for another', async () => {
    await method.authenticate({ basic: { username: 'alice', password: 'wonderland' } })
    expect(
      await method.authenticate({ basic: { username: 'bob', password: 'wonderland' } })
    ).toMatchObject({ kind: 'invalid' })
  })

  it('answers repeated requests from the cache, far faster than scrypt', async () => {
    const started = performance.now()
    for (let i = 0; i < 200; i++) {
      await method.authenticate({ basic: { username: 'alice', password: 'wonderland' } })
    }
    // 200 scrypt runs would take far longer than this even with the cheap N.
    expect(performance.now() - started).toBeLessThan(200)
  })

  it('is absent without basic credentials', async () => {
    expect(await method.authenticate({ apiKey: 'x' })).toEqual({ kind: 'absent' })
  })

  it('rejects a malformed hash when built, naming the user', () => {
    expect(
      () =>
        new BasicAuthenticator({
          kind: 'basic',
          users: [
            { username: 'eve', passwordHash: 'scrypt$1000$8$1$c2FsdA==$aGFzaA==', roles: [] },
          ],
        })
    ).toThrow(/basic user 0 \(eve\): scrypt N must be a power of two/)
  })
})
