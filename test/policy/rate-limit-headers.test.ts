import { describe, expect, it } from 'vitest'
import { rateLimitItem, type RateLimitDimension } from '../../src/policy/rate-limit-headers.ts'

const requests: RateLimitDimension = { id: 'api', rate: 50, capacity: 100, unit: undefined }
const bytes: RateLimitDimension = {
  id: 'api-bytes',
  rate: 1000,
  capacity: 1000,
  unit: 'content-bytes',
}

describe('rateLimitItem', () => {
  it('writes a quota of rate × window per window', () => {
    expect(rateLimitItem.policy(requests, 2)).toBe('"api";q=100;w=2')
    expect(rateLimitItem.policy(bytes, 1)).toBe('"api-bytes";q=1000;qu="content-bytes";w=1')
  })

  it('keeps q and w integers for fractional rates and bursts', () => {
    expect(rateLimitItem.policy({ ...requests, rate: 2.5 }, 0.4)).toBe('"api";q=2;w=1')
    expect(rateLimitItem.policy({ ...requests, rate: 0.2 }, 1)).toBe('"api";q=1;w=1')
  })

  it('reports remaining tokens and seconds until the need is met or the bucket is full', () => {
    expect(rateLimitItem.status(requests, 100, 1)).toBe('"api";r=100;t=0')
    expect(rateLimitItem.status(requests, 40.7, 1)).toBe('"api";r=40;t=2')
    expect(rateLimitItem.status(requests, 0.5, 1)).toBe('"api";r=0;t=1')
    expect(rateLimitItem.status(bytes, -1500, 1000)).toBe('"api-bytes";r=0;t=3')
  })
})
