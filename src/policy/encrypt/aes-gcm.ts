// AES-256-GCM over one value: `iv (12 bytes) | ciphertext | tag (16 bytes)`. A fresh random
// 96-bit IV per value, the size GCM is specified for (NIST SP 800-38D §8.2.2: other sizes are
// hashed into one and weaken the bound). The additional data binds where the value belongs, so a
// ciphertext copied into another field or topic fails its tag instead of decrypting there.
import { createCipheriv, createDecipheriv, randomFillSync, type KeyObject } from 'node:crypto'
import { GatewayError } from '../../core/errors.ts'

const IV_BYTES = 12
const TAG_BYTES = 16
/**
 * IVs are cut from a pool of random bytes filled in one call for 512 of them: a call to the
 * CSPRNG per value cost a third of sealing a small one. Each byte is used once.
 */
const ivPool = Buffer.alloc(IV_BYTES * 512)
let ivTaken = ivPool.length

function nextIv(): Buffer {
  if (ivTaken === ivPool.length) {
    randomFillSync(ivPool)
    ivTaken = 0
  }
  ivTaken += IV_BYTES
  return ivPool.subarray(ivTaken - IV_BYTES, ivTaken)
}

/** What sealing adds to a value's length. */
export const SEAL_OVERHEAD = IV_BYTES + TAG_BYTES

/** A value that fails authentication: altered, moved to another field or topic, or another key. */
export class TamperedValueError extends GatewayError {
  constructor(detail: string) {
    super('invalid-record', detail)
    this.name = 'TamperedValueError'
  }
}

/**
 * The additional data of a value at `target` (a JSON pointer, "" for the whole value) of a record
 * in `topic`. NUL separates: topic names cannot hold one, so no two places share a context.
 */
export function valueContext(topic: string, target: string): Buffer {
  const id = `weir-v1\0${topic}\0${target}`
  let context = contexts.get(id)
  if (context === undefined) {
    if (contexts.size >= MAX_CONTEXTS) contexts.clear()
    context = Buffer.from(id, 'utf8')
    contexts.set(id, context)
  }
  return context
}

/** Contexts by their text: every value of a topic's field has the same one (never written to). */
const contexts = new Map<string, Buffer>()
const MAX_CONTEXTS = 10_000

/**
 * Seals with `key`, a KeyObject: Node imports a raw key anew at every cipher, which made sealing
 * a small value four times slower.
 */
export function sealValue(key: KeyObject, plaintext: Buffer, context: Buffer): Buffer {
  const iv = nextIv()
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(context)
  const body = cipher.update(plaintext)
  const last = cipher.final()
  return Buffer.concat([iv, body, last, cipher.getAuthTag()])
}

export function openValue(key: KeyObject, sealed: Buffer, context: Buffer): Buffer {
  if (sealed.length < SEAL_OVERHEAD) {
    throw new TamperedValueError(`an encrypted value is at least ${SEAL_OVERHEAD} bytes`)
  }
  const iv = sealed.subarray(0, IV_BYTES)
  const tag = sealed.subarray(sealed.length - TAG_BYTES)
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(context)
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, -TAG_BYTES)), decipher.final()])
  } catch {
    throw new TamperedValueError(
      'an encrypted value failed authentication: altered, or moved from another field or topic'
    )
  }
}
