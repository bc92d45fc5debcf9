// Reading a JSON Schema for field selection: its documents (the schema and the Confluent schema
// references it names), $ref resolution across them, and the types a subschema declares.
import { compilePointer } from '../../core/records/json-pointer.ts'
import type { ReferencedSchema } from '../../schema/types.ts'

export type Schema = Record<string, unknown>

export const isSchema = (s: unknown): s is Schema =>
  s !== null && typeof s === 'object' && !Array.isArray(s)

function parse(schema: string | object): unknown {
  return typeof schema === 'string' ? (JSON.parse(schema) as unknown) : schema
}

/** The types a schema declares (via `type` or its oneOf/anyOf branches); undefined if none. */
export function declaredTypes(schema: Schema): Set<string> | undefined {
  if (typeof schema.type === 'string') return new Set([schema.type])
  if (Array.isArray(schema.type)) return new Set(schema.type.filter((t) => typeof t === 'string'))
  const branches = [schema.oneOf, schema.anyOf].find(Array.isArray) as unknown[] | undefined
  if (!branches) return undefined
  const out = new Set<string>()
  for (const b of branches) {
    const types = isSchema(b) ? declaredTypes(b) : undefined
    if (!types) return undefined
    for (const t of types) out.add(t)
  }
  return out
}

/** A subschema and the document it lives in (which its local `#...` refs point into). */
export interface Located {
  schema: unknown
  doc: unknown
}

export function schemaDocuments(
  schema: string | object,
  references: readonly ReferencedSchema[]
): { root: unknown; resolve: (ref: string, doc: unknown) => Located } {
  const root = parse(schema)
  const named = new Map(references.map((r) => [r.name, parse(r.schema)]))
  const resolve = (ref: string, base: unknown): Located => {
    const hash = ref.indexOf('#')
    const doc = hash === 0 ? base : named.get(hash < 0 ? ref : ref.slice(0, hash))
    const target = hash < 0 ? doc : compilePointer(decodeURIComponent(ref.slice(hash + 1)))(doc)
    return { schema: target, doc }
  }
  return { root, resolve }
}
