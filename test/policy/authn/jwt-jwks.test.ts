// JWT verification against a JWKS endpoint served by a real local HTTP server.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { JwtAuth } from '../../../src/config/schema/authentication.ts'
import { JwtAuthenticator, type JwksOptions } from '../../../src/policy/authn/jwt.ts'

interface KeyPair {
  publicKey: CryptoKey
  privateKey: CryptoKey
}

let server: Server
let url: string
let served: JWK[] = []
let status = 200
let fetches = 0
let first: KeyPair
let second: KeyPair

beforeAll(async () => {
  first = await generateKeyPair('RS256')
  second = await generateKeyPair('ES256')
  server = createServer((_req, res) => {
    fetches++
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ keys: served }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

beforeEach(async () => {
  served = [{ ...(await exportJWK(first.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }]
  status = 200
  fetches = 0
})

function method(jwks: JwksOptions = {}, jwksUrl = url): JwtAuthenticator {
  return new JwtAuthenticator(
    JwtAuth.parse({ kind: 'jwt', jwksUrl, audiences: ['weir'], rolesClaim: 'scope' }),
    jwks
  )
}

function sign(key: CryptoKey, alg: string, kid: string, sub = 'alice'): Promise<string> {
  return new SignJWT({ sub, aud: 'weir', scope: 'read write' })
    .setProtectedHeader({ alg, kid })
    .setExpirationTime('5m')
    .sign(key)
}

describe('JwtAuthenticator with a JWKS URL', () => {
  it('fetches the key set once and caches it', async () => {
    const m = method()
    for (let i = 0; i < 5; i++) {
      const outcome = await m.authenticate({
        bearerToken: await sign(first.privateKey, 'RS256', 'k1'),
      })
      expect(outcome).toMatchObject({
        kind: 'ok',
        principal: { name: 'alice', roles: ['read', 'write'] },
      })
    }
    expect(fetches).toBe(1)
  })

  it('refetches when a token names an unknown kid (key rotation)', async () => {
    const m = method({ cooldownMs: 0 })
    expect(
      await m.authenticate({ bearerToken: await sign(first.privateKey, 'RS256', 'k1') })
    ).toMatchObject({ kind: 'ok' })
    // The identity provider rotates: k2 appears, k1 is retired.
    served = [{ ...(await exportJWK(second.publicKey)), kid: 'k2', alg: 'ES256' }]
    const rotated = await sign(second.privateKey, 'ES256', 'k2', 'bob')
    expect(await m.authenticate({ bearerToken: rotated })).toMatchObject({
      kind: 'ok',
      principal: { name: 'bob' },
    })
    expect(fetches).toBe(2)
  })

  it('does not refetch for every unknown kid while cooling down', async () => {
    const m = method({ cooldownMs: 60_000 })
    await m.authenticate({ bearerToken: await sign(first.privateKey, 'RS256', 'k1') })
    for (const kid of ['x1', 'x2', 'x3']) {
      expect(
        await m.authenticate({ bearerToken: await sign(first.privateKey, 'RS256', kid) })
      ).toMatchObject({ kind: 'invalid', detail: 'no verification key matches the JWT' })
    }
    expect(fetches).toBe(1)
  })

  it('answers 503-class when the JWKS endpoint fails, since the client is not at fault', async () => {
    status = 500
    const outcome = await method().authenticate({
      bearerToken: await sign(first.privateKey, 'RS256', 'k1'),
    })
    expect(outcome).toMatchObject({
      kind: 'invalid',
      code: 'backend-unavailable',
      detail: 'could not fetch the JWKS to verify the JWT',
    })
  })

  it('answers 503-class when the JWKS endpoint is unreachable', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const outcome = await method({}, `http://127.0.0.1:${port}/jwks`).authenticate({
      bearerToken: await sign(first.privateKey, 'RS256', 'k1'),
    })
    expect(outcome).toMatchObject({ kind: 'invalid', code: 'backend-unavailable' })
  })

  it('still refuses bad tokens as the client’s fault', async () => {
    const expired = await new SignJWT({ sub: 'alice', aud: 'weir' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(first.privateKey)
    expect(await method().authenticate({ bearerToken: expired })).toMatchObject({
      kind: 'invalid',
      detail: 'JWT expired',
    })
  })
})
