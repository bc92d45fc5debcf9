import { describe, expect, it } from 'vitest'
import { hashBucket, LabelLimiter } from '../../../src/observability/metrics/label-limit.ts'

describe('LabelLimiter', () => {
  it('cap keeps the first distinct values and folds the rest into _other', () => {
    const limiter = new LabelLimiter({ mode: 'cap', max: 2 })
    expect(['a', 'b', 'c', 'a', 'd', 'b'].map((v) => limiter.value(v))).toEqual([
      'a',
      'b',
      '_other',
      'a',
      '_other',
      'b',
    ])
    expect(limiter.kept).toBe(2)
  })

  it('hash maps every value to one of max stable buckets', () => {
    const limiter = new LabelLimiter({ mode: 'hash', max: 16 })
    const values = Array.from({ length: 1000 }, (_, i) => limiter.value(`principal-${i}`))
    expect(new Set(values).size).toBeLessThanOrEqual(16)
    expect(values.every((v) => /^h\d\d$/.test(v))).toBe(true)
    expect(limiter.value('principal-7')).toBe(hashBucket('principal-7', 16))
  })

  it('drop keeps none; an absent value stays empty', () => {
    const limiter = new LabelLimiter({ mode: 'drop', max: 10 })
    expect(limiter.value('alice')).toBe('_all')
    expect(limiter.value(undefined)).toBe('')
  })
})
