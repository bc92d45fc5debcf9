// Kafka frames every request and response with an int32 size prefix. FrameSplitter cuts a TCP
// byte stream into frame payloads; a size prefix that is negative or above the limit is a
// CodecError before a single byte of the frame is buffered for it.
import { CodecError } from './codec-error.ts'

/** Kafka's own default for socket.request.max.bytes: 100 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024

export class FrameSplitter {
  /** The largest frame accepted from here on (a proxy lowers it until its client authenticated). */
  maxFrameBytes: number
  private chunks: Buffer[] = []
  private length = 0
  /** The size of the frame being collected, or -1 while its prefix is still incomplete. */
  private size = -1

  /** Where a frame spread over several chunks is gathered (a pool may lend the buffer). */
  private readonly allocate: (bytes: number) => Buffer

  constructor(
    maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
    allocate: (bytes: number) => Buffer = Buffer.allocUnsafe
  ) {
    this.maxFrameBytes = maxFrameBytes
    this.allocate = allocate
  }

  /** Bytes received but not yet returned as part of a frame. */
  get buffered(): number {
    return this.length + this.prefixLength + this.filled
  }

  /** Drops whatever is buffered: nothing of a closed connection's input stays referenced. */
  clear(): void {
    this.chunks = []
    this.length = 0
    this.size = -1
    this.prefixLength = 0
    this.gathering = undefined
    this.filled = 0
  }

  // pushCopy's state: the size prefix read so far, and the frame being filled.
  private readonly prefix = Buffer.alloc(4)
  private prefixLength = 0
  private gathering: Buffer | undefined
  private filled = 0

  /**
   * As push, for bytes that are only lent for the call (a socket reading into one buffer it
   * reuses): every byte is copied, once, straight into its frame's buffer, which is allocated
   * as soon as the size prefix is read. Use one of push and pushCopy on a stream, not both.
   */
  pushCopy(chunk: Uint8Array): Buffer[] {
    const frames: Buffer[] = []
    let at = 0
    while (at < chunk.length) {
      if (this.gathering === undefined) {
        const n = Math.min(4 - this.prefixLength, chunk.length - at)
        this.prefix.set(chunk.subarray(at, at + n), this.prefixLength)
        this.prefixLength += n
        at += n
        if (this.prefixLength < 4) break
        const size = this.prefix.readInt32BE(0)
        if (size < 0 || size > this.maxFrameBytes) {
          throw new CodecError(`frame size ${size} is outside 0..${this.maxFrameBytes}`)
        }
        this.prefixLength = 0
        this.gathering = this.allocate(size)
        this.filled = 0
      }
      const frame = this.gathering
      const n = Math.min(frame.length - this.filled, chunk.length - at)
      frame.set(chunk.subarray(at, at + n), this.filled)
      this.filled += n
      at += n
      if (this.filled === frame.length) {
        frames.push(frame)
        this.gathering = undefined
        this.filled = 0
      }
    }
    return frames
  }

  /** Adds received bytes; returns the payloads of the frames they complete, in order. A payload
   * is a view of the received bytes when one chunk holds it whole, else a copy. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length) {
      this.chunks.push(chunk)
      this.length += chunk.length
    }
    const frames: Buffer[] = []
    for (;;) {
      if (this.size < 0) {
        if (this.length < 4) break
        const size = this.take(4).readInt32BE(0)
        if (size < 0 || size > this.maxFrameBytes) {
          throw new CodecError(`frame size ${size} is outside 0..${this.maxFrameBytes}`)
        }
        this.size = size
      }
      if (this.length < this.size) break
      frames.push(this.take(this.size))
      this.size = -1
    }
    return frames
  }

  /** Removes and returns the first `bytes` buffered bytes (there are at least that many). */
  private take(bytes: number): Buffer {
    const first = this.chunks[0]
    if (bytes === 0) return Buffer.alloc(0)
    if (first && first.length >= bytes) {
      this.length -= bytes
      if (first.length === bytes) this.chunks.shift()
      else this.chunks[0] = first.subarray(bytes)
      return first.subarray(0, bytes)
    }
    const out = this.allocate(bytes)
    let filled = 0
    while (filled < bytes) {
      const chunk = this.chunks[0]!
      const n = Math.min(chunk.length, bytes - filled)
      chunk.copy(out, filled, 0, n)
      filled += n
      if (n === chunk.length) this.chunks.shift()
      else this.chunks[0] = chunk.subarray(n)
    }
    this.length -= bytes
    return out
  }
}

/** Prefixes a payload with its size. */
export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length)
  out.writeInt32BE(payload.length, 0)
  out.set(payload, 4)
  return out
}
