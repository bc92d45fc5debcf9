// Which data planes are current and which went quiet: stale after three of their own poll
// intervals, or after the default when a data plane does not say how often it polls.
import { describe, expect, it } from 'vitest'
import { DataPlanes } from '../../src/control/data-planes.ts'

describe('DataPlanes', () => {
  it('is stale after three of its own poll intervals, or after the default', () => {
    let now = 1_000_000
    const planes = new DataPlanes({ staleAfterMs: 45_000, now: () => now })
    planes.report('fast', 'fleet', { health: 'ok', etag: '"a"', pollIntervalMs: 10_000 })
    planes.report('quick', 'fleet', { health: 'ok', etag: '"a"', pollIntervalMs: 100 })
    planes.report('silent', 'fleet', { health: 'ok', etag: '"b"' })
    now += 14_000
    // Never stale within 15 s, however short the interval.
    expect(planes.list('"a"').every((p) => !p.stale)).toBe(true)
    now += 16_500
    const byId = (id: string) => planes.list('"a"').find((p) => p.id === id)
    expect(byId('fast')).toMatchObject({ stale: true, current: true })
    expect(byId('silent')).toMatchObject({ stale: false, current: false })
    now += 45_000
    expect(byId('silent')?.stale).toBe(true)
  })
})
