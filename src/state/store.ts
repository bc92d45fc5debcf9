// What Weir keeps in a store shared by its nodes (`state:`): token buckets that two nodes cannot
// both spend the last token of, Idempotency-Key records, and each node's connection counts. The policy engine and the produce
// path talk to this interface; only src/state/redis-store.ts knows the client library.

/** A bucket's settings, sent with every call: a reload that changes them takes effect at once. */
export interface BucketShape {
  /** Tokens per second. */
  rate: number
  /** Most tokens the bucket holds. */
  capacity: number
}

export interface TokenTake {
  /** Tokens taken (up to `want`; 0 when fewer than `min` were there). */
  granted: number
  /** What the shared bucket holds after the call (negative: debt). */
  balance: number
  /** Milliseconds until `min` tokens will be there; 0 when they were granted. */
  waitMs: number
}

/** The store's answer to a node's connection count under one limit. */
export interface SlotsAnswer {
  /** Whether the count was set (false: the live nodes' counts with it would pass `max`). */
  set: boolean
  /** What the other live nodes hold under the key. */
  others: number
}

/** A recorded Idempotency-Key answer, or the marker of a first request still running. */
export type IdempotencyRecord =
  | { state: 'running'; fingerprint: string }
  | { state: 'done'; fingerprint: string; response: string }

export interface StateStore {
  /** Whether the store answers now (connected); calls fail fast while it is not. */
  readonly ready: boolean
  /** Takes up to `want` tokens, or none when fewer than `min` are there. */
  take(key: string, shape: BucketShape, want: number, min: number): Promise<TokenTake>
  /** Takes `amount` tokens whatever the balance (a Kafka quota's charge after the fact). */
  charge(key: string, shape: BucketShape, amount: number): Promise<TokenTake>
  /**
   * Marks an Idempotency-Key as running on this node for `ttlMs` unless a record exists; the
   * existing record when one does (undefined: the claim is ours).
   */
  claim(key: string, fingerprint: string, ttlMs: number): Promise<IdempotencyRecord | undefined>
  /** The record of a key, if any. */
  read(key: string): Promise<IdempotencyRecord | undefined>
  /** Stores the first answer for `ttlMs`. */
  complete(key: string, fingerprint: string, response: string, ttlMs: number): Promise<void>
  /** Forgets a claim whose request failed, so a retry may run it again. */
  release(key: string): Promise<void>
  /**
   * Sets `node`'s whole count of connections under `key`, living `ttlMs` unless set again, unless
   * the other live nodes' counts plus `count` pass `max` (-1: set whatever they hold).
   */
  setSlots(
    key: string,
    node: string,
    count: number,
    max: number,
    ttlMs: number
  ): Promise<SlotsAnswer>
  /** Closes the connection (the services that opened it are retired). */
  close(): Promise<void>
}

/** Thrown when the store cannot answer (down, or slower than `commandTimeoutMs`). */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`shared state store unavailable: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    })
    this.name = 'StoreUnavailableError'
  }
}
