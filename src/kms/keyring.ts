// The `keyring` KMS: key-encryption keys in a local file, for development and tests. The file is
// read again at every call (calls are rare: one per data key, and data keys are cached by the
// envelope), so an edit counts at once: a KEK removed from the file makes every data key it
// wrapped unreadable, as deleting a key in a real KMS does (crypto-shredding).
//
// keys:
//   orders: 3q2+7w... # 32 random bytes, base64 (openssl rand -base64 32)
//
// A data key is wrapped with AES-256-GCM under the KEK, the KEK's id bound as additional data so
// a wrapped key cannot be unwrapped under another id that happens to hold the same bytes.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { parse } from 'yaml'
import { z } from 'zod'
import { KmsError } from './errors.ts'
import { DATA_KEY_BYTES, type DataKey, type KeyManagement } from './key-management.ts'

const VERSION = 1
const IV_BYTES = 12
const TAG_BYTES = 16

const Base64Key = z
  .string()
  .transform((text) => Buffer.from(text, 'base64'))
  .refine((key) => key.length === DATA_KEY_BYTES, {
    message: `a KEK is ${DATA_KEY_BYTES} random bytes in base64 (openssl rand -base64 32)`,
  })

const KeyringFile = z.object({ keys: z.record(z.string().min(1), Base64Key).default({}) }).strict()

export interface KeyringOptions {
  /** The keyring file (YAML or JSON). */
  readonly file: string
}

export class Keyring implements KeyManagement {
  readonly #file: string

  constructor(options: KeyringOptions) {
    this.#file = options.file
  }

  async generateDataKey(kekId: string): Promise<DataKey> {
    const kek = await this.#kek(kekId)
    const plaintext = randomBytes(DATA_KEY_BYTES)
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', kek, iv).setAAD(additionalData(kekId))
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()])
    const wrapped = Buffer.concat([Buffer.of(VERSION), iv, sealed, cipher.getAuthTag()])
    return { plaintext, wrapped }
  }

  async unwrapDataKey(kekId: string, wrapped: Buffer): Promise<Buffer> {
    const kek = await this.#kek(kekId)
    if (wrapped.length !== 1 + IV_BYTES + DATA_KEY_BYTES + TAG_BYTES || wrapped[0] !== VERSION) {
      throw new KmsError('key-not-found', kekId, `not a data key wrapped by the keyring`)
    }
    const iv = wrapped.subarray(1, 1 + IV_BYTES)
    const tag = wrapped.subarray(wrapped.length - TAG_BYTES)
    const sealed = wrapped.subarray(1 + IV_BYTES, wrapped.length - TAG_BYTES)
    try {
      const decipher = createDecipheriv('aes-256-gcm', kek, iv).setAAD(additionalData(kekId))
      decipher.setAuthTag(tag)
      return Buffer.concat([decipher.update(sealed), decipher.final()])
    } catch (err) {
      // The KEK of that name was replaced by another: the one that wrapped this key is gone.
      throw new KmsError(
        'key-not-found',
        kekId,
        `KEK "${kekId}" in ${this.#file} did not wrap this data key`,
        err
      )
    }
  }

  close(): void {
    // Nothing held open: the file is read at each call.
  }

  async #kek(kekId: string): Promise<Buffer> {
    let keys: Record<string, Buffer>
    try {
      keys = KeyringFile.parse(parse(await readFile(this.#file, 'utf8')) ?? {}).keys
    } catch (err) {
      // A file being rewritten or briefly missing is retriable, as a KMS restarting would be.
      throw new KmsError(
        'unavailable',
        kekId,
        `keyring ${this.#file} cannot be read: ${(err as Error).message}`,
        err
      )
    }
    const kek = Object.hasOwn(keys, kekId) ? keys[kekId] : undefined
    if (kek === undefined) {
      throw new KmsError('key-not-found', kekId, `no KEK "${kekId}" in keyring ${this.#file}`)
    }
    return kek
  }
}

function additionalData(kekId: string): Buffer {
  return Buffer.from(`weir-keyring-v${VERSION}:${kekId}`, 'utf8')
}
