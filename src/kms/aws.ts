// The `aws` KMS: AWS KMS (or a KMS-compatible server at `endpoint`) through the official SDK.
// GenerateDataKey makes each data key inside the KMS; Decrypt unwraps it. Both carry the same
// encryption context, which KMS binds to the wrapped key: a data key wrapped for Weir does not
// unwrap through another application's Decrypt call without it, and CloudTrail shows it.
import {
  DecryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  type KMSClientConfig,
} from '@aws-sdk/client-kms'
import { KmsError, type KmsFailure } from './errors.ts'
import { DATA_KEY_BYTES, type DataKey, type KeyManagement } from './key-management.ts'

export interface AwsKmsOptions {
  readonly region: string
  /** A KMS-compatible server instead of AWS's regional endpoint. */
  readonly endpoint?: string | undefined
  /** Static credentials; without them, the SDK's default chain (env, profile, IMDS, IRSA...). */
  readonly credentials?:
    { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined } | undefined
  /** The bound of one call, its retries included: a produce waits no longer for a data key. */
  readonly requestTimeoutMs: number
  /** Attempts per call (the SDK retries throttling and 5xx with backoff). */
  readonly maxAttempts: number
}

// Errors that say the key itself cannot be used: it is gone, disabled, pending deletion, or the
// wrapped key is not one of its own. KMS's KeyUnavailableException is not among them: AWS
// documents it as transient.
const KEY_NOT_FOUND = new Set([
  'NotFoundException',
  'DisabledException',
  'KMSInvalidStateException',
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'InvalidKeyUsageException',
  'InvalidArnException',
])
const ACCESS_DENIED = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'CredentialsProviderError',
])

export class AwsKms implements KeyManagement {
  readonly #client: KMSClient
  readonly #timeoutMs: number

  constructor(options: AwsKmsOptions) {
    const config: KMSClientConfig = {
      region: options.region,
      maxAttempts: options.maxAttempts,
      // Per attempt; the abort signal in #send bounds the whole call.
      requestHandler: {
        requestTimeout: options.requestTimeoutMs,
        connectionTimeout: options.requestTimeoutMs,
      },
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    }
    this.#client = new KMSClient(config)
    this.#timeoutMs = options.requestTimeoutMs
  }

  async generateDataKey(kekId: string): Promise<DataKey> {
    const command = new GenerateDataKeyCommand({
      KeyId: kekId,
      KeySpec: 'AES_256',
      EncryptionContext: context(kekId),
    })
    const out = await this.#call(kekId, 'GenerateDataKey', (abortSignal) =>
      this.#client.send(command, { abortSignal })
    )
    if (out.Plaintext?.length !== DATA_KEY_BYTES || !out.CiphertextBlob) {
      throw new KmsError('unavailable', kekId, 'KMS GenerateDataKey answered without a data key')
    }
    return { plaintext: Buffer.from(out.Plaintext), wrapped: Buffer.from(out.CiphertextBlob) }
  }

  async unwrapDataKey(kekId: string, wrapped: Buffer): Promise<Buffer> {
    // KeyId too: KMS then refuses a wrapped key of any other KEK instead of decrypting it.
    const command = new DecryptCommand({
      KeyId: kekId,
      CiphertextBlob: wrapped,
      EncryptionContext: context(kekId),
    })
    const out = await this.#call(kekId, 'Decrypt', (abortSignal) =>
      this.#client.send(command, { abortSignal })
    )
    if (out.Plaintext?.length !== DATA_KEY_BYTES) {
      throw new KmsError('key-not-found', kekId, 'KMS Decrypt answered with no AES-256 data key')
    }
    return Buffer.from(out.Plaintext)
  }

  /** Stops the SDK's HTTP agent (open sockets to the KMS). */
  close(): void {
    this.#client.destroy()
  }

  /** One KMS call, bounded by the timeout, its failure typed. */
  async #call<T>(
    kekId: string,
    what: string,
    send: (abortSignal: AbortSignal) => Promise<T>
  ): Promise<T> {
    try {
      return await send(AbortSignal.timeout(this.#timeoutMs))
    } catch (err) {
      const name = String((err as { name?: unknown }).name)
      const failure: KmsFailure = KEY_NOT_FOUND.has(name)
        ? 'key-not-found'
        : ACCESS_DENIED.has(name)
          ? 'access-denied'
          : 'unavailable'
      throw new KmsError(
        failure,
        kekId,
        `KMS ${what} with key "${kekId}" failed: ${name}: ${(err as Error).message}`,
        err
      )
    }
  }
}

/** The encryption context of Weir's data keys, bound to the KEK the policy names. */
function context(kekId: string): Record<string, string> {
  return { 'weir:purpose': 'data-key', 'weir:kek': kekId }
}
