import { describe, expect, it } from 'vitest'
import { backendSaslFor } from '../../src/kafka/backend-identity.ts'

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
