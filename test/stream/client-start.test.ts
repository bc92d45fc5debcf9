import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/core/errors.ts'
import { parseClientStart } from '../../src/stream/client-start.ts'

function refusal(text: string): GatewayError {
  try {
    parseClientStart(text)
  } catch (err) {
    if (err instanceof GatewayError) return err
    throw err
  }
  throw new Error(`"${text}" was accepted`)
}

describe('parseClientStart', () => {
  it('takes earliest and latest as they are', () => {
    expect(parseClientStart('earliest')).toBe('earliest')
    expect(parseClientStart('latest')).toBe('latest')
  })

  it('takes milliseconds since the epoch', () => {
    expect(parseClientStart('0')).toEqual({ timestamp: 0 })
    expect(parseClientStart('1769860800000')).toEqual({ timestamp: 1769860800000 })
    expect(parseClientStart('999999999999999')).toEqual({ timestamp: 999999999999999 })
  })

  it('takes ISO 8601 date-times with a zone', () => {
    const noon = Date.UTC(2026, 0, 31, 12)
    expect(parseClientStart('2026-01-31T12:00:00Z')).toEqual({ timestamp: noon })
    expect(parseClientStart('2026-01-31T12:00Z')).toEqual({ timestamp: noon })
    expect(parseClientStart('2026-01-31T12:00:00.250Z')).toEqual({ timestamp: noon + 250 })
    expect(parseClientStart('2026-01-31T14:00:00+02:00')).toEqual({ timestamp: noon })
    expect(parseClientStart('2026-01-31T07:30:00-04:30')).toEqual({ timestamp: noon })
  })

  it.each([
    ['', 'empty'],
    ['Earliest', 'another case'],
    ['now', 'a word'],
    ['-1', 'negative millis'],
    ['1.5', 'fractional millis'],
    ['1e12', 'exponent'],
    ['1234567890123456', 'more than 15 digits'],
    ['2026-01-31', 'a date without a time'],
    ['2026-01-31T12:00:00', 'no zone'],
    ['2026-01-31 12:00:00Z', 'a space for T'],
    ['2026-13-45T12:00:00Z', 'no such date'],
    ['1969-12-31T23:59:59Z', 'before the epoch'],
    ['Sat, 31 Jan 2026 12:00:00 GMT', 'an HTTP date'],
  ])('refuses %j (%s) as bad-request', (text) => {
    const error = refusal(text)
    expect(error.code).toBe('bad-request')
    expect(error.detail).toContain('"from"')
  })

  it('echoes at most 40 characters of what it refuses', () => {
    const error = refusal('x'.repeat(1000))
    expect(error.detail).toContain(`"${'x'.repeat(40)}"`)
    expect(error.detail).not.toContain('x'.repeat(41))
  })

  it('reads back every instant it wrote as ISO or millis', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31) }), (at) => {
        expect(parseClientStart(new Date(at).toISOString())).toEqual({ timestamp: at })
        expect(parseClientStart(String(at))).toEqual({ timestamp: at })
      })
    )
  })
})
