// Snappy, LZ4 and ZSTD codecs for kafkajs, which ships only gzip. Each codec writes the bytes
// Kafka's Java client writes (so the broker and every other client read Weir's batches) and reads
// what Java, librdkafka and the other clients write.
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import kafkajs, { CompressionTypes } from 'kafkajs'
import { compressFrame, decompressFrame } from 'lz4-napi'
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappy'
import { zstdFrames } from './compression/zstd-frames.ts'

/** The codec contract of kafkajs (src/protocol/message/compression): `encoder.buffer` holds the
 * encoded records of one batch; `decompress` gets the compressed records of one batch. */
export interface KafkaJsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>
  decompress(buffer: Buffer): Promise<Buffer>
}

/** Compression names as Weir's configuration spells them (and as Kafka's `compression.type`). */
export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'

const compressionTypes: Record<CompressionName, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
}

/** Maps a configured compression name to kafkajs's enum; snappy, lz4 and zstd also need
 * `registerCompressionCodecs()` to have run. */
export function compressionType(name: CompressionName): CompressionTypes {
  // The name may come from untyped configuration: refuse anything else, 'toString' included.
  if (!Object.hasOwn(compressionTypes, name)) {
    throw new Error(`unknown compression type '${String(name)}'`)
  }
  return compressionTypes[name]
}

// Snappy. Java's producer wraps raw snappy blocks in snappy-java's SnappyOutputStream framing
// ("xerial"): the magic \x82SNAPPY\0, version 1 and minimum compatible version 1 as int32 BE, then
// one chunk per 32 KiB of input, each an int32 BE length and a raw snappy block. Java's
// SnappyInputStream, librdkafka and kafkajs-snappy all read it. librdkafka and kafkajs-snappy
// themselves write a bare raw block, which SnappyInputStream also accepts, so both are read here.
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])
const XERIAL_HEADER = Buffer.concat([XERIAL_MAGIC, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1])])
const XERIAL_CHUNK_SIZE = 32 * 1024

const snappy: KafkaJsCodec = {
  async compress({ buffer }) {
    const inputs: Buffer[] = []
    for (let offset = 0; offset < buffer.length; offset += XERIAL_CHUNK_SIZE) {
      inputs.push(buffer.subarray(offset, offset + XERIAL_CHUNK_SIZE))
    }
    const blocks = await Promise.all(inputs.map((input) => snappyCompress(input)))
    const parts: Buffer[] = [XERIAL_HEADER]
    for (const block of blocks) parts.push(int32BE(block.length), block)
    return Buffer.concat(parts)
  },

  async decompress(buffer) {
    const hasMagic = buffer.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)
    if (!hasMagic) return (await snappyUncompress(buffer)) as Buffer
    if (buffer.length < XERIAL_HEADER.length) throw new Error('snappy: truncated xerial header')
    // The version fields go unchecked: snappy-java has only ever written version 1.
    const blocks: Buffer[] = []
    let offset = XERIAL_HEADER.length
    while (offset < buffer.length) {
      const length = offset + 4 <= buffer.length ? buffer.readInt32BE(offset) : -1
      offset += 4
      if (length < 0 || offset + length > buffer.length) {
        throw new Error('snappy: truncated xerial chunk')
      }
      blocks.push(buffer.subarray(offset, offset + length))
      offset += length
    }
    const outputs = await Promise.all(blocks.map((block) => snappyUncompress(block)))
    return Buffer.concat(outputs as Buffer[])
  },
}

function int32BE(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(4)
  bytes.writeInt32BE(value)
  return bytes
}

// LZ4: the standard LZ4 frame. Java's reader (Lz4BlockInputStream) rejects dependent blocks and
// block sizes other than 64 KiB..4 MiB, and checks the header checksum. lz4-napi's frame encoder
// (lz4_flex) writes independent blocks with no checksums and no content size, like Java's
// Lz4BlockOutputStream, and the same header for up to 64 KiB of input; above that it picks 256 KiB
// or 4 MiB blocks, which Java sizes its buffer by. The unit tests pin those headers. The decoder
// reads any standard frame (linked blocks, checksums, content size). Not read: the broken header
// checksum of Kafka < 0.10 clients, which only the old magic-0 message format carries.
const lz4: KafkaJsCodec = {
  compress: ({ buffer }) => compressFrame(buffer),
  decompress: (buffer) => decompressFrame(buffer),
}

// ZSTD: one standard zstd frame, from Node's own zlib (libzstd); its default level, 3, is Kafka's
// too. Every client writes one frame per batch, but a reader must take any number in a row, and
// Node's decoder stops after the first: each frame is decoded on its own.
const zstdCompress = promisify(zlib.zstdCompress)
const zstdDecompress = promisify(zlib.zstdDecompress)

const zstd: KafkaJsCodec = {
  compress: ({ buffer }) => zstdCompress(buffer),
  async decompress(buffer) {
    const frames = zstdFrames(buffer)
    if (frames.length === 1) return zstdDecompress(frames[0]!)
    return Buffer.concat(await Promise.all(frames.map((frame) => zstdDecompress(frame))))
  },
}

/** Installs the snappy, lz4 and zstd codecs into kafkajs, for producers and consumers alike. Safe
 * to call any number of times: it always installs the same codec objects. */
export function registerCompressionCodecs(): void {
  // Node's ESM loader does not see CompressionCodecs among kafkajs's named exports: use the default.
  const { CompressionCodecs } = kafkajs
  CompressionCodecs[CompressionTypes.Snappy] = snappyFactory
  CompressionCodecs[CompressionTypes.LZ4] = lz4Factory
  CompressionCodecs[CompressionTypes.ZSTD] = zstdFactory
}

// kafkajs calls the factory for every batch, so each hands out the one codec object.
const snappyFactory = () => snappy
const lz4Factory = () => lz4
const zstdFactory = () => zstd
