import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { AuthMethod } from '../../../src/config/schema/authentication.ts'
import type { AuthMethodConfig } from '../../../src/config/schema/index.ts'
import { Authenticator } from '../../../src/policy/authn/authenticator.ts'
import { hashApiKey, hashPassword } from '../../../src/policy/secrets.ts'

let idpA: CryptoKey
let idpB: CryptoKey
let pemA: string
let pemB: string
let passwordHash: string

beforeAll(async () => {
  const a = await generateKeyPair('ES256')
  const b = await generateKeyPair('ES256')
  ;[idpA, idpB, pemA, pemB] = [
    a.privateKey,
    b.privateKey,
    await exportSPKI(a.publicKey),
    await exportSPKI(b.publicKey),
  ]
  passwordHash = await hashPassword('pw', { N: 1024, r: 8, p: 1 })
})

const methods = (...configs: Record<string, unknown>[]): AuthMethodConfig[] =>
  configs.map((c) => AuthMethod.parse(c))
const apiKey = (key: string, principal: string, header?: string) => ({
  kind: 'api-key',
  ...(header === undefined ? {} : { header }),
  keys: [{ principal, sha256: hashApiKey(key) }],
})
const jwt = (issuer: string, pem: string) => ({
  kind: 'jwt',
  issuer,
  keys: [pem],
  algorithms: ['ES256'],
})
const token = (key: CryptoKey, iss: string, sub = 'alice', exp = '5m') =>
  new SignJWT({ sub, iss }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime(exp).sign(key)

describe('Authenticator', () => {
  it('makes everyone anonymous when no methods are configured', async () => {
    const auth = new Authenticator([])
    expect(await auth.authenticate({})).toEqual({
      principal: { name: 'anonymous', method: 'anonymous', roles: [] },
    })
    // Credentials nobody reads change nothing.
    expect(await auth.authenticate({ apiKey: 'whatever' })).toMatchObject({
      principal: { name: 'anonymous' },
    })
  })

  it('requires credentials when no anonymous method is listed, with challenges', async () => {
    const auth = new Authenticator(
      methods(apiKey('k', 'svc'), jwt('a', pemA), {
        kind: 'basic',
        users: [{ username: 'u', passwordHash }],
      })
    )
    expect(await auth.authenticate({})).toEqual({
      decision: {
        verdict: 'deny',
        code: 'unauthenticated',
        detail: 'credentials required: api-key, jwt, basic',
        policy: 'authentication',
        headers: {
          'WWW-Authenticate':
            'ApiKey realm="weir", Bearer realm="weir", Basic realm="weir", charset="UTF-8"',
        },
      },
    })
  })

  it('lets requests without credentials through as anonymous with its roles', async () => {
    const auth = new Authenticator(
      methods({ kind: 'anonymous', roles: ['guest'] }, apiKey('k', 'svc'))
    )
    expect(await auth.authenticate({})).toEqual({
      principal: { name: 'anonymous', method: 'anonymous', roles: ['guest'] },
    })
    expect(await auth.authenticate({ apiKey: 'k' })).toMatchObject({ principal: { name: 'svc' } })
  })

  it('never falls back to anonymous when presented credentials are wrong', async () => {
    const auth = new Authenticator(methods(apiKey('k', 'svc'), { kind: 'anonymous' }))
    expect(await auth.authenticate({ apiKey: 'wrong' })).toEqual({
      decision: {
        verdict: 'deny',
        code: 'unauthenticated',
        detail: 'unknown API key',
        policy: 'api-key',
        headers: { 'WWW-Authenticate': 'ApiKey realm="weir"' },
      },
    })
  })

  it('lets the first present credential kind decide, skipping absent ones', async () => {
    const auth = new Authenticator(methods(apiKey('k', 'svc'), jwt('a', pemA)))
    expect(await auth.authenticate({ bearerToken: await token(idpA, 'a') })).toMatchObject({
      principal: { name: 'alice', method: 'jwt' },
    })
    // A bad API key is refused even though a good JWT came along.
    expect(
      await auth.authenticate({ apiKey: 'bad', bearerToken: await token(idpA, 'a') })
    ).toMatchObject({ decision: { detail: 'unknown API key' } })
  })

  it('tries every method of the same kind: two issuers, two key lists', async () => {
    const auth = new Authenticator(
      methods(
        jwt('a', pemA),
        jwt('b', pemB),
        apiKey('k1', 'one', 'x-key'),
        apiKey('k2', 'two', 'x-other')
      )
    )
    expect(await auth.authenticate({ bearerToken: await token(idpB, 'b', 'bob') })).toMatchObject({
      principal: { name: 'bob' },
    })
    expect(await auth.authenticate({ apiKey: 'k2' })).toMatchObject({ principal: { name: 'two' } })
    expect(auth.apiKeyHeaders).toEqual(['x-key', 'x-other'])
  })

  it('answers at once while every method it asks does; a promise only once one has to wait', async () => {
    const keys = new Authenticator(methods(apiKey('k1', 'one'), { kind: 'anonymous' }))
    // No promise (and no turn of the microtask queue) for the requests most gateways see.
    expect(keys.authenticate({ apiKey: 'k1' })).toMatchObject({ principal: { name: 'one' } })
    expect(keys.authenticate({})).toMatchObject({ principal: { name: 'anonymous' } })
    expect(keys.authenticate({ apiKey: 'bad' })).toMatchObject({
      decision: { code: 'unauthenticated' },
    })
    // A JWT method verifies asynchronously: the API key method after it still decides.
    const mixed = new Authenticator(methods(jwt('a', pemA), apiKey('k2', 'two')))
    const waited = mixed.authenticate({ apiKey: 'k2' })
    expect(waited).toBeInstanceOf(Promise)
    expect(await waited).toMatchObject({ principal: { name: 'two' } })
  })

  it('reports the most telling failure among methods of the same kind', async () => {
    const auth = new Authenticator(methods(jwt('a', pemA), jwt('b', pemB)))
    // Issuer b's token, expired: issuer a only says "not my issuer", b says why.
    const expired = await token(idpB, 'b', 'bob', '-10m')
    const result = await auth.authenticate({ bearerToken: expired })
    expect(result).toMatchObject({
      decision: {
        code: 'unauthenticated',
        detail: 'JWT expired',
        policy: 'jwt',
        headers: {
          'WWW-Authenticate':
            'Bearer realm="weir", error="invalid_token", error_description="JWT expired"',
        },
      },
    })
  })

  it('authenticates basic users', async () => {
    const auth = new Authenticator(
      methods({ kind: 'basic', users: [{ username: 'u', passwordHash, roles: ['r'] }] })
    )
    expect(await auth.authenticate({ basic: { username: 'u', password: 'pw' } })).toEqual({
      principal: { name: 'u', method: 'basic', roles: ['r'] },
    })
    expect(await auth.authenticate({ basic: { username: 'u', password: 'x' } })).toMatchObject({
      decision: {
        detail: 'invalid username or password',
        headers: { 'WWW-Authenticate': 'Basic realm="weir", charset="UTF-8"' },
      },
    })
  })
})
