import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MaskStrategy } from '../../../src/config/schema/mask-policy.ts'
import { compileMaskStrategy } from '../../../src/policy/mask/index.ts'

const mask = (strategy: unknown, value: string | Buffer) =>
  compileMaskStrategy(MaskStrategy.parse(strategy))({ path: '/f', value })
const salt = 'a-salt-of-16-chars-or-more'

describe('mask strategies', () => {
  it('replace: "***" unless told otherwise', () => {
    expect(mask('replace', 'secret')).toBe('***')
    expect(mask({ kind: 'replace', with: '[redacted]' }, 'secret')).toBe('[redacted]')
  })

  it('keep-first and keep-last keep N characters and mask the rest, one per character', () => {
    expect(mask({ kind: 'keep-last', characters: 4 }, '4111111111111111')).toBe('************1111')
    expect(mask({ kind: 'keep-first', characters: 2, maskChar: '#' }, 'Springfield')).toBe(
      'Sp#########'
    )
    expect(mask({ kind: 'keep-first', characters: 1 }, '😀😀😀')).toBe('😀**')
    expect(mask({ kind: 'keep-last', characters: 8 }, 'short')).toBe('short')
  })

  it('email keeps the first character and the domain', () => {
    expect(mask('email', 'jane.doe@example.com')).toBe('j***@example.com')
    expect(mask('email', 'not an address')).toBe('***')
  })

  it('hash is a salted HMAC-SHA256, stable, hex or base64url', () => {
    const expected = createHmac('sha256', salt).update('jane').digest()
    expect(mask({ kind: 'hash', salt }, 'jane')).toBe(expected.toString('hex'))
    expect(mask({ kind: 'hash', salt, encoding: 'base64url' }, 'jane')).toBe(
      expected.toString('base64url')
    )
    expect(mask({ kind: 'hash', salt }, Buffer.from('jane'))).toEqual(expected)
  })

  it('refuses a short salt, naming why', () => {
    const parsed = MaskStrategy.safeParse({ kind: 'hash', salt: 'short' })
    expect(parsed.success).toBe(false)
    expect(parsed.error?.issues[0]?.message).toMatch(/at least 16 characters/)
  })

  it('masks a bytes field as bytes', () => {
    expect(mask({ kind: 'keep-first', characters: 1 }, Buffer.from('abc'))).toEqual(
      Buffer.from('a**')
    )
  })

  it('keep-first/keep-last keep the length and the kept characters (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme-composite' }),
        fc.nat(20),
        fc.boolean(),
        (s, n, first) => {
          const out = mask({ kind: first ? 'keep-first' : 'keep-last', characters: n }, s) as string
          const chars = Array.from(s)
          expect(Array.from(out)).toHaveLength(chars.length)
          const kept = first ? chars.slice(0, n) : chars.slice(Math.max(0, chars.length - n))
          expect(first ? out.startsWith(kept.join('')) : out.endsWith(kept.join(''))).toBe(true)
        }
      )
    )
  })

  it('hash joins: equal inputs mask equal, different inputs differ (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const ha = mask({ kind: 'hash', salt }, a)
        expect(mask({ kind: 'hash', salt }, a)).toBe(ha)
        expect(ha === mask({ kind: 'hash', salt }, b)).toBe(a === b)
      })
    )
  })
})
