import { describe, expect, it } from 'vitest'
import { SeriesCache } from '../../../src/observability/metrics/request-series.ts'

describe('SeriesCache', () => {
  it('builds a label set once per key, and starts over past its bound after onReset', () => {
    const resets: number[] = []
    let built = 0
    const cache = new SeriesCache<{ n: number }>(2, () => resets.push(built))
    const a = cache.get('a', () => ({ n: ++built }))
    expect(cache.get('a', () => ({ n: ++built }))).toBe(a)
    cache.get('b', () => ({ n: ++built }))
    expect(resets).toEqual([])
    cache.get('c', () => ({ n: ++built }))
    expect(resets).toEqual([2])
    expect(cache.get('a', () => ({ n: ++built }))).toEqual({ n: 4 })
  })
})
