// Envelope encryption of record values (issue 18's `encrypt` policies build on it).
export { SEAL_OVERHEAD, TamperedValueError, valueContext } from './aes-gcm.ts'
export { DataKeyCache, type DataKeyCacheOptions, type WrappedDataKey } from './dek-cache.ts'
export {
  DataKeyUsedUpError,
  DEFAULT_MAX_DEK_AGE_MS,
  DEFAULT_MAX_ENCRYPTIONS_PER_DEK,
  Envelope,
  type EnvelopeOptions,
  type Sealer,
} from './envelope.ts'
export {
  decodeHeader,
  ENCRYPTION_HEADER,
  encodeHeader,
  MalformedHeaderError,
  type Algorithm,
  type EncryptionHeader,
} from './header.ts'
export { consumedEncryptionHeader, storedHeaders } from './targets.ts'
export { EnvelopeReader, type EnvelopeReaderOptions, type Opener } from './reader.ts'
