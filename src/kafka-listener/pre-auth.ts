// Before a client has authenticated it is a stranger, and a stranger gets little of the gateway's
// memory. Kafka reads at most sasl.server.max.receive.size (512 KiB) of a frame before SASL
// authentication completes and closes the connection on a larger size prefix; Weir does the same
// (`maxPreAuthFrameBytes`), checking the 4-byte prefix before any of the body is buffered. Frames
// that small still add up over many connections that trickle bytes, so what all of a listener's
// unauthenticated connections hold is bounded too (`maxPreAuthBufferedBytes`), and a connection
// that has not authenticated within `authenticationTimeoutMs` is closed, however busy it keeps.
import type { ConnectionState } from './filters/types.ts'

/** Bytes held by a listener's unauthenticated connections, all together. */
export class PreAuthBudget {
  readonly maxBytes: number
  #held = 0

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes
  }

  get held(): number {
    return this.#held
  }

  /** Takes `bytes` more; false, taking nothing, when that would go over the budget. */
  take(bytes: number): boolean {
    if (this.#held + bytes > this.maxBytes) return false
    this.#held += bytes
    return true
  }

  give(bytes: number): void {
    this.#held = Math.max(0, this.#held - bytes)
  }
}

/** What a listener asks of its connections until they authenticate. */
export interface PreAuthLimits {
  /** The largest frame accepted before authentication. */
  maxFrameBytes: number
  /** Longest a connection may take to authenticate. */
  timeoutMs: number
  /** Shared by all of the listener's connections. */
  budget: PreAuthBudget
  /** Whether the connection is past authentication (and the limits no longer apply). */
  authenticated(state: ConnectionState): boolean
}

/** Why a connection is closed before it authenticated. */
export type PreAuthRefusal = { why: string; detail: string }

/** One connection's share of the limits, from its opening until it authenticated or closed. */
export class PreAuthGuard {
  readonly #limits: PreAuthLimits
  readonly #openedAt: number
  /** What this connection has taken from the budget. */
  #held = 0

  constructor(limits: PreAuthLimits, openedAt: number) {
    this.#limits = limits
    this.#openedAt = openedAt
  }

  get maxFrameBytes(): number {
    return this.#limits.maxFrameBytes
  }

  authenticated(state: ConnectionState): boolean {
    return this.#limits.authenticated(state)
  }

  /** Accounts for the connection now holding `bytes` of incomplete input; a refusal past the budget. */
  hold(bytes: number): PreAuthRefusal | undefined {
    const more = bytes - this.#held
    if (more <= 0) {
      this.#limits.budget.give(-more)
      this.#held = bytes
      return undefined
    }
    if (!this.#limits.budget.take(more)) {
      const { budget } = this.#limits
      return {
        why: 'pre-authentication memory exhausted',
        detail: `holding ${bytes} bytes would take unauthenticated connections past ${budget.maxBytes} bytes`,
      }
    }
    this.#held = bytes
    return undefined
  }

  /** A refusal once the connection has been open past the authentication timeout. */
  expired(now: number): PreAuthRefusal | undefined {
    const { timeoutMs } = this.#limits
    if (now - this.#openedAt <= timeoutMs) return undefined
    return { why: 'authentication timeout', detail: `not authenticated within ${timeoutMs} ms` }
  }

  /** Gives back what the connection held (it authenticated, or closed). */
  release(): void {
    this.#limits.budget.give(this.#held)
    this.#held = 0
  }
}
