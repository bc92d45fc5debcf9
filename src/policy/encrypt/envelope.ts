// The write side of envelope encryption: values sealed with AES-256-GCM under a data key (DEK)
// that the KMS generated and wrapped under a key-encryption key (KEK); the wrapped DEK travels in
// the record's `weir-encryption` header. Only `prepareWrite` is async (it may call the KMS); the
// Sealer it returns seals synchronously, so per-record transforms stay synchronous.
//
// A DEK's use is bounded (Kong's CVE-2026-17578 used AES-GCM keys past the safe limit):
// - by count: with random 96-bit IVs NIST SP 800-38D §8.3 allows at most 2^32 encryptions per
//   key (IV collision probability ≤ 2^-32). The default 2^24 keeps that probability near 2^-49
//   (n²/2^97) and costs one KMS call per 16.7 million values. Encryptions are reserved before
//   they are made, so concurrent writers never take a DEK past the limit.
// - by age: a DEK is retired after `maxDekAgeMs`, bounding what one leaked DEK exposes and how
//   long records keep the same wrapped key (a KEK rotation reaches new records within that time).
import { createSecretKey, type KeyObject } from 'node:crypto'
import { KmsError, type KeyManagement } from '../../kms/index.ts'
import { sealValue } from './aes-gcm.ts'
import type { DataKeyCache } from './dek-cache.ts'
import { encodeHeader } from './header.ts'

/** A Sealer used past its reservation when its DEK had none left (or aged): prepare again. */
export class DataKeyUsedUpError extends RangeError {
  constructor(reserved: number) {
    super(`${reserved} encryptions were reserved and the data key has no more: prepareWrite again`)
    this.name = 'DataKeyUsedUpError'
  }
}

export const DEFAULT_MAX_ENCRYPTIONS_PER_DEK = 2 ** 24
export const DEFAULT_MAX_DEK_AGE_MS = 60 * 60_000
/** The NIST SP 800-38D bound for random IVs; a configured limit above it is refused. */
const NIST_RANDOM_IV_LIMIT = 2 ** 32

export interface EnvelopeOptions {
  readonly kms: KeyManagement
  /** The `kms:` entry's name, written in the header for readers to find the same provider. */
  readonly kmsName: string
  readonly kekId: string
  readonly maxEncryptionsPerDek?: number
  readonly maxDekAgeMs?: number
  /** Gets each new DEK, so this node reads its own records without a KMS call. */
  readonly cache?: DataKeyCache
  /** The clock (epoch milliseconds); tests step it. */
  readonly now?: () => number
}

/** Encryptions reserved under one DEK, to use at once (a record or a batch). */
export interface Sealer {
  /**
   * `iv | ciphertext | tag`; `context` from valueContext(topic, target). Past the reserved count
   * it takes one more from the same DEK while the DEK has any left and is young enough (how many
   * fields a record has may be known only while it is edited); otherwise it throws a
   * DataKeyUsedUpError, and a new prepareWrite gives a new DEK. Reserving as many as a record or
   * batch can need avoids that: an unused reservation only retires the DEK sooner.
   */
  seal(plaintext: Buffer, context: Buffer): Buffer
  /** The `weir-encryption` header of a record sealed with this DEK, encrypted at `targets`. */
  header(targets: readonly string[]): Buffer
  /** Encryptions left of those reserved. */
  readonly remaining: number
}

interface ActiveDek {
  readonly key: KeyObject
  readonly wrapped: Buffer
  readonly createdAt: number
  /** Encryptions reserved so far, never above the limit. */
  reserved: number
}

export class Envelope {
  readonly #options: EnvelopeOptions
  readonly #maxEncryptions: number
  readonly #maxAgeMs: number
  readonly #now: () => number
  #current: ActiveDek | undefined
  /** The KMS call for the next DEK, shared by every writer waiting for it. */
  #generating: Promise<void> | undefined

  constructor(options: EnvelopeOptions) {
    const max = options.maxEncryptionsPerDek ?? DEFAULT_MAX_ENCRYPTIONS_PER_DEK
    if (!Number.isSafeInteger(max) || max < 1 || max > NIST_RANDOM_IV_LIMIT) {
      throw new RangeError(
        `maxEncryptionsPerDek must be 1 to 2^32 (NIST SP 800-38D for random IVs), not ${max}`
      )
    }
    const age = options.maxDekAgeMs ?? DEFAULT_MAX_DEK_AGE_MS
    if (!(age > 0)) throw new RangeError(`maxDekAgeMs must be positive, not ${age}`)
    this.#options = options
    this.#maxEncryptions = max
    this.#maxAgeMs = age
    this.#now = options.now ?? Date.now
  }

  /**
   * Reserves `count` encryptions (the values of one record or batch) under a DEK young enough
   * and with enough left, generating a new one when needed. Rejects with a KmsError when the KMS
   * cannot give one: nothing must then be written, least of all the clear text.
   */
  async prepareWrite(count = 1): Promise<Sealer> {
    if (!Number.isSafeInteger(count) || count < 1 || count > this.#maxEncryptions) {
      throw new RangeError(
        `a write reserves 1 to ${this.#maxEncryptions} encryptions, not ${count}`
      )
    }
    for (;;) {
      const dek = this.#current
      if (dek !== undefined && this.#fits(dek, count)) {
        dek.reserved += count
        return this.#sealer(dek, count)
      }
      // Whoever arrives while a DEK is generated waits for that one; each then tries to reserve
      // again, and a DEK used up meanwhile by the others makes the next round generate another.
      this.#generating ??= this.#generate().finally(() => (this.#generating = undefined))
      await this.#generating
    }
  }

  #fits(dek: ActiveDek, count: number): boolean {
    return (
      dek.reserved + count <= this.#maxEncryptions && this.#now() - dek.createdAt < this.#maxAgeMs
    )
  }

  async #generate(): Promise<void> {
    const { kms, kmsName, kekId, cache } = this.#options
    const { plaintext, wrapped } = await kms.generateDataKey(kekId)
    if (plaintext.length !== 32) {
      throw new KmsError('unavailable', kekId, 'the KMS gave a data key that is not AES-256')
    }
    cache?.put({ kmsName, kekId, wrapped }, plaintext)
    this.#current = {
      key: createSecretKey(plaintext),
      wrapped,
      createdAt: this.#now(),
      reserved: 0,
    }
  }

  #sealer(dek: ActiveDek, count: number): Sealer {
    const { kmsName, kekId } = this.#options
    let left = count
    // Records of one batch nearly all seal the same targets: their header is built once.
    const headers = new Map<string, Buffer>()
    return {
      seal: (plaintext, context) => {
        if (left > 0) left--
        else if (this.#fits(dek, 1)) dek.reserved++
        else throw new DataKeyUsedUpError(count)
        return sealValue(dek.key, plaintext, context)
      },
      header: (targets) => {
        const id = targets.join('\0')
        let header = headers.get(id)
        if (header === undefined) {
          header = encodeHeader({
            kms: kmsName,
            kekId,
            wrappedDek: dek.wrapped,
            algorithm: 'AES-256-GCM',
            targets,
          })
          headers.set(id, header)
        }
        return header
      },
      get remaining() {
        return left
      },
    }
  }
}
