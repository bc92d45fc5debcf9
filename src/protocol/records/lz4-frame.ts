// Walks the LZ4 frames of a compressed batch without decompressing them, to bound the size of
// what they decompress to: a block declares whether it is stored raw (its size) or compressed
// (at most the frame's block maximum, 64 KiB to 4 MiB). lz4-napi takes no output limit, so this
// is what keeps a small hostile frame from inflating without bound.
import { CodecError } from '../codec-error.ts'

const FRAME_MAGIC = 0x184d2204
const SKIPPABLE_MAGIC = 0x184d2a50
const SKIPPABLE_MASK = 0xfffffff0
const BLOCK_MAX = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20]

/** An upper bound on the decompressed size of the LZ4 frames in `data`; a CodecError if a frame
 * header is malformed or the data ends inside a frame. */
export function lz4MaxOutput(data: Buffer): number {
  let total = 0
  let at = 0
  const need = (bytes: number): void => {
    if (at + bytes > data.length) throw new CodecError('truncated lz4 frame')
  }
  do {
    need(4)
    const magic = data.readUInt32LE(at)
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(8)
      at += 8 + data.readUInt32LE(at + 4)
      need(0)
      continue
    }
    if (magic !== FRAME_MAGIC) throw new CodecError('not an lz4 frame')
    need(7)
    const flags = data[at + 4]!
    const blockMax = BLOCK_MAX[(data[at + 5]! >> 4) & 7]!
    if (flags >> 6 !== 1 || blockMax === 0) throw new CodecError('unsupported lz4 frame header')
    const blockChecksum = (flags >> 4) & 1
    at += 4 + 2 + (flags & 8 ? 8 : 0) + (flags & 1 ? 4 : 0) + 1
    for (;;) {
      need(4)
      const word = data.readUInt32LE(at)
      at += 4
      if (word === 0) break
      const size = word & 0x7fffffff
      total += word & 0x80000000 ? size : blockMax
      at += size + 4 * blockChecksum
      need(0)
    }
    at += flags & 4 ? 4 : 0
    need(0)
  } while (at < data.length)
  return total
}
