import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  OAuthBearerServer,
  parseInitialResponse,
} from '../../../src/kafka-listener/sasl/oauthbearer.ts'
import type { Authenticate } from '../../../src/kafka-listener/sasl/types.ts'
import { engineFor, feed, text } from './fixtures.ts'

let key: { publicKey: CryptoKey; privateKey: CryptoKey }
let authenticate: Authenticate
const nowMs = () => Date.now()

beforeAll(async () => {
  key = await generateKeyPair('RS256')
  authenticate = engineFor([
    {
      kind: 'jwt',
      issuer: 'https://idp.test',
      audiences: ['kafka'],
      keys: [await exportSPKI(key.publicKey)],
      clockToleranceSeconds: 0,
    },
  ])
})

async function token(claims: JWTPayload = {}, expiresIn = 600): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({
    sub: 'svc-orders',
    iss: 'https://idp.test',
    aud: 'kafka',
    roles: ['p'],
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn)
    .sign(key.privateKey)
}

/** The client's first message as Kafka's OAuthBearerSaslClient writes it. */
const initial = (jwt: string, { authzid = '', extensions = '' } = {}) =>
  `n,${authzid === '' ? '' : `a=${authzid}`},\u0001auth=Bearer ${jwt}\u0001${extensions}\u0001`

const server = () => new OAuthBearerServer(authenticate, { now: nowMs })
const refusal = JSON.stringify({ status: 'invalid_token' })

describe('OAuthBearerServer', () => {
  it('accepts a valid token and returns its remaining lifetime', async () => {
    const jwt = await token({}, 600)
    const [step] = await feed(server(), [initial(jwt)])
    expect(step).toMatchObject({
      kind: 'authenticated',
      principal: { name: 'svc-orders', method: 'jwt', roles: ['p'] },
    })
    const lifetime = step?.kind === 'authenticated' ? (step.sessionLifetimeMs ?? 0) : 0
    expect(lifetime).toBeGreaterThan(590_000)
    expect(lifetime).toBeLessThanOrEqual(600_000)
  })

  it('measures the lifetime against the given clock', async () => {
    const jwt = await token({}, 600)
    const exp = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()).exp
    const at = new OAuthBearerServer(authenticate, { now: () => exp * 1000 - 1234 })
    expect(await at.step(Buffer.from(initial(jwt)))).toMatchObject({ sessionLifetimeMs: 1234 })
  })

  it.each([
    ['an expired token', () => token({}, -60), /JWT expired/],
    ['a token for another audience', () => token({ aud: 'billing' }), /audience is not accepted/],
    ['a token signed by a stranger', async () => strangerToken(), /signature verification failed/],
  ])('refuses %s the RFC 7628 way: error JSON, then failure', async (_, make, detail) => {
    const steps = await feed(server(), [initial(await make()), '\u0001'])
    expect(steps.map((s) => s.kind)).toEqual(['continue', 'failed'])
    expect(text(steps[0])).toBe(refusal)
    expect(steps[1]).toMatchObject({ message: expect.stringMatching(detail) })
    expect(steps[1]?.kind === 'failed' && steps[1].message).toMatch(/^Authentication failed: /)
  })

  it('accepts an authzid naming the token principal and refuses any other', async () => {
    const jwt = await token()
    expect((await feed(server(), [initial(jwt, { authzid: 'svc-orders' })]))[0]?.kind).toBe(
      'authenticated'
    )
    const steps = await feed(server(), [initial(jwt, { authzid: 'admin' }), '\u0001'])
    expect(text(steps[0])).toBe(refusal)
    expect(steps[1]).toMatchObject({ kind: 'failed', message: /authorization id \(admin\)/ })
  })

  it('ignores SASL extensions and fails on malformed messages at once', async () => {
    const jwt = await token()
    expect(
      (await feed(server(), [initial(jwt, { extensions: 'traceId=abc 123\u0001' })]))[0]?.kind
    ).toBe('authenticated')
    for (const bad of [
      `y,,\u0001auth=Bearer ${jwt}\u0001\u0001`,
      `n,,\u0001auth=Bearer ${jwt}\u0001`,
      `n,,\u0001auth=Basic ${jwt}\u0001\u0001`,
      `n,,\u0001auth=Bearer\u0001\u0001`,
      'n,,\u0001\u0001',
      `n,,\u0001auth=Bearer ${jwt}\u0001auth=Bearer x\u0001\u0001`,
    ]) {
      expect(await feed(server(), [bad]), bad).toMatchObject([
        { kind: 'failed', message: /invalid OAUTHBEARER client first message/ },
      ])
    }
  })

  it('never logs in as anonymous when no method reads bearer tokens', async () => {
    const open = new OAuthBearerServer(engineFor([]))
    const steps = await feed(open, [initial(await token()), '\u0001'])
    expect(steps.map((s) => s.kind)).toEqual(['continue', 'failed'])
  })
})

describe('parseInitialResponse', () => {
  it('reads authzid, token and extensions', () => {
    expect(
      parseInitialResponse('n,a=us=2Cer,\u0001auth=bearer a.b.c\u0001k=v\u0001\u0001')
    ).toEqual({ authzid: 'us,er', token: 'a.b.c', extensions: new Map([['k', 'v']]) })
  })
})

async function strangerToken(): Promise<string> {
  const stranger = await generateKeyPair('RS256')
  return new SignJWT({ sub: 'svc-orders', iss: 'https://idp.test', aud: 'kafka' })
    .setProtectedHeader({ alg: 'RS256' })
    .setExpirationTime('5m')
    .sign(stranger.privateKey)
}
