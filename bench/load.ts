// A closed-loop load driver: keeps a fixed number of batches in flight until a record count or a
// time limit is reached, whichever comes first. Transport-agnostic, so the direct path and the
// gateway paths are driven the same way and their figures compare.
import { performance } from 'node:perf_hooks'

export interface LoadPlan {
  /** Records to send at most. */
  records: number
  /** Records per send call. */
  batchSize: number
  /** Send calls awaiting their acknowledgement at any time. */
  inFlight: number
  /** Time after which no new batch starts; the ones in flight still finish and count. */
  maxMs: number
}

export interface LoadResult {
  /** Records acknowledged. */
  records: number
  /** From the first send to the last acknowledgement. */
  elapsedMs: number
  /** Duration of each send call, in milliseconds, in completion order. */
  latenciesMs: number[]
  /** True when the time limit, not the record count, ended the run. */
  timedOut: boolean
}

/** Sends `plan.records` records through `send(count)`, which resolves once they are acknowledged. */
export async function drive(
  plan: LoadPlan,
  send: (count: number) => Promise<void>
): Promise<LoadResult> {
  const start = performance.now()
  const deadline = start + plan.maxMs
  const latenciesMs: number[] = []
  let started = 0
  let acked = 0
  let timedOut = false

  const worker = async (): Promise<void> => {
    while (started < plan.records) {
      if (performance.now() >= deadline) {
        timedOut = true
        return
      }
      const count = Math.min(plan.batchSize, plan.records - started)
      started += count
      const t0 = performance.now()
      await send(count)
      latenciesMs.push(performance.now() - t0)
      acked += count
    }
  }

  // A failed send rejects the whole run: a benchmark that lost records has no figure to report.
  await Promise.all(Array.from({ length: plan.inFlight }, worker))
  return { records: acked, elapsedMs: performance.now() - start, latenciesMs, timedOut }
}
