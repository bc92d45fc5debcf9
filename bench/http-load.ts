// HTTP load for the gateway scenarios: autocannon keeps a fixed number of connections busy, each
// with one request in flight (a closed loop, like load.ts), for a fixed time. Every response is
// timed here, so latencies keep sub-millisecond precision and only expected answers count.
import { performance } from 'node:perf_hooks'
import autocannon from 'autocannon'

export interface HttpLoadPlan {
  url: string
  headers: Record<string, string>
  body: string
  connections: number
  seconds: number
  /** The status that means "accepted"; any other answer is an error. */
  okStatus: number
}

export interface HttpLoadResult {
  /** Requests answered with okStatus. */
  ok: number
  /** Other answers, by status. */
  unexpected: Map<number, number>
  /** Connection errors and timeouts (requests that got no answer). */
  failed: number
  /** From the start of the run to its end. */
  elapsedMs: number
  /** Latency of every okStatus answer, in milliseconds. */
  latenciesMs: number[]
}

export async function runHttpLoad(plan: HttpLoadPlan): Promise<HttpLoadResult> {
  const latenciesMs: number[] = []
  const unexpected = new Map<number, number>()
  let ok = 0
  const start = performance.now()
  const instance = autocannon({
    url: plan.url,
    method: 'POST',
    headers: plan.headers,
    body: plan.body,
    connections: plan.connections,
    duration: plan.seconds,
    timeout: 30,
  })
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status === plan.okStatus) {
      ok++
      latenciesMs.push(ms)
    } else {
      unexpected.set(status, (unexpected.get(status) ?? 0) + 1)
    }
  })
  const result = await instance
  return {
    ok,
    unexpected,
    // autocannon counts a timeout as an error too.
    failed: result.errors,
    elapsedMs: performance.now() - start,
    latenciesMs,
  }
}

/** All requests that were not accepted: other statuses, connection errors, timeouts. */
export function errorCount(result: HttpLoadResult): number {
  let total = result.failed
  for (const count of result.unexpected.values()) total += count
  return total
}

/** `413 x2, 503 x5, 3 without an answer`, for logs and problem reports. */
export function describeErrors(result: HttpLoadResult): string {
  const parts = [...result.unexpected].map(([status, count]) => `${status} x${count}`)
  if (result.failed > 0) parts.push(`${result.failed} without an answer`)
  return parts.join(', ')
}
