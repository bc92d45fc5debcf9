import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/core/errors.ts'
import { ConnectionLimits } from '../../src/stream/connection-limits.ts'

function refusal(fn: () => unknown): GatewayError {
  try {
    fn()
  } catch (err) {
    if (err instanceof GatewayError) return err
    throw err
  }
  throw new Error('it was allowed')
}

describe('ConnectionLimits', () => {
  it('gives slots up to the limit, then refuses as rate-limited with a retry hint', () => {
    const limits = new ConnectionLimits()
    limits.acquire('orders', 'alice', 2)
    limits.acquire('orders', 'alice', 2)
    expect(limits.count('orders', 'alice')).toBe(2)
    const error = refusal(() => limits.acquire('orders', 'alice', 2))
    expect(error.code).toBe('rate-limited')
    expect(error.retryAfterSeconds).toBe(1)
    expect(error.detail).toContain('"alice"')
    expect(error.detail).toContain('"orders"')
    expect(limits.count('orders', 'alice')).toBe(2)
  })

  it('counts each stream and principal on its own', () => {
    const limits = new ConnectionLimits()
    limits.acquire('orders', 'alice', 1)
    limits.acquire('orders', 'bob', 1)
    limits.acquire('payments', 'alice', 1)
    expect(limits.count('orders', 'alice')).toBe(1)
    expect(limits.count('orders', 'bob')).toBe(1)
    expect(limits.count('payments', 'alice')).toBe(1)
    expect(limits.count('payments', 'bob')).toBe(0)
  })

  it('frees one slot per release', () => {
    const limits = new ConnectionLimits()
    const first = limits.acquire('orders', 'alice', 2)
    limits.acquire('orders', 'alice', 2)
    first.release()
    expect(limits.count('orders', 'alice')).toBe(1)
    limits.acquire('orders', 'alice', 2)
    expect(() => limits.acquire('orders', 'alice', 2)).toThrow(GatewayError)
  })

  it('frees one slot when a lease is released twice', () => {
    const limits = new ConnectionLimits()
    const first = limits.acquire('orders', 'alice', 3)
    limits.acquire('orders', 'alice', 3)
    limits.acquire('orders', 'alice', 3)
    first.release()
    first.release()
    expect(limits.count('orders', 'alice')).toBe(2)
  })

  it('forgets a principal holding nothing', () => {
    const limits = new ConnectionLimits()
    const lease = limits.acquire('orders', 'alice', 1)
    lease.release()
    expect(limits.count('orders', 'alice')).toBe(0)
    lease.release()
    expect(limits.count('orders', 'alice')).toBe(0)
    limits.acquire('orders', 'alice', 1)
    expect(limits.count('orders', 'alice')).toBe(1)
  })

  it('takes the limit of each call: a lowered limit refuses until enough are released', () => {
    const limits = new ConnectionLimits()
    const leases = [1, 2, 3].map(() => limits.acquire('orders', 'alice', 3))
    expect(() => limits.acquire('orders', 'alice', 2)).toThrow(GatewayError)
    leases[0]?.release()
    expect(() => limits.acquire('orders', 'alice', 2)).toThrow(GatewayError)
    leases[1]?.release()
    limits.acquire('orders', 'alice', 2)
    expect(limits.count('orders', 'alice')).toBe(2)
  })
})
