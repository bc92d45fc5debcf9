// How a record value is read for field edits (masks and encryption alike): a Confluent-framed
// value (magic byte 0, a schema id) with its writer schema from the virtual cluster's registry,
// anything else as JSON. Undefined: framed, but no registry to read it with.
import type { ValueEncoding } from './types.ts'

export function encodingOf(value: Buffer, registry: string | undefined): ValueEncoding | undefined {
  if (value.length >= 5 && value[0] === 0) return registry === undefined ? undefined : 'registry'
  return 'json'
}
