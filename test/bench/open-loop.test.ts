// The open-loop load: sends start on schedule whatever earlier ones do, failures are counted,
// and latency runs from the scheduled time.
import { describe, expect, it } from 'vitest'
import { openLoop } from '../../bench/open-loop.ts'

describe('openLoop', () => {
  it('starts rate x seconds sends without waiting for earlier ones to finish', async () => {
    let started = 0
    const pending: (() => void)[] = []
    const run = openLoop(1000, 0.05, () => {
      started++
      // None of them finishes until every one has started: a closed loop would stop at the first.
      return new Promise<boolean>((resolve) => pending.push(() => resolve(true)))
    })
    while (started < 50) await new Promise((r) => setTimeout(r, 5))
    for (const finish of pending) finish()
    const result = await run
    expect(started).toBe(50)
    expect(result.ok).toBe(50)
    expect(result.latenciesMs).toHaveLength(50)
  })

  it('counts sends that return false or throw as failed, with no latency', async () => {
    let n = 0
    const result = await openLoop(1000, 0.03, async () => {
      n++
      if (n % 3 === 0) throw new Error('refused')
      return n % 3 === 1
    })
    expect(result).toMatchObject({ ok: 10, failed: 20 })
    expect(result.latenciesMs).toHaveLength(10)
  })

  it('times a send from when it was due, so a send that waited counts its wait', async () => {
    // The first send holds the event loop 30 ms (and fails, so only the others are timed): the
    // ones due meanwhile start late, though each takes no time at all once started.
    let first = true
    const result = await openLoop(1000, 0.01, async () => {
      if (!first) return true
      first = false
      const until = performance.now() + 30
      while (performance.now() < until);
      return false
    })
    expect(result).toMatchObject({ ok: 9, failed: 1 })
    expect(Math.min(...result.latenciesMs)).toBeGreaterThanOrEqual(20)
  })
})
