// Writes Kafka's primitive types into a buffer that grows as needed. Values a type cannot hold
// (an int16 of 40000, a null where the version allows none, a string over 32767 bytes) end in a
// CodecError rather than in silently wrapped bytes.
import { CodecError } from './codec-error.ts'
import type { HasTaggedFields, TaggedField } from './values.ts'

const MAX_STRING_BYTES = 0x7fff

/** Bytes that go out by reference: where in the writer's own bytes they stand. */
interface Splice {
  at: number
  bytes: Uint8Array
}

export class Writer {
  private buffer: Buffer
  /** Where the writer is in its own buffer (bytes written by reference are not in it). */
  offset = 0
  /** Byte values at least this long are referenced, not copied (see `byReference`). */
  private readonly referenceFrom: number
  private readonly splices: Splice[] = []
  private referenced = 0
  /** Inside a known tagged field, whose size is measured on the buffer: everything is copied. */
  private taggedDepth = 0

  /**
   * `referenceFrom`: bytes values (a Fetch partition's records, say) of at least this many bytes
   * are not copied but referenced, so `finishChunks` hands them out as the very views it was
   * given: forwarding a broker's records then costs no copy. Only for `finishChunks`.
   */
  constructor(initialSize = 256, referenceFrom = Number.POSITIVE_INFINITY) {
    this.buffer = Buffer.allocUnsafe(initialSize)
    this.referenceFrom = referenceFrom
  }

  /** How many bytes were written, those written by reference included. */
  get size(): number {
    return this.offset + this.referenced
  }

  /** The bytes written so far (a view of the writer's buffer). */
  finish(): Buffer {
    if (this.splices.length > 0) throw new CodecError('bytes were written by reference')
    return this.buffer.subarray(0, this.offset)
  }

  /** The bytes written so far, in order: views of the writer's buffer between those referenced. */
  finishChunks(): Uint8Array[] {
    const chunks: Uint8Array[] = []
    let from = 0
    for (const { at, bytes } of this.splices) {
      if (at > from) chunks.push(this.buffer.subarray(from, at))
      chunks.push(bytes)
      from = at
    }
    if (this.offset > from) chunks.push(this.buffer.subarray(from, this.offset))
    return chunks
  }

  private byte(value: number): void {
    const at = this.reserve(1)
    this.buffer[at] = value
  }

