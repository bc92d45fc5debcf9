// Record batches (magic v2) with their CRC-32C and compression codecs.
export {
  BATCH_HEADER_BYTES,
  BatchAttribute,
  createRecordBatch,
  decodeRecordBatch,
  decodeRecordBatches,
  encodeRecordBatch,
  splitRecordBatches,
  type DecodeOptions,
  type NewBatchOptions,
  type NewRecord,
  type RecordBatch,
} from './batch.ts'
export {
  compress,
  Compression,
  decompress,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type CompressionCode,
} from './compression.ts'
export { crc32c } from './crc32c.ts'
export { recordSize, recordSizer, type KafkaRecord, type RecordHeader } from './record.ts'
