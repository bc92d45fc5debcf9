import { describe, expect, it } from 'vitest'
import { ApiKeyAuth } from '../../../src/config/schema/authentication.ts'
import { ApiKeyAuthenticator } from '../../../src/policy/authn/api-key.ts'
import { hashApiKey } from '../../../src/policy/secrets.ts'

const method = new ApiKeyAuthenticator(
  ApiKeyAuth.parse({
    kind: 'api-key',
    header: 'X-Weir-Key',
    keys: [
      { principal: 'orders-service', sha256: hashApiKey('k-orders'), roles: ['producer'] },
      // Upper-case hex is valid config too.
      { principal: 'audit', sha256: hashApiKey('k-audit').toUpperCase() },
    ],
  })
)

describe('ApiKeyAuthenticator', () => {
  it('accepts a known key as its principal with roles', () => {
    expect(method.authenticate({ apiKey: 'k-orders' })).toEqual({
      kind: 'ok',
      principal: { name: 'orders-service', method: 'api-key', roles: ['producer'] },
    })
    expect(method.authenticate({ apiKey: 'k-audit' })).toMatchObject({
      kind: 'ok',
      principal: { name: 'audit' },
    })
  })

  it('refuses an unknown key without echoing it', () => {
    const outcome = method.authenticate({ apiKey: 'k-orders-typo' })
    expect(outcome).toMatchObject({ kind: 'invalid', detail: 'unknown API key' })
    expect(JSON.stringify(outcome)).not.toContain('k-orders-typo')
  })

  it('refuses an empty key', () => {
    expect(method.authenticate({ apiKey: '' })).toMatchObject({ kind: 'invalid' })
  })

  it('is absent when no key was presented, whatever else was', () => {
    expect(method.authenticate({})).toEqual({ kind: 'absent' })
    expect(method.authenticate({ bearerToken: 'x' })).toEqual({ kind: 'absent' })
  })

  it('exposes its header in lowercase for the doors', () => {
    expect(method.header).toBe('x-weir-key')
  })
})
