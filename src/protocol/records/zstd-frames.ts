// Splits zstd data into its frames. Node's zstdDecompress stops at the end of the first frame and
// silently drops whatever follows, but zstd data may be several frames in a row (RFC 8878 §3), and
// Java's reader (zstd-jni's ZstdInputStream) reads them all. Walking the frame and block headers
// finds where each frame ends without decompressing anything.

const FRAME_MAGIC = 0xfd2fb528
// Skippable frames carry no content: magic 0x184D2A50..0x184D2A5F, a 4-byte size, then that many
// bytes.
const SKIPPABLE_MAGIC = 0x184d2a50
const SKIPPABLE_MASK = 0xfffffff0

/** The zstd frames of `data`, as views into it, in order; skippable frames are left out. Throws
 * if the data is not a whole number of frames. */
export function zstdFrames(data: Buffer): Buffer[] {
  const frames: Buffer[] = []
  let offset = 0
  do {
    const magic = read(data, offset, 4)
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      offset = within(data, offset + 8 + read(data, offset + 4, 4))
    } else if (magic === FRAME_MAGIC) {
      const end = frameEnd(data, offset)
      frames.push(data.subarray(offset, end))
      offset = end
    } else {
      throw new Error('zstd: not a zstd frame')
    }
  } while (offset < data.length)
  return frames
}

function frameEnd(data: Buffer, start: number): number {
  const descriptor = read(data, start + 4, 1)
  const contentSizeFlag = descriptor >> 6
  const singleSegment = (descriptor >> 5) & 1
  const hasChecksum = (descriptor >> 2) & 1
  const dictionaryIdSize = [0, 1, 2, 4][descriptor & 3]!
  const contentSizeSize = [singleSegment, 2, 4, 8][contentSizeFlag]!
  const windowDescriptorSize = singleSegment ? 0 : 1
  let offset = start + 5 + windowDescriptorSize + dictionaryIdSize + contentSizeSize
  for (let last = 0; !last;) {
    const header = read(data, offset, 3)
    last = header & 1
    const type = (header >> 1) & 3
    const size = header >>> 3
    if (type === 3) throw new Error('zstd: reserved block type')
    // An RLE block stores its one repeated byte; raw and compressed blocks store `size` bytes.
    offset += 3 + (type === 1 ? 1 : size)
  }
  return within(data, offset + 4 * hasChecksum)
}

/** Reads a little-endian unsigned integer of 1 to 4 bytes, or throws if the data ends first. */
function read(data: Buffer, offset: number, bytes: number): number {
  return data.readUIntLE(within(data, offset + bytes) - bytes, bytes)
}

function within(data: Buffer, end: number): number {
  if (end > data.length) throw new Error('zstd: truncated frame')
  return end
}
