// Buffers to gather large broker responses in. A Fetch response of megabytes arrives in many
// socket reads and is gathered into one buffer to decode (or to send on whole). A fresh buffer per
// response is memory V8 counts as external: every few tens of megabytes fetched it runs a full
// mark-compact for it, which was most of Weir's CPU per megabyte fetched. So a buffer is lent out
// and, once the response gathered in it has been written to the client (nothing refers to it
// any more: the records went out as views of it), taken back for the next one. The pool is one
// for the process and bounded, so idle consumers keep nothing and many connections no more.

/** Smaller frames come from Node's own pool or cost too little to matter. */
const MIN_POOLED_BYTES = 64 * 1024
/** Sizes round up to this, so responses of about the same size reuse one another's buffers. */
const ROUND_TO = 1024 * 1024
const MAX_POOLED = 8
const MAX_POOLED_BYTES = 64 * 1024 * 1024

export class FrameBuffers {
  readonly #pool: Buffer[] = []
  /** The memory of buffers lent out, to know a returned payload as one of ours. */
  readonly #lent = new WeakSet<ArrayBufferLike>()

  /** A buffer of `bytes` bytes to fill: lent when large, to give back through `release`. */
  readonly allocate = (bytes: number): Buffer => {
    if (bytes < MIN_POOLED_BYTES) return Buffer.allocUnsafe(bytes)
    let best = -1
    for (let i = 0; i < this.#pool.length; i++) {
      const size = (this.#pool[i] as Buffer).length
      if (size >= bytes && (best < 0 || size < (this.#pool[best] as Buffer).length)) best = i
    }
    // allocUnsafeSlow: memory of its own (never a slice of Node's shared pool), so the whole of
    // it can be lent and taken back.
    const whole =
      best >= 0
        ? (this.#pool.splice(best, 1)[0] as Buffer)
        : Buffer.allocUnsafeSlow(Math.ceil(bytes / ROUND_TO) * ROUND_TO)
    this.#lent.add(whole.buffer)
    return whole.subarray(0, bytes)
  }

  /** Whether `payload` was gathered in a lent buffer (and so should be given back). */
  lent(payload: Uint8Array): boolean {
    return this.#lent.has(payload.buffer)
  }

  /** Takes back the buffer `payload` was gathered in: nothing may refer to it any more. */
  release(payload: Uint8Array): void {
    const memory = payload.buffer
    if (!this.#lent.delete(memory)) return
    const whole = Buffer.from(memory)
    const pooled = this.#pool.reduce((sum, b) => sum + b.length, 0)
    if (this.#pool.length < MAX_POOLED && pooled + whole.length <= MAX_POOLED_BYTES) {
      this.#pool.push(whole)
    }
  }

  /** Bytes held for reuse. */
  get pooledBytes(): number {
    return this.#pool.reduce((sum, b) => sum + b.length, 0)
  }
}

/** The process's pool for broker responses. */
export const responseBuffers = new FrameBuffers()
