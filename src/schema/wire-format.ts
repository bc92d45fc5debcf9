// The Confluent wire format: magic byte 0, the schema id as a big-endian int32, then the payload
// (Avro binary, or UTF-8 JSON text for JSON Schema).
import { GatewayError } from '../core/errors.ts'

export const MAGIC_BYTE = 0
export const HEADER_SIZE = 5

export function frame(schemaId: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + payload.length)
  payload.copy(out, HEADER_SIZE)
  return writeHeader(schemaId, out)
}

/** Fills in the header of `framed`, a payload written after HEADER_SIZE bytes of room. */
export function writeHeader(schemaId: number, framed: Buffer): Buffer {
  framed[0] = MAGIC_BYTE
  framed.writeInt32BE(schemaId, 1)
  return framed
}

export interface Framed {
  schemaId: number
  payload: Buffer
}

/** Splits framed bytes; throws invalid-record for anything not in the wire format. */
export function unframe(bytes: Uint8Array): Framed {
  const buf = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  if (buf.length < HEADER_SIZE) {
    throw new GatewayError(
      'invalid-record',
      `not in the Confluent wire format: ${buf.length} bytes, fewer than the 5-byte header (magic byte and schema id)`
    )
  }
  if (buf[0] !== MAGIC_BYTE) {
    throw new GatewayError(
      'invalid-record',
      `not in the Confluent wire format: the first byte is ${buf[0]}, not the magic byte 0`
    )
  }
  return { schemaId: buf.readInt32BE(1), payload: buf.subarray(HEADER_SIZE) }
}
