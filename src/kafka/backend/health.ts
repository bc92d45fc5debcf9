// The circuit breaker of one backend cluster, and the last known answer to "is it up?". A
// background check asks the cluster every `intervalMs`; a send that failed at the connection
// level asks at once. While the last check failed the circuit is open: synchronous produce answers
// 503 with Retry-After without trying (kafkajs would spend its retries, seconds, finding out
// again), and readiness answers from that state instead of waiting for a probe. The next check
// that succeeds, or any send that succeeds, closes it. Only the check opens it: a failure of one
// topic (a missing leader, a slow partition) does not fail a cluster-wide metadata request, so it
// never takes the other topics down with it.
import { GatewayError } from '../../core/errors.ts'
import type { ProbeResult } from '../../core/readiness.ts'

export type { ProbeResult } from '../../core/readiness.ts'

export interface BackendHealthOptions {
  /** The backend cluster's name, for messages. */
  name: string
  /** One bounded, cluster-wide request (it resolves with ok: false rather than hang). */
  probe(): Promise<ProbeResult>
  intervalMs: number
  /** Told when the cluster goes down or comes back. */
  onChange?(result: ProbeResult): void
}

export class BackendHealth {
  readonly #options: BackendHealthOptions
  #last: ProbeResult | undefined
  #checking: Promise<ProbeResult> | undefined
  #timer: NodeJS.Timeout | undefined

  constructor(options: BackendHealthOptions) {
    this.#options = options
  }

  /** Checks now and then every `intervalMs`, until stop(). */
  start(): void {
    if (this.#timer !== undefined) return
    void this.check()
    this.#timer = setInterval(() => void this.check(), this.#options.intervalMs)
    this.#timer.unref()
  }

  stop(): void {
    clearInterval(this.#timer)
  }

  /** Whether the circuit is open: the last check failed and nothing succeeded since. */
  get down(): boolean {
    return this.#last?.ok === false
  }

  /** The last known state; only before the first check ever finished, that check's answer. */
  state(): Promise<ProbeResult> {
    return this.#last !== undefined ? Promise.resolve(this.#last) : this.check()
  }

  /** One check at a time: callers meanwhile share the one under way. */
  check(): Promise<ProbeResult> {
    this.#checking ??= this.#options
      .probe()
      .catch((err: unknown): ProbeResult => ({ ok: false, error: String(err) }))
      .then((result) => {
        this.#record(result)
        return result
      })
      .finally(() => (this.#checking = undefined))
    return this.#checking
  }

  /** A send failed at the connection level or timed out: find out now whether the cluster is up. */
  suspect(): void {
    void this.check()
  }

  /** A send succeeded: the cluster answers. */
  succeeded(): void {
    if (this.down) this.#record({ ok: true })
  }

  /** The 503 to answer while the circuit is open, else undefined. */
  refusal(): GatewayError | undefined {
    if (!this.down) return undefined
    return new GatewayError(
      'backend-unavailable',
      `backend cluster "${this.#options.name}" is down (${this.#last?.error ?? 'unreachable'}); nothing was sent, retry once it is back`,
      { retryAfterSeconds: Math.max(1, Math.ceil(this.#options.intervalMs / 1000)) }
    )
  }

  #record(result: ProbeResult): void {
    const was = this.#last?.ok
    this.#last = result
    if (was !== result.ok) this.#options.onChange?.(result)
  }
}
