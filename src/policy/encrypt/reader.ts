// The read side of envelope encryption: from a record's `weir-encryption` header to an Opener
// that decrypts its values synchronously. Only `prepareRead` is async (it may call the KMS, once
// per DEK per cache TTL, through the shared DataKeyCache).
import { KmsError, type KeyManagement } from '../../kms/index.ts'
import { openValue } from './aes-gcm.ts'
import type { DataKeyCache } from './dek-cache.ts'
import { decodeHeader, type EncryptionHeader } from './header.ts'

export interface EnvelopeReaderOptions {
  /** The provider of a `kms:` entry by name; undefined when there is none of that name. */
  readonly kms: (name: string) => KeyManagement | undefined
  readonly cache: DataKeyCache
}

export interface Opener {
  readonly header: EncryptionHeader
  /** The plaintext of `iv | ciphertext | tag`; throws a TamperedValueError if it fails its tag. */
  open(sealed: Buffer, context: Buffer): Buffer
}

export class EnvelopeReader {
  readonly #options: EnvelopeReaderOptions

  constructor(options: EnvelopeReaderOptions) {
    this.#options = options
  }

  /**
   * The opener of a record whose `weir-encryption` header is `header`. Rejects with a
   * MalformedHeaderError, or a KmsError: `key-not-found` when the KEK is gone (the record stays
   * unreadable), `unavailable` when the KMS is down and the DEK is not cached.
   */
  async prepareRead(header: Buffer): Promise<Opener> {
    const decoded = decodeHeader(header)
    const kms = this.#options.kms(decoded.kms)
    if (kms === undefined) {
      throw new KmsError(
        'key-not-found',
        decoded.kekId,
        `the record's key is in KMS "${decoded.kms}", which is not configured here`
      )
    }
    const key = await this.#options.cache.unwrap({
      kmsName: decoded.kms,
      kms,
      kekId: decoded.kekId,
      wrapped: decoded.wrappedDek,
    })
    return { header: decoded, open: (sealed, context) => openValue(key, sealed, context) }
  }
}
