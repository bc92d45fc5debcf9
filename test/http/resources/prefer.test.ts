import { describe, expect, it } from 'vitest'
import { parsePrefer, waitFor } from '../../../src/http/resources/prefer.ts'

describe('Prefer', () => {
  it('reads respond-async and wait, in any case and order, one header or a list', () => {
    expect(parsePrefer('respond-async, wait=10')).toEqual({ respondAsync: true, waitMs: 10_000 })
    expect(parsePrefer('Wait="3"; foo, return=minimal')).toEqual({
      respondAsync: false,
      waitMs: 3000,
    })
    expect(parsePrefer(null)).toEqual({ respondAsync: false })
    expect(parsePrefer('wait=-1, wait=abc')).toEqual({ respondAsync: false })
  })

  it('holds a request no longer than the configured limit', () => {
    expect(waitFor({ respondAsync: false, waitMs: 60_000 }, 30_000)).toBe(30_000)
    expect(waitFor({ respondAsync: false, waitMs: 2000 }, 30_000)).toBe(2000)
    expect(waitFor({ respondAsync: false }, 30_000)).toBe(0)
  })
})
