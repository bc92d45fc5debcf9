// Record batches decoded and encoded synchronously, for the Fetch edit: a response edit runs
// inside the response path, which has no way to wait (see ResponseFilter), so it cannot use the
// records module's promise-based codecs. The cost is the event loop's while a batch inflates and
// deflates; it is paid only for partitions of topics a transform policy's fetch part covers.
// The layout is protocol/records/batch.ts's; only the codecs differ.
import { gunzipSync, gzipSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib'
import { compressFrameSync, decompressFrameSync } from 'lz4-napi'
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy'
import { zstdFrames } from '../../protocol/records/zstd-frames.ts'
import { CodecError } from '../../protocol/index.ts'
import { Reader } from '../../protocol/reader.ts'
import { lz4MaxOutput } from '../../protocol/records/lz4-frame.ts'
import { snappyBlocks, xerialChunks, xerialFrame } from '../../protocol/records/xerial.ts'
import { encodeRecords, frameBatch } from '../../protocol/records/batch.ts'
import { readRecord } from '../../protocol/records/record.ts'
import {
  BATCH_HEADER_BYTES,
  BatchAttribute,
  Compression,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type KafkaRecord,
  type RecordBatch,
} from '../../protocol/records/index.ts'

const LOG_OVERHEAD = 12
const MAGIC_OFFSET = 16
const ATTRIBUTES_OFFSET = 21

/** The magic byte of a whole batch (v0/v1 message sets are passed on untouched). */
export function batchMagic(batch: Buffer): number {
  return batch.length > MAGIC_OFFSET ? batch.readInt8(MAGIC_OFFSET) : -1
}

/** Decodes a whole magic v2 batch; the broker wrote it, so its CRC is not checked again. */
export function decodeBatchSync(data: Buffer, maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES) {
  if (data.length < BATCH_HEADER_BYTES) throw new CodecError('record batch shorter than its header')
  const r = new Reader(data)
  const baseOffset = r.int64()
  r.offset = ATTRIBUTES_OFFSET
  const attributes = r.int16()
  const batch: RecordBatch = {
    baseOffset,
    partitionLeaderEpoch: data.readInt32BE(LOG_OVERHEAD),
    attributes,
    lastOffsetDelta: r.int32(),
    baseTimestamp: r.int64(),
    maxTimestamp: r.int64(),
    producerId: r.int64(),
    producerEpoch: r.int16(),
    baseSequence: r.int32(),
    records: [],
  }
  const count = r.int32()
  const body = new Reader(
    decompressSync(
      attributes & BatchAttribute.compression,
      data.subarray(BATCH_HEADER_BYTES),
      maxBytes
    )
  )
  if (count < 0 || count > body.remaining) throw new CodecError(`record count ${count} is invalid`)
  for (let i = 0; i < count; i++) batch.records.push(readRecord(body))
  return batch
}

/** Encodes a batch as given (header fields kept), compressed as its attributes say. */
export function encodeBatchSync(batch: RecordBatch): Buffer {
  const records = encodeRecords(batch.records as KafkaRecord[])
  return frameBatch(batch, compressSync(batch.attributes & BatchAttribute.compression, records))
}

function tooLarge(maxBytes: number): CodecError {
  return new CodecError(`records decompress to more than ${maxBytes} bytes`)
}

function decompressSync(code: number, data: Buffer, maxBytes: number): Buffer {
  try {
    switch (code) {
      case Compression.none:
        return data
      case Compression.gzip:
        return gunzipSync(data, { maxOutputLength: maxBytes })
      case Compression.snappy:
        return snappyDecompress(data, maxBytes)
      case Compression.lz4:
        if (lz4MaxOutput(data) > maxBytes) throw tooLarge(maxBytes)
        return decompressFrameSync(data)
      case Compression.zstd: {
        // Every frame in a row, not only the first (Node's decoder stops after one).
        const outputs = zstdFrames(data).map((f) =>
          zstdDecompressSync(f, { maxOutputLength: maxBytes })
        )
        const out = outputs.length === 1 ? (outputs[0] as Buffer) : Buffer.concat(outputs)
        if (out.length > maxBytes) throw tooLarge(maxBytes)
        return out
      }
      default:
        throw new CodecError(`unknown compression code ${code}`)
    }
  } catch (err) {
    if (err instanceof CodecError) throw err
    throw new CodecError(`cannot decompress records: ${(err as Error).message}`, { cause: err })
  }
}

function compressSync(code: number, data: Buffer): Buffer {
  switch (code) {
    case Compression.none:
      return data
    case Compression.gzip:
      return gzipSync(data)
    case Compression.snappy:
      // snappy-java's xerial framing, as Java producers write it.
      return xerialFrame(xerialChunks(data).map((chunk) => snappyCompress(chunk)))
    case Compression.lz4:
      return compressFrameSync(data)
    case Compression.zstd:
      return zstdCompressSync(data)
    default:
      throw new CodecError(`unknown compression code ${code}`)
  }
}

/** Raw snappy, or snappy-java's xerial framing of raw blocks. */
function snappyDecompress(data: Buffer, maxBytes: number): Buffer {
  const outputs = snappyBlocks(data, maxBytes).map(
    (b) => snappyUncompress(b, { asBuffer: true }) as Buffer
  )
  return outputs.length === 1 ? (outputs[0] as Buffer) : Buffer.concat(outputs)
}
