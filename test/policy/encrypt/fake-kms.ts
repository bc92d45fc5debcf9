// An in-memory KMS for the envelope's unit tests: counts calls, can hold them (to make callers
// overlap) and can fail as a real one does.
import { randomBytes } from 'node:crypto'
import { KmsError, type KmsFailure, type KeyManagement } from '../../../src/kms/index.ts'

export class FakeKms implements KeyManagement {
  generated = 0
  unwrapped = 0
  /** Set: every call fails so. */
  failing: KmsFailure | undefined
  /** Set: calls wait for it before answering. */
  gate: Promise<void> | undefined
  readonly #keys = new Map<string, Buffer>()

  async generateDataKey(kekId: string): Promise<{ plaintext: Buffer; wrapped: Buffer }> {
    await this.#answer(kekId)
    this.generated++
    const plaintext = randomBytes(32)
    const wrapped = Buffer.concat([Buffer.from(`${kekId}:`), randomBytes(16)])
    this.#keys.set(wrapped.toString('base64'), plaintext)
    return { plaintext, wrapped }
  }

  async unwrapDataKey(kekId: string, wrapped: Buffer): Promise<Buffer> {
    await this.#answer(kekId)
    this.unwrapped++
    const key = this.#keys.get(wrapped.toString('base64'))
    if (key === undefined) throw new KmsError('key-not-found', kekId, 'unknown wrapped key')
    return key
  }

  close(): void {}

  async #answer(kekId: string): Promise<void> {
    await this.gate
    if (this.failing) throw new KmsError(this.failing, kekId, `fake KMS: ${this.failing}`)
  }
}

/** A promise and the function that settles it. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void
  const promise = new Promise<void>((resolve) => (open = resolve))
  return { promise, open }
}
