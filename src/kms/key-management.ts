// What the encryption of records needs from a key management service (KMS): fresh data keys
// (DEKs) wrapped by a key-encryption key (KEK) that never leaves the KMS, and the unwrapping of
// such a wrapped DEK again. Providers (a local keyring file, AWS KMS) sit behind this one
// interface so the envelope code knows none of them.

/** A data key: the plaintext to encrypt with (kept in memory only) and how it travels wrapped. */
export interface DataKey {
  /** 32 random bytes: an AES-256 key. */
  readonly plaintext: Buffer
  /** The same key encrypted under the KEK; opaque, stored beside the records it encrypts. */
  readonly wrapped: Buffer
}

export interface KeyManagement {
  /**
   * A fresh AES-256 data key under the KEK `kekId`. Rejects with a KmsError: `unavailable`
   * (retry later), `key-not-found` (the KEK is deleted, disabled or unknown) or `access-denied`.
   */
  generateDataKey(kekId: string): Promise<DataKey>
  /** The plaintext of a data key `generateDataKey(kekId)` wrapped; rejects as it does. */
  unwrapDataKey(kekId: string, wrapped: Buffer): Promise<Buffer>
  /** Releases what the provider holds open (the AWS SDK's sockets); for shutdown and reload. */
  close(): void
}

/** AES-256: every provider's data keys are this long. */
export const DATA_KEY_BYTES = 32
