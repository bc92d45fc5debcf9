// The compression codecs of record batches, writing what Kafka's Java producer writes and reading
// what any client writes (see src/kafka/compression.ts for the formats in detail). Decompression
// is bounded: a batch that would inflate past `maxBytes` is a CodecError, checked before the
// output is allocated where the format says its size up front (snappy, lz4 blocks) and by
// zlib's own output limit otherwise (gzip, zstd). Every failure is a CodecError.
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import { compressFrame, decompressFrame } from 'lz4-napi'
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappy'
import { zstdFrames } from './zstd-frames.ts'
import { CodecError } from '../codec-error.ts'
import { lz4MaxOutput } from './lz4-frame.ts'
import { snappyBlocks, xerialChunks, xerialFrame } from './xerial.ts'

/** The compression codes of a batch's attributes (bits 0-2). */
export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const
export type CompressionCode = (typeof Compression)[keyof typeof Compression]

/** Default bound on one batch's decompressed records. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024

const gzip = promisify(zlib.gzip)
const gunzip = promisify(zlib.gunzip)
const zstdCompress = promisify(zlib.zstdCompress)
const zstdDecompress = promisify(zlib.zstdDecompress)

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
  return xerialFrame(await Promise.all(xerialChunks(data).map((chunk) => snappyCompress(chunk))))
}

/** Raw snappy, or snappy-java's xerial framing of raw blocks. */
async function snappyDecompress(data: Buffer, maxBytes: number): Promise<Buffer> {
  const blocks = snappyBlocks(data, maxBytes)
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
