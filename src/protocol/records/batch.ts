// Record batches, magic v2: the `records` bytes of Produce and Fetch. A batch is a 61-byte header
// (offsets, timestamps, producer state, a CRC-32C over everything after the CRC field) and its
// records, compressed as a whole when the attributes say so.
import { CodecError } from '../codec-error.ts'
import { Reader } from '../reader.ts'
import { Writer } from '../writer.ts'
import {
  compress,
  Compression,
  decompress,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type CompressionCode,
} from './compression.ts'
import { crc32c } from './crc32c.ts'
import { readRecord, writeRecord, type KafkaRecord, type RecordHeader } from './record.ts'

export interface RecordBatch {
  baseOffset: bigint
  partitionLeaderEpoch: number
  /** Compression (bits 0-2), timestamp type (3), transactional (4), control (5), delete
   * horizon (6); see the BatchAttribute masks. */
  attributes: number
  lastOffsetDelta: number
  baseTimestamp: bigint
  maxTimestamp: bigint
  producerId: bigint
  producerEpoch: number
  baseSequence: number
  records: KafkaRecord[]
}

export const BatchAttribute = {
  compression: 0x07,
  logAppendTime: 0x08,
  transactional: 0x10,
  control: 0x20,
  deleteHorizon: 0x40,
} as const

/** The size of a batch header, up to and including the record count. */
export const BATCH_HEADER_BYTES = 61
const LENGTH_OFFSET = 8
const MAGIC_OFFSET = 16
const CRC_OFFSET = 17
const ATTRIBUTES_OFFSET = 21
/** Bytes before the batch length field counts from: base offset and the length itself. */
const LOG_OVERHEAD = 12

export interface DecodeOptions {
  /** Most bytes one batch's records may decompress to. */
  maxDecompressedBytes?: number
  /** Whether to check the CRC (default true). */
  verifyCrc?: boolean
}

/** Cuts `data` (the records of a partition) into whole batches, as views. A fetch response may
 * end in part of a batch, returned as `partial`. Works for every magic: the base offset and
 * length fields have the same place in all of them. */
export function splitRecordBatches(data: Buffer): { batches: Buffer[]; partial: Buffer | null } {
  const batches: Buffer[] = []
  let at = 0
  while (data.length - at >= LOG_OVERHEAD) {
    const length = data.readInt32BE(at + LENGTH_OFFSET)
    if (length < 0) throw new CodecError(`record batch length ${length} is negative`)
    if (data.length - at - LOG_OVERHEAD < length) break
    batches.push(data.subarray(at, at + LOG_OVERHEAD + length))
    at += LOG_OVERHEAD + length
  }
  return { batches, partial: at < data.length ? data.subarray(at) : null }
}

/** Decodes every whole batch in `data`, leaving out a trailing partial one. */
export async function decodeRecordBatches(
  data: Buffer,
  options?: DecodeOptions
): Promise<RecordBatch[]> {
  const { batches } = splitRecordBatches(data)
  const decoded: RecordBatch[] = []
  for (const batch of batches) decoded.push(await decodeRecordBatch(batch, options))
  return decoded
}

/** Decodes one whole magic v2 batch. */
export async function decodeRecordBatch(
  data: Buffer,
  options: DecodeOptions = {}
): Promise<RecordBatch> {
  if (data.length < BATCH_HEADER_BYTES) {
    throw new CodecError(`record batch of ${data.length} bytes is shorter than its header`)
  }
  const length = data.readInt32BE(LENGTH_OFFSET)
  if (length !== data.length - LOG_OVERHEAD) {
    throw new CodecError(`record batch declares ${length} bytes but has ${data.length - 12}`)
  }
  const magic = data.readInt8(MAGIC_OFFSET)
  if (magic !== 2) throw new CodecError(`record batch magic ${magic} is not supported`)
  const crc = data.readUInt32BE(CRC_OFFSET)
  if (options.verifyCrc !== false && crc32c(data, ATTRIBUTES_OFFSET) !== crc) {
    throw new CodecError('record batch CRC does not match')
  }
  const r = new Reader(data)
  const baseOffset = r.int64()
  r.offset = ATTRIBUTES_OFFSET
  const attributes = r.int16()
  const header = {
    baseOffset,
    partitionLeaderEpoch: data.readInt32BE(LOG_OVERHEAD),
    attributes,
    lastOffsetDelta: r.int32(),
    baseTimestamp: r.int64(),
    maxTimestamp: r.int64(),
    producerId: r.int64(),
    producerEpoch: r.int16(),
    baseSequence: r.int32(),
  }
  const count = r.int32()
  const compressed = data.subarray(BATCH_HEADER_BYTES)
  const body = await decompress(
    attributes & BatchAttribute.compression,
    compressed,
    options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES
  )
  const records = new Reader(body)
  // Every record takes at least 7 bytes, so a count beyond that is a lie told to allocate.
  if (count < 0 || count > records.remaining) {
    throw new CodecError(`record count ${count} does not fit the batch`)
  }
  const list: KafkaRecord[] = []
  for (let i = 0; i < count; i++) list.push(readRecord(records))
  if (records.remaining !== 0) {
    throw new CodecError(`${records.remaining} bytes follow the last record of the batch`)
  }
  return { ...header, records: list }
}

