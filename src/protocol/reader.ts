// Reads Kafka's primitive types from a buffer. Every read checks its bounds first and every length
// prefix is checked against the bytes that remain before anything is allocated, so truncated or
// hostile input ends in a CodecError, never a RangeError or a huge allocation. Strings, bytes and
// records are views into the input buffer, not copies.
import { CodecError } from './codec-error.ts'
import type { HasTaggedFields } from './values.ts'

/** Kafka reads no string longer than this (Java's generated code refuses longer ones too). */
const MAX_STRING_BYTES = 0x7fff

export class Reader {
  readonly buffer: Buffer
  offset: number
  /** Where reading must stop: the end of the buffer, or of the tagged field being read. */
  private end: number

  constructor(buffer: Buffer, offset = 0, end = buffer.length) {
    this.buffer = buffer
    this.offset = offset
    this.end = end
  }

  get remaining(): number {
    return this.end - this.offset
  }

  /** Advances past `bytes` bytes and returns where they start, or throws if the input is short. */
  private take(bytes: number): number {
    const start = this.offset
    if (bytes > this.end - start) {
      throw new CodecError(`truncated input: ${bytes} bytes needed at offset ${start}`)
    }
    this.offset = start + bytes
    return start
  }

  int8(): number {
    return this.buffer.readInt8(this.take(1))
  }

  int16(): number {
    return this.buffer.readInt16BE(this.take(2))
  }

  int32(): number {
    return this.buffer.readInt32BE(this.take(4))
  }

  int64(): bigint {
    return this.buffer.readBigInt64BE(this.take(8))
  }

  uint16(): number {
    return this.buffer.readUInt16BE(this.take(2))
  }

  uint32(): number {
    return this.buffer.readUInt32BE(this.take(4))
  }

  float64(): number {
    return this.buffer.readDoubleBE(this.take(8))
  }

  bool(): boolean {
    return this.buffer[this.take(1)] !== 0
  }

  /** A UUID in Kafka's text form: its 16 bytes in base64url without padding. */
  uuid(): string {
    const start = this.take(16)
    return this.buffer.toString('base64url', start, start + 16)
  }

  /** An unsigned varint of at most 32 bits (Kafka's lengths, counts and tags). */
  uvarint(): number {
    let value = 0
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.buffer[this.take(1)]!
      value += (byte & 0x7f) * 2 ** shift
      if (byte < 0x80) {
        if (value > 0xffffffff) break
        return value
      }
    }
    throw new CodecError(`invalid unsigned varint at offset ${this.offset}`)
  }

  /** A zigzag-encoded signed varint of at most 32 bits (record fields). */
  varint(): number {
    const raw = this.uvarint()
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2
  }

  /** A zigzag-encoded signed varint of at most 64 bits (record timestamps). */
  varlong(): bigint {
    // Up to seven bytes (49 bits) stay exact in a number; only longer ones need bigint arithmetic.
    let small = 0
    for (let shift = 0; shift < 49; shift += 7) {
      const byte = this.buffer[this.take(1)]!
      small += (byte & 0x7f) * 2 ** shift
      if (byte < 0x80) return small % 2 === 0 ? BigInt(small / 2) : -BigInt((small + 1) / 2)
    }
    let raw = BigInt(small)
    for (let shift = 49n; shift < 70n; shift += 7n) {
      const byte = this.buffer[this.take(1)]!
      raw |= BigInt(byte & 0x7f) << shift
      if (byte < 0x80) {
        if (raw > 0xffffffffffffffffn) break
        return (raw >> 1n) ^ -(raw & 1n)
      }
    }
    throw new CodecError(`invalid varlong at offset ${this.offset}`)
  }

  /** `bytes` raw bytes, as a view. */
  raw(bytes: number): Buffer {
    const start = this.take(bytes)
    return this.buffer.subarray(start, start + bytes)
  }

  /** A length prefix: int16/int32, or in flexible versions an unsigned varint holding length+1.
   * -1 means null. Throws when the length exceeds what is left to read. */
  private length(flexible: boolean, wide: boolean): number {
    const length = flexible ? this.uvarint() - 1 : wide ? this.int32() : this.int16()
    if (length < -1) throw new CodecError(`negative length ${length} at offset ${this.offset}`)
    if (length > this.end - this.offset) {
      throw new CodecError(`length ${length} at offset ${this.offset} exceeds the input`)
    }
    return length
  }

  nullableString(flexible: boolean): string | null {
    const length = this.length(flexible, false)
    if (length < 0) return null
    if (length > MAX_STRING_BYTES) throw new CodecError(`string of ${length} bytes is too long`)
    const start = this.take(length)
    return this.buffer.toString('utf8', start, start + length)
  }

  string(flexible: boolean): string {
    const value = this.nullableString(flexible)
    if (value === null) throw new CodecError('non-nullable string is null')
    return value
  }

  nullableBytes(flexible: boolean): Buffer | null {
    const length = this.length(flexible, true)
    return length < 0 ? null : this.raw(length)
  }

  bytes(flexible: boolean): Buffer {
    const value = this.nullableBytes(flexible)
    if (value === null) throw new CodecError('non-nullable bytes are null')
    return value
  }

  nullableArray<T>(flexible: boolean, element: () => T): T[] | null {
    const length = this.length(flexible, true)
    if (length < 0) return null
    const items: T[] = []
    for (let i = 0; i < length; i++) items.push(element())
    return items
  }

  array<T>(flexible: boolean, element: () => T): T[] {
    const value = this.nullableArray(flexible, element)
    if (value === null) throw new CodecError('non-nullable array is null')
    return value
  }

  /** A nullable struct: an int8 marker, negative for null, then the struct. */
  nullableStruct<T>(read: () => T): T | null {
    return this.int8() < 0 ? null : read()
  }

  /** Reads one known tagged field's value, which must fill exactly the `size` bytes it declared. */
  tagged<T>(size: number, read: () => T): T {
    const end = this.end
    if (size > end - this.offset) {
      throw new CodecError(
        `tagged field of ${size} bytes at offset ${this.offset} exceeds the input`
      )
    }
    const stop = this.offset + size
    this.end = stop
    const value = read()
    if (this.offset !== stop) {
      throw new CodecError(`tagged field ending at offset ${stop} was not read to its end`)
    }
    this.end = end
    return value
  }

  /** Keeps a tagged field the schema does not know on `target`, as raw bytes. */
  unknownTag(target: HasTaggedFields, tag: number, size: number): void {
    ;(target.unknownTaggedFields ??= []).push({ tag, data: this.raw(size) })
  }

  /** Reads a tagged-field section in which no tag is known. */
  unknownTaggedFields(target: HasTaggedFields): void {
    for (let count = this.uvarint(); count > 0; count--) {
      this.unknownTag(target, this.uvarint(), this.uvarint())
    }
  }
}
