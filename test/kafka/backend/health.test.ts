import { afterEach, describe, expect, it, vi } from 'vitest'
import { BackendHealth, type ProbeResult } from '../../../src/kafka/backend/health.ts'

/** A backend whose next check answers what the test says. */
function fake(first: ProbeResult) {
  let next = first
  const calls = { probe: 0 }
  const changes: ProbeResult[] = []
  const health = new BackendHealth({
    name: 'main',
    intervalMs: 1000,
    probe: () => {
      calls.probe++
      return Promise.resolve(next)
    },
    onChange: (result) => changes.push(result),
  })
  return { health, calls, changes, set: (result: ProbeResult) => (next = result) }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('BackendHealth (the circuit breaker of one backend cluster)', () => {
  it('stays closed while checks succeed', async () => {
    const { health } = fake({ ok: true, brokers: 3 })
    expect(await health.check()).toEqual({ ok: true, brokers: 3 })
    expect(health.down).toBe(false)
    expect(health.refusal()).toBeUndefined()
  })

  it('opens when a check fails: refuses with 503 and Retry-After until a check succeeds', async () => {
    const { health, set, changes } = fake({ ok: true, brokers: 1 })
    await health.check()
    set({ ok: false, error: 'connect ECONNREFUSED' })
    await health.check()
    expect(health.down).toBe(true)
    const refusal = health.refusal()
    expect(refusal?.code).toBe('backend-unavailable')
    expect(refusal?.retryAfterSeconds).toBe(1)
    expect(refusal?.message).toBe(
      'backend cluster "main" is down (connect ECONNREFUSED); nothing was sent, retry once it is back'
    )
    set({ ok: true, brokers: 1 })
    await health.check()
    expect(health.down).toBe(false)
    expect(changes.map((c) => c.ok)).toEqual([true, false, true])
  })

  it('is not opened by a failed send alone: a suspicion runs a check, whose answer decides', async () => {
    const { health, calls, set } = fake({ ok: true })
    await health.check()
    health.suspect()
    await health.check() // the suspicion's check, under way
    expect(calls.probe).toBe(2)
    expect(health.down).toBe(false)
    set({ ok: false, error: 'timeout' })
    health.suspect()
    await health.check()
    expect(calls.probe).toBe(3)
    expect(health.down).toBe(true)
  })

  it('runs one check at a time, shared by everyone who asks meanwhile', async () => {
    const { health, calls } = fake({ ok: true })
    await Promise.all([health.check(), health.check(), health.state()])
    expect(calls.probe).toBe(1)
  })

  it('answers readiness from the last known state without checking again', async () => {
    const { health, calls, set } = fake({ ok: false, error: 'refused' })
    expect(await health.state()).toEqual({ ok: false, error: 'refused' }) // the first check
    set({ ok: true })
    expect(await health.state()).toEqual({ ok: false, error: 'refused' })
    expect(calls.probe).toBe(1)
  })

  it('a check that throws counts as down; a send that succeeds closes the circuit', async () => {
    const health = new BackendHealth({
      name: 'main',
      intervalMs: 1000,
      probe: () => Promise.reject(new Error('boom')),
    })
    await health.check()
    expect(health.down).toBe(true)
    health.succeeded()
    expect(health.down).toBe(false)
  })

  it('checks in the background every intervalMs once started, until stopped', async () => {
    vi.useFakeTimers()
    const { health, calls, set } = fake({ ok: true })
    health.start()
    expect(calls.probe).toBe(1)
    set({ ok: false, error: 'gone' })
    await vi.advanceTimersByTimeAsync(1000)
    expect(calls.probe).toBe(2)
    expect(health.down).toBe(true)
    health.stop()
    await vi.advanceTimersByTimeAsync(5000)
    expect(calls.probe).toBe(2)
  })
})
