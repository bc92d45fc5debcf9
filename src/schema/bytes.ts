// Bytes in JSON. Avro `bytes` and `fixed` values are written and read as base64 text (standard or
// URL-safe alphabet, padding optional). Avro's own JSON encoding maps bytes to ISO-8859-1 code
// points instead, but both cannot be accepted at once ("AAAA" is valid in each), and base64 is
// what HTTP clients have at hand. Programmatic callers may pass a Buffer or Uint8Array.

const base64Text = /^[A-Za-z0-9+/_-]*={0,2}$/

/** The bytes a JSON value stands for, or undefined when it is not bytes. */
export function toBytes(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.length)
  if (typeof value === 'string') return decodeBase64(value)
  return undefined
}

/** Strict base64: rejects text Buffer.from would silently skip over. */
export function decodeBase64(text: string): Buffer | undefined {
  if (!base64Text.test(text)) return undefined
  const unpadded = text.replace(/=+$/, '')
  if (unpadded.length % 4 === 1) return undefined
  return Buffer.from(unpadded, 'base64')
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64')
}
