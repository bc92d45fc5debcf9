// An open-loop load: sends start on a fixed schedule, whether or not earlier ones were answered,
// so latency is measured at a given offered rate rather than at whatever rate the path under test
// sets for itself. Every latency runs from the send's scheduled time, not from when it actually
// started: a send that waited for a free connection or a busy event loop counts its wait
// (no coordinated omission). Transport-agnostic, so HTTP and the direct path are driven alike.
//
// autocannon's `overallRate` is not used: it gives each connection a budget per second, reset
// every 1000 ms, which the connection spends at full speed, so every second starts with a burst
// at the closed-loop rate and its latencies are those of full load.
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'

export interface OpenLoopResult {
  /** Sends that succeeded. */
  ok: number
  /** Sends that failed (threw or returned false). */
  failed: number
  /** From the first scheduled send to the last answer. */
  elapsedMs: number
  /** Latency of every successful send from its scheduled time, in milliseconds. */
  latenciesMs: number[]
}

/**
 * Starts `send()` `rate` times a second for `seconds`, then waits for the sends in flight.
 * `send` resolves true on success; false or a rejection counts as failed.
 */
export async function openLoop(
  rate: number,
  seconds: number,
  send: () => Promise<boolean>
): Promise<OpenLoopResult> {
  const total = Math.round(rate * seconds)
  const latenciesMs: number[] = []
  const inFlight = new Set<Promise<void>>()
  let ok = 0
  let failed = 0
  const start = performance.now()
  let started = 0
  while (started < total) {
    // Every send due by now; the timer below wakes about once a millisecond.
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1)
    for (; started < due; started++) {
      const scheduled = start + (started * 1000) / rate
      const done = send().then(
        (success) => {
          if (success) {
            ok++
            latenciesMs.push(performance.now() - scheduled)
          } else failed++
        },
        () => {
          failed++
        }
      )
      inFlight.add(done)
      void done.then(() => inFlight.delete(done))
    }
    await sleep(1)
  }
  await Promise.all(inFlight)
  return { ok, failed, elapsedMs: performance.now() - start, latenciesMs }
}
