// Snappy, LZ4 and ZSTD codecs for kafkajs, which ships only gzip. Each codec writes the bytes
// Kafka's Java client writes (so the broker and every other client read Weir's batches) and reads
// what Java, librdkafka and the other clients write.
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import kafkajs, { CompressionTypes } from 'kafkajs'
import { compressFrame, decompressFrame } from 'lz4-napi'
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappy'
import { snappyBlocks, xerialChunks, xerialFrame } from '../../protocol/records/xerial.ts'
import { zstdFrames } from '../../protocol/records/zstd-frames.ts'

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

// Snappy in snappy-java's framing, as Java's producer writes it (see protocol/records/xerial.ts).
const snappy: KafkaJsCodec = {
  async compress({ buffer }) {
    return xerialFrame(await Promise.all(xerialChunks(buffer).map((c) => snappyCompress(c))))
  },

  async decompress(buffer) {
    const outputs = await Promise.all(snappyBlocks(buffer).map((b) => snappyUncompress(b)))
    return outputs.length === 1 ? (outputs[0] as Buffer) : Buffer.concat(outputs as Buffer[])
  },
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

let registered = false

/**
 * Installs the snappy, lz4 and zstd codecs into kafkajs, for producers and consumers alike, once
 * per process: every client creation calls it, and installing again on each (clients are made
 * lazily, per backend identity) replaced whatever was installed in between.
 */
export function registerCompressionCodecs(): void {
  if (registered) return
  registered = true
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
