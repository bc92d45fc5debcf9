// The port picker for listeners with known ports stays out of the ranges the OS hands out itself.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ephemeralPorts, freePortRange, onFreePorts, rangeStart } from './ports.ts'

const linux = { low: 32_768, high: 60_999 }

describe('the port picker', () => {
  it('never starts a range that reaches into the ephemeral ports', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 8 }),
        (random, count) => {
          const start = rangeStart(random, count, linux)
          const end = start + count - 1
          expect(start).toBeGreaterThanOrEqual(20_000)
          expect(end).toBeLessThanOrEqual(65_535)
          expect(end < linux.low || start > linux.high).toBe(true)
        }
      )
    )
  })

  it('uses the ports on both sides of the ephemeral range', () => {
    expect(rangeStart(0, 3, linux)).toBe(20_000)
    expect(rangeStart(0.999_999, 3, linux)).toBe(65_533)
    expect(rangeStart(0, 3, { low: 20_000, high: 60_999 })).toBe(61_000)
  })

  it('gives free ports outside this machine’s ephemeral range', async () => {
    const ephemeral = ephemeralPorts()
    for (let i = 0; i < 30; i++) {
      const start = await freePortRange(3)
      expect(start + 2 < ephemeral.low || start > ephemeral.high, `${start}`).toBe(true)
    }
  })
})

describe('onFreePorts', () => {
  it('starts again on other ports when the first ones were taken meanwhile', async () => {
    const tried: number[] = []
    const started = await onFreePorts(3, async (port) => {
      tried.push(port)
      if (tried.length === 1)
        throw new Error(`listen EADDRINUSE: address already in use 127.0.0.1:${port}`)
      return port
    })
    expect(tried).toHaveLength(2)
    expect(started).toBe(tried[1])
  })

  it('passes on any other failure at once', async () => {
    let calls = 0
    await expect(
      onFreePorts(1, async () => {
        calls++
        throw new Error('bad config')
      })
    ).rejects.toThrow('bad config')
    expect(calls).toBe(1)
  })
})