/** Encodes a batch as given: the caller keeps lastOffsetDelta and maxTimestamp consistent with
 * the records (createRecordBatch does). Compression comes from the attributes. */
export async function encodeRecordBatch(batch: RecordBatch): Promise<Buffer> {
  const compression = batch.attributes & BatchAttribute.compression
  return frameBatch(batch, await compress(compression, encodeRecords(batch.records)))
}

/** The records of a batch, back to back, before compression. */
export function encodeRecords(records: readonly KafkaRecord[]): Buffer {
  const body = new Writer(1024)
  for (const record of records) writeRecord(body, record)
  return body.finish()
}

/**
 * The batch header (with its CRC) around records already compressed as the attributes say: the
 * one framing for the async encoder here and the synchronous one of the Fetch transform.
 */
export function frameBatch(batch: RecordBatch, records: Buffer): Buffer {
  const w = new Writer(BATCH_HEADER_BYTES + records.length)
  w.int64(batch.baseOffset)
  w.int32(BATCH_HEADER_BYTES - LOG_OVERHEAD + records.length)
  w.int32(batch.partitionLeaderEpoch)
  w.int8(2)
  w.uint32(0) // the CRC, patched below
  w.int16(batch.attributes)
  w.int32(batch.lastOffsetDelta)
  w.int64(batch.baseTimestamp)
  w.int64(batch.maxTimestamp)
  w.int64(batch.producerId)
  w.int16(batch.producerEpoch)
  w.int32(batch.baseSequence)
  w.int32(batch.records.length)
  w.raw(records)
  const out = w.finish()
  out.writeUInt32BE(crc32c(out, ATTRIBUTES_OFFSET), CRC_OFFSET)
  return out
}

export interface NewRecord {
  key?: Buffer | null
  value: Buffer | null
  headers?: RecordHeader[]
  /** Milliseconds since the epoch; defaults to the batch's timestamp. */
  timestamp?: bigint
}

export interface NewBatchOptions {
  compression?: CompressionCode
  baseOffset?: bigint
  /** The create time of records without their own; defaults to now. */
  timestamp?: bigint
  producerId?: bigint
  producerEpoch?: number
  baseSequence?: number
  transactional?: boolean
  partitionLeaderEpoch?: number
}

/** A batch as a producer builds it: offsets from 0, timestamps relative to the first record's,
 * no producer id unless given. */
export function createRecordBatch(
  records: NewRecord[],
  options: NewBatchOptions = {}
): RecordBatch {
  const now = options.timestamp ?? BigInt(Date.now())
  const timestamps = records.map((r) => r.timestamp ?? now)
  const baseTimestamp = timestamps[0] ?? now
  const maxTimestamp = timestamps.reduce((max, t) => (t > max ? t : max), baseTimestamp)
  return {
    baseOffset: options.baseOffset ?? 0n,
    partitionLeaderEpoch: options.partitionLeaderEpoch ?? -1,
    attributes:
      (options.compression ?? Compression.none) |
      (options.transactional ? BatchAttribute.transactional : 0),
    lastOffsetDelta: records.length - 1,
    baseTimestamp,
    maxTimestamp,
    producerId: options.producerId ?? -1n,
    producerEpoch: options.producerEpoch ?? -1,
    baseSequence: options.baseSequence ?? -1,
    records: records.map((record, i) => ({
      attributes: 0,
      timestampDelta: timestamps[i]! - baseTimestamp,
      offsetDelta: i,
      key: record.key ?? null,
      value: record.value,
      headers: record.headers ?? [],
    })),
  }
}
