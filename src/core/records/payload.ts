// How the bytes of one key or value become what a client sees, when no schema is involved (a
// stream's record.ts tries Confluent-framed bytes first; transform policies read values this way
// on every door). Pure and synchronous: it runs once per record on the hot path, so every check
// is a native scan and JSON.parse is only tried on text that can be JSON, since a thrown SyntaxError costs far more than looking at the first character.
import { isUtf8 } from 'node:buffer'

/** How a stream renders keys and values (the stream's `format.key` / `format.value`). */
export type FormatMode = 'auto' | 'json' | 'text' | 'base64'

/** How a delivered key or value was produced from the record's bytes. */
export type Encoding = 'json' | 'text' | 'base64' | 'avro' | 'json-schema'

export interface Decoded {
  value: unknown
  encoding: Encoding
}

/**
 * - `base64`: always base64.
 * - `text`: UTF-8; bytes that are not valid UTF-8 come as base64 (marked), never mangled.
 * - `json`: parsed JSON; else text; else base64.
 * - `auto`: JSON when it parses, else text, else base64; bytes holding a NUL count as binary
 *   (text almost never has one, Avro, Protobuf and framed records almost always do).
 */
export function decodeBytes(bytes: Buffer, mode: FormatMode): Decoded {
  switch (mode) {
    case 'base64':
      return base64(bytes)
    case 'text':
      return isUtf8(bytes) ? { value: bytes.toString('utf8'), encoding: 'text' } : base64(bytes)
    case 'json':
      return isUtf8(bytes) ? jsonOrText(bytes.toString('utf8')) : base64(bytes)
    case 'auto':
      if (bytes.indexOf(0) !== -1 || !isUtf8(bytes)) return base64(bytes)
      return jsonOrText(bytes.toString('utf8'))
  }
}

export function base64(bytes: Buffer): Decoded {
  return { value: bytes.toString('base64'), encoding: 'base64' }
}

function jsonOrText(text: string): Decoded {
  if (mayBeJson(text)) {
    const parsed = parseJson(text)
    if (parsed !== NOT_JSON) return { value: parsed, encoding: 'json' }
  }
  return { value: text, encoding: 'text' }
}

const NOT_JSON: unique symbol = Symbol('not JSON')

function parseJson(text: string): unknown {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return NOT_JSON
  }
  // A bare number a double cannot hold exactly (a 20-digit id, 1e400) would reach the client
  // changed; its text is the faithful form. Nested numbers are JSON.parse's to keep.
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    if (!Number.isFinite(value) || Number.isInteger(value)) return NOT_JSON
  }
  return value
}

/** False when JSON.parse would certainly fail: the first non-blank character starts no value. */
function mayBeJson(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    // JSON whitespace: space, tab, line feed, carriage return.
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue
    return (
      c === 0x7b /* { */ ||
      c === 0x5b /* [ */ ||
      c === 0x22 /* " */ ||
      c === 0x2d /* - */ ||
      (c >= 0x30 && c <= 0x39) /* digit */ ||
      c === 0x74 /* t */ ||
      c === 0x66 /* f */ ||
      c === 0x6e /* n */
    )
  }
  return false
}
