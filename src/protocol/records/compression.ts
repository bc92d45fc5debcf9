// The compression codecs of record batches, writing what Kafka's Java producer writes and reading
// what any client writes (see src/kafka/compression.ts for the formats in detail). Decompression
// is bounded: a batch that would inflate past `maxBytes` is a CodecError, checked before the
// output is allocated where the format says its size up front (snappy, lz4 blocks) and by
// zlib's own output limit otherwise (gzip, zstd). Every failure is a CodecError.
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import { compressFrame, decompressFrame } from 'lz4-napi'
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappy'
import { zstdFrames } from '../../kafka/compression/zstd-frames.ts'
import { CodecError } from '../codec-error.ts'
import { Reader } from '../reader.ts'
import { lz4MaxOutput } from './lz4-frame.ts'

/** The compression codes of a batch's attributes (bits 0-2). */
export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const
export type CompressionCode = (typeof Compression)[keyof typeof Compression]

/** Default bound on one batch's decompressed records. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024

const gzip = promisify(zlib.gzip)
const gunzip = promisify(zlib.gunzip)
const zstdCompress = promisify(zlib.zstdCompress)
const zstdDecompress = promisify(zlib.zstdDecompress)

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])
const XERIAL_HEADER = Buffer.concat([XERIAL_MAGIC, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1])])
const XERIAL_CHUNK = 32 * 1024

export async function compress(code: number, data: Buffer): Promise<Buffer> {
  switch (code) {
    case Compression.none:
      return data
    case Compression.gzip:
      return gzip(data)
    case Compression.snappy:
      return xerialCompress(data)
    case Compression.lz4:
      return compressFrame(data)
    case Compression.zstd:
      return zstdCompress(data)
    default:
      throw new CodecError(`unknown compression code ${code}`)
  }
}

export async function decompress(
  code: number,
  data: Buffer,
  maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES
): Promise<Buffer> {
  try {
    switch (code) {
      case Compression.none:
        return data
      case Compression.gzip:
        return await gunzip(data, { maxOutputLength: maxBytes })
      case Compression.snappy:
        return await snappyDecompress(data, maxBytes)
      case Compression.lz4:
        if (lz4MaxOutput(data) > maxBytes) throw tooLarge(maxBytes)
        return await decompressFrame(data)
      case Compression.zstd:
        return await zstdDecompressAll(data, maxBytes)
      default:
        throw new CodecError(`unknown compression code ${code}`)
    }
  } catch (err) {
    if (err instanceof CodecError) throw err
    throw new CodecError(`cannot decompress records: ${(err as Error).message}`, { cause: err })
  }
}

function tooLarge(maxBytes: number): CodecError {
  return new CodecError(`records decompress to more than ${maxBytes} bytes`)
}

async function xerialCompress(data: Buffer): Promise<Buffer> {
  const inputs: Buffer[] = []
  for (let at = 0; at < data.length; at += XERIAL_CHUNK) {
    inputs.push(data.subarray(at, at + XERIAL_CHUNK))
  }
  const blocks = await Promise.all(inputs.map((input) => snappyCompress(input)))
  const parts: Buffer[] = [XERIAL_HEADER]
  for (const block of blocks) {
    const size = Buffer.allocUnsafe(4)
    size.writeInt32BE(block.length)
    parts.push(size, block)
  }
  return Buffer.concat(parts)
}

/** Raw snappy, or snappy-java's xerial framing of raw blocks. */
async function snappyDecompress(data: Buffer, maxBytes: number): Promise<Buffer> {
  const blocks: Buffer[] = []
  if (!data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) blocks.push(data)
  else {
    if (data.length < XERIAL_HEADER.length) throw new CodecError('truncated xerial header')
    // The version fields go unchecked: snappy-java has only ever written version 1.
    const r = new Reader(data, XERIAL_HEADER.length)
    while (r.remaining > 0) {
      const size = r.int32()
      if (size < 0) throw new CodecError(`negative xerial chunk size ${size}`)
      blocks.push(r.raw(size))
    }
  }
  // A raw snappy block starts with its uncompressed length as an unsigned varint.
  let total = 0
  for (const block of blocks) {
    total += new Reader(block).uvarint()
    if (total > maxBytes) throw tooLarge(maxBytes)
  }
  const outputs = await Promise.all(blocks.map((b) => snappyUncompress(b, { asBuffer: true })))
  return outputs.length === 1 ? (outputs[0] as Buffer) : Buffer.concat(outputs as Buffer[])
}

/** Every zstd frame in a row, not only the first (Node's decoder stops after one). */
async function zstdDecompressAll(data: Buffer, maxBytes: number): Promise<Buffer> {
  const outputs: Buffer[] = []
  let total = 0
  for (const frame of zstdFrames(data)) {
    const output = await zstdDecompress(frame, { maxOutputLength: Math.max(1, maxBytes - total) })
    total += output.length
    if (total > maxBytes) throw tooLarge(maxBytes)
    outputs.push(output)
  }
  return outputs.length === 1 ? outputs[0]! : Buffer.concat(outputs)
}
