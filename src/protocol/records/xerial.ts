// Snappy's framing in Kafka. Java's producer wraps raw snappy blocks in snappy-java's
// SnappyOutputStream framing ("xerial"): the magic \x82SNAPPY\0, version 1 and minimum compatible
// version 1 as int32 BE, then one chunk per 32 KiB of input, each an int32 BE length and a raw
// snappy block. librdkafka and kafkajs-snappy write a bare raw block, which Java's reader also
// accepts, so both are read. The block codec (synchronous or not) is the caller's.
import { CodecError } from '../codec-error.ts'
import { Reader } from '../reader.ts'

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])
const XERIAL_HEADER = Buffer.concat([XERIAL_MAGIC, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1])])
const XERIAL_CHUNK = 32 * 1024

/** The input cut as snappy-java cuts it: each piece becomes one snappy block. */
export function xerialChunks(data: Buffer): Buffer[] {
  const chunks: Buffer[] = []
  for (let at = 0; at < data.length; at += XERIAL_CHUNK) {
    chunks.push(data.subarray(at, at + XERIAL_CHUNK))
  }
  return chunks
}

/** Compressed blocks in snappy-java's framing. */
export function xerialFrame(blocks: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [XERIAL_HEADER]
  for (const block of blocks) {
    const size = Buffer.allocUnsafe(4)
    size.writeInt32BE(block.length)
    parts.push(size, block)
  }
  return Buffer.concat(parts)
}

/**
 * The raw snappy blocks of framed or bare snappy bytes, refused (CodecError) when the framing is
 * broken or the blocks would inflate past `maxBytes`: each block states its uncompressed length
 * up front, so nothing is allocated for a bomb.
 */
export function snappyBlocks(data: Buffer, maxBytes = Number.MAX_SAFE_INTEGER): Buffer[] {
  const blocks: Buffer[] = []
  if (!data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) blocks.push(data)
  else {
    if (data.length < XERIAL_HEADER.length) throw new CodecError('snappy: truncated xerial header')
    // The version fields go unchecked: snappy-java has only ever written version 1.
    let at = XERIAL_HEADER.length
    while (at < data.length) {
      const size = at + 4 <= data.length ? data.readInt32BE(at) : -1
      at += 4
      if (size < 0 || at + size > data.length) {
        throw new CodecError('snappy: truncated xerial chunk')
      }
      blocks.push(data.subarray(at, at + size))
      at += size
    }
  }
  // A raw snappy block starts with its uncompressed length as an unsigned varint.
  let total = 0
  for (const block of blocks) {
    total += new Reader(block).uvarint()
    if (total > maxBytes) throw new CodecError(`records decompress to more than ${maxBytes} bytes`)
  }
  return blocks
}
