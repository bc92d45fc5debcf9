// Key management: the KeyManagement interface, its typed failures, and the providers a `kms:`
// entry of the configuration names.
import type { KmsConfig } from '../config/index.ts'
import { AwsKms } from './aws.ts'
import type { KeyManagement } from './key-management.ts'
import { Keyring } from './keyring.ts'

export { AwsKms, type AwsKmsOptions } from './aws.ts'
export { isKmsFailure, KmsError, type KmsFailure } from './errors.ts'
export { DATA_KEY_BYTES, type DataKey, type KeyManagement } from './key-management.ts'
export { Keyring, type KeyringOptions } from './keyring.ts'

/** The provider a `kms:` entry configures. */
export function createKeyManagement(config: KmsConfig): KeyManagement {
  switch (config.kind) {
    case 'keyring':
      return new Keyring({ file: config.file })
    case 'aws':
      return new AwsKms({
        region: config.region,
        endpoint: config.endpoint,
        credentials: config.credentials,
        requestTimeoutMs: config.requestTimeoutMs,
        maxAttempts: config.maxAttempts,
      })
  }
}
