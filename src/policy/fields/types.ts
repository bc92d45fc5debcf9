// Shapes shared by field selection: what a policy selects, how a record value is encoded, and
// the edit a caller (encryption, masking) applies to each selected field.
import { GatewayError } from '../../core/errors.ts'

/** Fields by JSON pointer into the value's natural JSON shape, or by schema tag (`PII`). */
export interface FieldSelection {
  pointers?: readonly string[]
  tags?: readonly string[]
}

/**
 * `json`: a plain JSON document (UTF-8), no schema. `registry`: the Confluent wire format (magic
 * byte, schema id, payload); the schema id says whether the payload is Avro or JSON Schema.
 */
export type ValueEncoding = 'json' | 'registry'

/** One selected field: its JSON pointer in this record (bind it as AAD) and its current value. */
export interface SelectedField {
  path: string
  value: string | Buffer
}

/**
 * Returns the field's new value, of the same kind: a string for a string field, a Buffer for a
 * bytes field. Any other kind would break the record's schema, so it is refused.
 */
export type FieldEdit = (field: SelectedField) => string | Buffer

/** A tagged field whose type cannot hold an edited value (int, record, enum, uuid...). */
export interface UnsupportedField {
  schemaId: number
  /** `com.acme.Customer.age` (Avro) or a JSON pointer into the schema (JSON Schema). */
  field: string
  type: string
}

/** An edit on one decoded value; returns the value to put in its place (records edited in place). */
export type Visit = (value: unknown, path: string, edit: FieldEdit) => unknown

/** The JSON pointer token for a name: `~` and `/` escaped (RFC 6901). */
export function escapeToken(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1')
}

/** Runs the edit and holds it to the field's kind. */
export function editLeaf(edit: FieldEdit, path: string, value: string | Buffer): string | Buffer {
  const edited = edit({ path, value })
  const kind = typeof value === 'string' ? 'string' : 'bytes'
  const got = typeof edited === 'string' ? 'string' : Buffer.isBuffer(edited) ? 'bytes' : 'other'
  if (got !== kind) {
    throw new GatewayError(
      'internal',
      `the edit of field ${path || '/'} returned ${got}, not ${kind}: it would break the schema`
    )
  }
  return edited
}

/** Applies several visits to one value in turn. */
export function sequence(visits: readonly Visit[]): Visit | undefined {
  if (visits.length === 0) return undefined
  if (visits.length === 1) return visits[0]
  return (value, path, edit) => visits.reduce((v, visit) => visit(v, path, edit), value)
}

/**
 * Plans each schema node once. A node reached again while it is being planned (a recursive type,
 * a linked list) gets a visit that defers to the plan once finished.
 */
export function planOnce<K>(): (key: K, build: () => Visit | undefined) => Visit | undefined {
  const planned = new Map<K, { done: boolean; visit: Visit | undefined }>()
  return (key, build) => {
    const known = planned.get(key)
    if (known?.done) return known.visit
    if (known) return (v, p, e) => (known.visit ? known.visit(v, p, e) : v)
    const box: { done: boolean; visit: Visit | undefined } = { done: false, visit: undefined }
    planned.set(key, box)
    box.visit = build()
    box.done = true
    return box.visit
  }
}
