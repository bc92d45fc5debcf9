import {
  exportJWK,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  UnsecuredJWT,
  type CryptoKey,
  type JWTPayload,
} from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { JwtAuth } from '../../../src/config/schema/authentication.ts'
import { JwtAuthenticator } from '../../../src/policy/authn/jwt.ts'

let rsa: { publicKey: CryptoKey; privateKey: CryptoKey }
let ec: { publicKey: CryptoKey; privateKey: CryptoKey }
let ed: { publicKey: CryptoKey; privateKey: CryptoKey }
let stranger: { publicKey: CryptoKey; privateKey: CryptoKey }
let rsaPem: string

beforeAll(async () => {
  rsa = await generateKeyPair('RS256')
  ec = await generateKeyPair('ES256')
  ed = await generateKeyPair('EdDSA')
  stranger = await generateKeyPair('RS256')
  rsaPem = await exportSPKI(rsa.publicKey)
})

const now = () => Math.floor(Date.now() / 1000)

async function sign(
  key: CryptoKey,
  claims: JWTPayload,
  { alg = 'RS256', kid, exp = now() + 300 }: { alg?: string; kid?: string; exp?: number } = {}
): Promise<string> {
  return new SignJWT({ sub: 'alice', iss: 'https://idp.test', aud: 'weir', ...claims })
    .setProtectedHeader({ alg, ...(kid === undefined ? {} : { kid }) })
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(key)
}

function method(config: Record<string, unknown>): JwtAuthenticator {
  return new JwtAuthenticator(
    JwtAuth.parse({ kind: 'jwt', issuer: 'https://idp.test', audiences: ['weir'], ...config })
  )
}

describe('JwtAuthenticator with a static PEM key', () => {
  it('verifies a token and maps sub and roles', async () => {
    const token = await sign(rsa.privateKey, { roles: ['producer', 'ops', 7] })
    const outcome = await method({ keys: [rsaPem] }).authenticate({ bearerToken: token })
    expect(outcome).toMatchObject({
      kind: 'ok',
      principal: { name: 'alice', method: 'jwt', roles: ['producer', 'ops'] },
    })
    if (outcome.kind === 'ok') expect(outcome.principal.claims?.iss).toBe('https://idp.test')
  })

  it('accepts tokens naming a kid, since a PEM key has none to compare', async () => {
    const token = await sign(rsa.privateKey, {}, { kid: 'rotating-1' })
    expect(await method({ keys: [rsaPem] }).authenticate({ bearerToken: token })).toMatchObject({
      kind: 'ok',
    })
  })

  it('reads roles from a space-separated scope claim', async () => {
    const token = await sign(rsa.privateKey, { scope: 'orders:write  audit:read' })
    const outcome = await method({ keys: [rsaPem], rolesClaim: 'scope' }).authenticate({
      bearerToken: token,
    })
    expect(outcome).toMatchObject({ principal: { roles: ['orders:write', 'audit:read'] } })
  })

  it('reads nested claims by dotted path and a custom principal claim', async () => {
    const token = await sign(rsa.privateKey, {
      client_id: 'svc-42',
      realm_access: { roles: ['admin'] },
    })
    const outcome = await method({
      keys: [rsaPem],
      principalClaim: 'client_id',
      rolesClaim: 'realm_access.roles',
    }).authenticate({ bearerToken: token })
    expect(outcome).toMatchObject({ principal: { name: 'svc-42', roles: ['admin'] } })
  })

  it.each([
    ['an expired token', { exp: now() - 120 }, {}, 'JWT expired'],
    ['a wrong audience', {}, { aud: 'someone-else' }, 'JWT audience is not accepted'],
    ['a wrong issuer', {}, { iss: 'https://evil.test' }, 'JWT issuer is not accepted'],
    ['a not-yet-valid token', {}, { nbf: now() + 600 }, 'JWT is not yet valid'],
  ])('refuses %s', async (_name, options, claims, detail) => {
    const token = await sign(rsa.privateKey, claims, options)
    const outcome = await method({ keys: [rsaPem] }).authenticate({ bearerToken: token })
    expect(outcome).toMatchObject({ kind: 'invalid', detail })
    if (outcome.kind === 'invalid') {
      expect(outcome.code).toBeUndefined()
      expect(outcome.challenge).toBe(
        `Bearer realm="weir", error="invalid_token", error_description="${detail}"`
      )
    }
  })

  it('allows the configured clock skew', async () => {
    const token = await sign(rsa.privateKey, {}, { exp: now() - 10 })
    expect(await method({ keys: [rsaPem] }).authenticate({ bearerToken: token })).toMatchObject({
      kind: 'ok',
    })
    expect(
      await method({ keys: [rsaPem], clockToleranceSeconds: 0 }).authenticate({
        bearerToken: token,
      })
    ).toMatchObject({ detail: 'JWT expired' })
  })

  it('refuses a token signed by another key', async () => {
    const token = await sign(stranger.privateKey, {})
    expect(await method({ keys: [rsaPem] }).authenticate({ bearerToken: token })).toMatchObject({
      kind: 'invalid',
      detail: 'signature verification failed',
    })
  })

  it('refuses algorithms outside the allowed list before touching keys', async () => {
    const hs = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!'))
    const none = new UnsecuredJWT({ sub: 'alice' }).encode()
    const m = method({ keys: [rsaPem] })
    expect(await m.authenticate({ bearerToken: hs })).toMatchObject({
      detail: 'JWT algorithm HS256 is not allowed',
    })
    expect(await m.authenticate({ bearerToken: none })).toMatchObject({
      detail: 'JWT algorithm none is not allowed',
    })
    const rs = await sign(rsa.privateKey, {})
    expect(
      await method({ keys: [rsaPem], algorithms: ['ES256'] }).authenticate({ bearerToken: rs })
    ).toMatchObject({ detail: 'JWT algorithm RS256 is not allowed' })
  })

  it('refuses malformed tokens and tokens without the principal claim', async () => {
    const m = method({ keys: [rsaPem] })
    expect(await m.authenticate({ bearerToken: 'not-a-jwt' })).toMatchObject({
      detail: 'malformed JWT',
    })
    const noSub = await new SignJWT({ iss: 'https://idp.test', aud: 'weir' })
      .setProtectedHeader({ alg: 'RS256' })
      .setExpirationTime('5m')
      .sign(rsa.privateKey)
    expect(await m.authenticate({ bearerToken: noSub })).toMatchObject({
      detail: 'JWT has no sub claim naming the principal',
    })
  })

  it('is absent without a bearer token', async () => {
    expect(await method({ keys: [rsaPem] }).authenticate({ apiKey: 'k' })).toEqual({
      kind: 'absent',
    })
  })
})

