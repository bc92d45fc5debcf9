// Value shapes shared by every generated message: tagged fields the schema does not know, the
// zero UUID, and the structural equality the encoder uses to tell a default struct.

/** A tagged field this codec has no schema for, kept as raw bytes so it survives a round trip. */
export interface TaggedField {
  tag: number
  data: Buffer
}

/** What every struct of a flexible message may carry besides its own fields. */
export interface HasTaggedFields {
  unknownTaggedFields?: TaggedField[]
}

/** Kafka's zero UUID (the "no topic id" value), in Kafka's own text form: 16 bytes, base64url. */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA'

/** Structural equality over decoded message values: plain objects, arrays, Buffers, bigints and
 * primitives. A missing `unknownTaggedFields` equals an empty one. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return Number.isNaN(a) && Number.isNaN(b)
  }
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) {
    return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b)
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((item, i) => deepEqual(item, b[i]))
  }
  const x = a as Record<string, unknown>
  const y = b as Record<string, unknown>
  for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
    if (key === 'unknownTaggedFields' && isEmpty(x[key]) && isEmpty(y[key])) continue
    if (!deepEqual(x[key], y[key])) return false
  }
  return true
}

function isEmpty(value: unknown): boolean {
  return value === undefined || (Array.isArray(value) && value.length === 0)
}
