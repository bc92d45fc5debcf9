// One record of a magic v2 batch: a varint size, then attributes, timestamp and offset deltas,
// key, value and headers, all with zigzag varint lengths (-1 for null).
import { CodecError } from '../codec-error.ts'
import type { Reader } from '../reader.ts'
import { uvarintSize, type Writer } from '../writer.ts'

export interface RecordHeader {
  key: string
  value: Buffer | null
}

export interface KafkaRecord {
  /** Unused by Kafka so far; kept for a faithful round trip. */
  attributes: number
  /** Milliseconds after the batch's base timestamp. */
  timestampDelta: bigint
  /** Position after the batch's base offset. */
  offsetDelta: number
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[]
}

/** Reads a varint length: -1 for null, anything below or past the input is a CodecError. */
function readLength(r: Reader): number {
  const length = r.varint()
  if (length < -1 || length > r.remaining) {
    throw new CodecError(`record field length ${length} at offset ${r.offset} is invalid`)
  }
  return length
}

function readBytes(r: Reader): Buffer | null {
  const length = readLength(r)
  return length < 0 ? null : r.raw(length)
}

export function readRecord(r: Reader): KafkaRecord {
  const size = r.varint()
  if (size < 0 || size > r.remaining) throw new CodecError(`record size ${size} is invalid`)
  const end = r.offset + size
  const attributes = r.int8()
  const timestampDelta = r.varlong()
  const offsetDelta = r.varint()
  const key = readBytes(r)
  const value = readBytes(r)
  const count = r.varint()
  if (count < 0 || count > r.remaining) throw new CodecError(`record header count ${count}`)
  const headers: RecordHeader[] = []
  for (let i = 0; i < count; i++) {
    const headerKey = readBytes(r)
    if (headerKey === null) throw new CodecError('record header key is null')
    headers.push({ key: headerKey.toString('utf8'), value: readBytes(r) })
  }
  if (r.offset !== end) {
    throw new CodecError(`record declares ${size} bytes but holds ${size + r.offset - end}`)
  }
  return { attributes, timestampDelta, offsetDelta, key, value, headers }
}

function zigzagSize(value: number): number {
  return uvarintSize(value >= 0 ? value * 2 : -value * 2 - 1)
}

function varlongSize(value: bigint): number {
  let raw = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n))
  let size = 1
  while (raw >= 0x80n) {
    raw >>= 7n
    size++
  }
  return size
}

function bytesSize(value: Uint8Array | null): number {
  return value === null ? 1 : zigzagSize(value.length) + value.length
}

function writeBytes(w: Writer, value: Uint8Array | null): void {
  if (value === null) return w.varint(-1)
  w.varint(value.length)
  w.raw(value)
}

/** A record's body size: what its leading varint says (the varint itself not counted). */
function bodySize(record: KafkaRecord, headerKeyBytes: readonly number[]): number {
  let size =
    1 +
    varlongSize(record.timestampDelta) +
    zigzagSize(record.offsetDelta) +
    bytesSize(record.key) +
    bytesSize(record.value) +
    zigzagSize(record.headers.length)
  record.headers.forEach(
    (h, i) => (size += zigzagSize(headerKeyBytes[i]!) + headerKeyBytes[i]! + bytesSize(h.value))
  )
  return size
}

/** The bytes a record takes in a batch, its size varint included (before compression). */
export function recordSize(record: KafkaRecord): number {
  const size = bodySize(
    record,
    record.headers.map((h) => Buffer.byteLength(h.key, 'utf8'))
  )
  return zigzagSize(size) + size
}

/**
 * recordSize for records given as parts, with header values by name, and the same timestamp and
 * offset deltas: the deltas are sized once, and a record is sized without building a KafkaRecord
 * (the produce path sizes every record it sends).
 */
export function recordSizer(
  timestampDelta: bigint,
  offsetDelta: number
): (key: Buffer | null, value: Buffer | null, headers: Record<string, Buffer>) => number {
  const framing = 1 + varlongSize(timestampDelta) + zigzagSize(offsetDelta)
  return (key, value, headers) => {
    let size = framing + bytesSize(key) + bytesSize(value)
    let count = 0
    for (const name in headers) {
      const keyBytes = Buffer.byteLength(name, 'utf8')
      size += zigzagSize(keyBytes) + keyBytes + bytesSize(headers[name] as Buffer)
      count++
    }
    size += zigzagSize(count)
    return zigzagSize(size) + size
  }
}

export function writeRecord(w: Writer, record: KafkaRecord): void {
  const headerKeys = record.headers.map((h) => Buffer.from(h.key, 'utf8'))
  w.varint(
    bodySize(
      record,
      headerKeys.map((k) => k.length)
    )
  )
  w.int8(record.attributes)
  w.varlong(record.timestampDelta)
  w.varint(record.offsetDelta)
  writeBytes(w, record.key)
  writeBytes(w, record.value)
  w.varint(record.headers.length)
  record.headers.forEach((h, i) => {
    writeBytes(w, headerKeys[i]!)
    writeBytes(w, h.value)
  })
}