describe('JwtAuthenticator with static JWKs', () => {
  it('selects the key by kid and type (EC, EdDSA)', async () => {
    const keys = [
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1' },
      { ...(await exportJWK(ed.publicKey)), kid: 'ed-1' },
      rsaPem,
    ]
    const m = method({ keys })
    const es = await sign(ec.privateKey, { sub: 'ec-user' }, { alg: 'ES256', kid: 'ec-1' })
    const eddsa = await sign(ed.privateKey, { sub: 'ed-user' }, { alg: 'EdDSA', kid: 'ed-1' })
    expect(await m.authenticate({ bearerToken: es })).toMatchObject({
      principal: { name: 'ec-user' },
    })
    expect(await m.authenticate({ bearerToken: eddsa })).toMatchObject({
      principal: { name: 'ed-user' },
    })
    const wrongKid = await sign(ec.privateKey, {}, { alg: 'ES256', kid: 'ec-2' })
    expect(await m.authenticate({ bearerToken: wrongKid })).toMatchObject({
      detail: 'no verification key matches the JWT',
    })
  })

  it('tries every fitting key when tokens and keys carry no kid', async () => {
    const m = method({ keys: [await exportSPKI(stranger.publicKey), rsaPem] })
    expect(await m.authenticate({ bearerToken: await sign(rsa.privateKey, {}) })).toMatchObject({
      kind: 'ok',
    })
  })

  it('refuses private or symmetric keys in the config', async () => {
    const publicJwk = await exportJWK(rsa.publicKey)
    expect(() => method({ keys: [{ ...publicJwk, d: 'x' }] })).toThrow(/must be a public key/)
    expect(() => method({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] })).toThrow(/must be a public key/)
    const pkcs8 = await exportPKCS8(
      (await generateKeyPair('RS256', { extractable: true })).privateKey
    )
    expect(() => method({ keys: [pkcs8] })).toThrow(/must be a public key/)
    expect(() =>
      method({ keys: ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'] })
    ).toThrow(/not a PEM public key/)
  })
})
