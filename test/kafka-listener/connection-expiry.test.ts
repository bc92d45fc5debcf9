// A connection's expiry: its age ± 10 %, so connections opened together do not close together.
import { describe, expect, it } from 'vitest'
import { expiryOf } from '../../src/kafka-listener/proxy-connection.ts'

describe('expiryOf', () => {
  it('spreads expiry over the age ± 10 %, and never expires without an age', () => {
    expect(expiryOf(60_000, 1000, () => 0)).toBe(1000 + 54_000)
    expect(expiryOf(60_000, 1000, () => 0.5)).toBe(1000 + 60_000)
    expect(expiryOf(60_000, 1000, () => 0.999)).toBeCloseTo(1000 + 65_988)
    expect(expiryOf(undefined, 1000)).toBe(Number.POSITIVE_INFINITY)
  })
})
