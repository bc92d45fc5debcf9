import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { BasicAuth } from '../../src/config/schema/authentication.ts'
import {
  hashApiKey,
  hashPassword,
  parsePasswordHash,
  verifyPassword,
} from '../../src/policy/secrets.ts'

describe('hashApiKey', () => {
  it('is lowercase hex SHA-256, as the config stores keys', () => {
    expect(hashApiKey('secret-key')).toBe(createHash('sha256').update('secret-key').digest('hex'))
    expect(hashApiKey('k')).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('hashPassword / verifyPassword', () => {
  it('produces scrypt$N$r$p$salt$hash with the defaults and a fresh salt', async () => {
    const a = await hashPassword('hunter2')
    const b = await hashPassword('hunter2')
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[^$]+\$[^$]+$/)
    expect(a).not.toBe(b)
    expect(parsePasswordHash(a).salt).toHaveLength(16)
    expect(parsePasswordHash(a).hash).toHaveLength(32)
  })

  it('is accepted by the config schema', async () => {
    const passwordHash = await hashPassword('pw', { N: 1024, r: 8, p: 1 })
    expect(() =>
      BasicAuth.parse({ kind: 'basic', users: [{ username: 'u', passwordHash }] })
    ).not.toThrow()
  })

  it('verifies the right password and refuses others', async () => {
    const stored = await hashPassword('correct horse', { N: 1024, r: 8, p: 1 })
    expect(await verifyPassword('correct horse', stored)).toBe(true)
    expect(await verifyPassword('correct hors', stored)).toBe(false)
    expect(await verifyPassword('', stored)).toBe(false)
  })

  it('handles parameters above Node’s default scrypt memory cap', async () => {
    const stored = await hashPassword('pw', { N: 32768, r: 8, p: 1 })
    expect(await verifyPassword('pw', stored)).toBe(true)
  })
})

describe('parsePasswordHash', () => {
  it.each([
    ['bcrypt$10$abc', /not a scrypt hash/],
    ['scrypt$1000$8$1$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==', /power of two/],
    ['scrypt$1024$0$1$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==', /r must be positive/],
    ['scrypt$1024$8$1$c2FsdA==$aGFzaA==', /too short/],
  ])('rejects %s', (text, message) => {
    expect(() => parsePasswordHash(text)).toThrow(message)
  })
})
