import { describe, expect, it } from 'vitest'
import { backendSaslFor, identityKey } from '../../src/kafka/backend-identity.ts'

const sasl = (username: string) => ({ mechanism: 'plain' as const, username, password: 'p' })
const backend = { sasl: sasl('weir') }

describe('backendSaslFor', () => {
  const vc = {
    backendIdentity: { sasl: sasl('tenant') },
    backendIdentities: [
      { principals: ['alice'], sasl: sasl('alice') },
      { principals: ['alice', 'bob'], sasl: sasl('bob') },
    ],
  }

  it('takes the first mapping that names the principal', () => {
    expect(backendSaslFor(vc, backend, 'alice')?.username).toBe('alice')
    expect(backendSaslFor(vc, backend, 'bob')?.username).toBe('bob')
  })

  it("falls back to the virtual cluster's identity, then the backend's own", () => {
    expect(backendSaslFor(vc, backend, 'carol')?.username).toBe('tenant')
    expect(backendSaslFor(vc, backend)?.username).toBe('tenant')
    expect(backendSaslFor({ backendIdentities: [] }, backend, 'alice')?.username).toBe('weir')
    expect(backendSaslFor({ backendIdentities: [] }, {}, 'alice')).toBeUndefined()
  })
})

describe('identityKey', () => {
  it("is empty for the backend cluster's own identity and tells credentials apart", () => {
    expect(identityKey(undefined)).toBe('')
    const alice = identityKey({ sasl: sasl('alice') })
    expect(alice).toMatch(/^[0-9a-f]{16}$/)
    // The same credentials configured twice share connections; a new password does not.
    expect(identityKey({ sasl: sasl('alice') })).toBe(alice)
    expect(identityKey({ sasl: { ...sasl('alice'), password: 'q' } })).not.toBe(alice)
    expect(identityKey({ sasl: sasl('bob') })).not.toBe(alice)
  })

  it('never shows the secret', () => {
    const identity = { sasl: { mechanism: 'plain' as const, username: 'u', password: 'hunter2' } }
    expect(identityKey(identity)).not.toContain('hunter2')
  })
})