  /** Makes room for `bytes` more bytes and returns where they go (it may replace the buffer, so
   * call it before touching `this.buffer`). */
  private reserve(bytes: number): number {
    const start = this.offset
    if (start + bytes > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, start + bytes))
      this.buffer.copy(grown, 0, 0, start)
      this.buffer = grown
    }
    this.offset = start + bytes
    return start
  }

  private integer(value: number, min: number, max: number, type: string): void {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new CodecError(`${String(value)} is not a valid ${type}`)
    }
  }

  int8(value: number): void {
    this.integer(value, -0x80, 0x7f, 'int8')
    const at = this.reserve(1)
    this.buffer.writeInt8(value, at)
  }

  int16(value: number): void {
    this.integer(value, -0x8000, 0x7fff, 'int16')
    const at = this.reserve(2)
    this.buffer.writeInt16BE(value, at)
  }

  int32(value: number): void {
    this.integer(value, -0x80000000, 0x7fffffff, 'int32')
    const at = this.reserve(4)
    this.buffer.writeInt32BE(value, at)
  }

  int64(value: bigint): void {
    if (typeof value !== 'bigint' || value !== BigInt.asIntN(64, value)) {
      throw new CodecError(`${String(value)} is not a valid int64`)
    }
    const at = this.reserve(8)
    this.buffer.writeBigInt64BE(value, at)
  }

  uint16(value: number): void {
    this.integer(value, 0, 0xffff, 'uint16')
    const at = this.reserve(2)
    this.buffer.writeUInt16BE(value, at)
  }

  uint32(value: number): void {
    this.integer(value, 0, 0xffffffff, 'uint32')
    const at = this.reserve(4)
    this.buffer.writeUInt32BE(value, at)
  }

  float64(value: number): void {
    if (typeof value !== 'number') throw new CodecError(`${String(value)} is not a float64`)
    const at = this.reserve(8)
    this.buffer.writeDoubleBE(value, at)
  }

  bool(value: boolean): void {
    this.byte(value ? 1 : 0)
  }

  /** A UUID in Kafka's text form: 22 base64url characters for 16 bytes. */
  uuid(value: string): void {
    const bytes =
      typeof value === 'string' && value.length === 22 && Buffer.from(value, 'base64url')
    if (!bytes || bytes.length !== 16) throw new CodecError(`'${String(value)}' is not a UUID`)
    const at = this.reserve(16)
    bytes.copy(this.buffer, at)
  }

  uvarint(value: number): void {
    this.integer(value, 0, 0xffffffff, 'unsigned varint')
    while (value >= 0x80) {
      this.byte((value & 0x7f) | 0x80)
      value = Math.floor(value / 128)
    }
    this.byte(value)
  }

  /** A zigzag-encoded signed varint of at most 32 bits. */
  varint(value: number): void {
    this.integer(value, -0x80000000, 0x7fffffff, 'varint')
    this.uvarint(value >= 0 ? value * 2 : -value * 2 - 1)
  }

  /** A zigzag-encoded signed varint of at most 64 bits. */
  varlong(value: bigint): void {
    if (typeof value !== 'bigint' || value !== BigInt.asIntN(64, value)) {
      throw new CodecError(`${String(value)} is not a valid varlong`)
    }
    let raw = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n))
    while (raw >= 0x80n) {
      this.byte(Number(raw & 0x7fn) | 0x80)
      raw >>= 7n
    }
    this.byte(Number(raw))
  }

  /** Overwrites the int32 written at `at`, e.g. a size prefix known only at the end. */
  patchInt32(at: number, value: number): void {
    if (at < 0 || at + 4 > this.offset) throw new CodecError(`no int32 was written at ${at}`)
    this.integer(value, -0x80000000, 0x7fffffff, 'int32')
    this.buffer.writeInt32BE(value, at)
  }

  raw(bytes: Uint8Array): void {
    if (bytes.length >= this.referenceFrom && this.taggedDepth === 0) {
      this.splices.push({ at: this.offset, bytes })
      this.referenced += bytes.length
      return
    }
    const at = this.reserve(bytes.length)
    this.buffer.set(bytes, at)
  }

  /** A length prefix: int16/int32, or in flexible versions an unsigned varint of length+1. */
  private length(flexible: boolean, wide: boolean, length: number): void {
    if (flexible) this.uvarint(length + 1)
    else if (wide) this.int32(length)
    else this.int16(length)
  }

  nullableString(flexible: boolean, value: string | null): void {
    if (value === null) return this.length(flexible, false, -1)
    if (typeof value !== 'string') throw new CodecError(`${String(value)} is not a string`)
    const length = Buffer.byteLength(value)
    if (length > MAX_STRING_BYTES) throw new CodecError(`string of ${length} bytes is too long`)
    this.length(flexible, false, length)
    const at = this.reserve(length)
    this.buffer.write(value, at, length, 'utf8')
  }

  string(flexible: boolean, value: string | null): void {
    if (value === null) throw new CodecError('null given for a non-nullable string')
    this.nullableString(flexible, value)
  }

  nullableBytes(flexible: boolean, value: Uint8Array | null): void {
    if (value === null) return this.length(flexible, true, -1)
    if (!(value instanceof Uint8Array)) throw new CodecError(`${String(value)} is not bytes`)
    this.length(flexible, true, value.length)
    this.raw(value)
  }

  bytes(flexible: boolean, value: Uint8Array | null): void {
    if (value === null) throw new CodecError('null given for non-nullable bytes')
    this.nullableBytes(flexible, value)
  }

  nullableArray<T>(flexible: boolean, items: readonly T[] | null, write: (item: T) => void): void {
    if (items === null) return this.length(flexible, true, -1)
    if (!Array.isArray(items)) throw new CodecError(`${String(items)} is not an array`)
    this.length(flexible, true, items.length)
    for (const item of items) write(item)
  }

  array<T>(flexible: boolean, items: readonly T[] | null, write: (item: T) => void): void {
    if (items === null) throw new CodecError('null given for a non-nullable array')
    this.nullableArray(flexible, items, write)
  }

  /** A nullable struct: int8 -1 for null, else 1 and the struct. */
  nullableStruct<T>(value: T | null, write: (value: T) => void): void {
    this.int8(value === null ? -1 : 1)
    if (value !== null) write(value)
  }

  /** Starts a tagged-field section of `known` known fields plus `target`'s unknown ones. Returns
   * the cursor `tagged` and `unknownTagsFrom` take, for merging unknown tags in tag order. */
  taggedFields(target: HasTaggedFields, known: number): number {
    this.uvarint(known + (target.unknownTaggedFields?.length ?? 0))
    return 0
  }

  /** Writes one known tagged field, after the unknown ones with smaller tags. */
  tagged(target: HasTaggedFields, cursor: number, tag: number, write: () => void): number {
    cursor = this.unknownTagsFrom(target, cursor, tag)
    this.uvarint(tag)
    // The size prefix comes first but is known only afterwards: reserve one byte, the usual
    // size, and shift the value along if its size needs more.
    const sizeAt = this.reserve(1)
    this.taggedDepth++
    try {
      write()
    } finally {
      this.taggedDepth--
    }
    const size = this.offset - sizeAt - 1
    const sizeBytes = uvarintSize(size)
    if (sizeBytes > 1) {
      this.reserve(sizeBytes - 1)
      this.buffer.copy(this.buffer, sizeAt + sizeBytes, sizeAt + 1, sizeAt + 1 + size)
    }
    const end = this.offset
    this.offset = sizeAt
    this.uvarint(size)
    this.offset = end
    return cursor
  }

  /** Writes `target`'s unknown tagged fields from `cursor` on whose tag is below `before`. */
  unknownTagsFrom(target: HasTaggedFields, cursor: number, before = Infinity): number {
    const unknown: TaggedField[] | undefined = target.unknownTaggedFields
    while (unknown !== undefined && cursor < unknown.length && unknown[cursor]!.tag < before) {
      const { tag, data } = unknown[cursor++]!
      this.uvarint(tag)
      this.uvarint(data.length)
      this.raw(data)
    }
    return cursor
  }

  /** A tagged-field section holding only `target`'s unknown fields, or, in a version without
   * tagged fields, a check that there are none. */
  unknownTaggedFields(flexible: boolean, target: HasTaggedFields, message: string): void {
    if (flexible) this.unknownTagsFrom(target, this.taggedFields(target, 0))
    else if (target.unknownTaggedFields?.length) {
      throw new CodecError(`${message} carries tagged fields in a version without them`)
    }
  }
}

export function uvarintSize(value: number): number {
  let size = 1
  while (value >= 0x80) {
    value = Math.floor(value / 128)
    size++
  }
  return size
}
