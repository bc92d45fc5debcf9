// Refuses, once per JSON Schema, a field pointer to a field the schema declares as something other
// than a string, as Avro pointers are refused: better a clear error at the first record than a
// refusal of each. Where the schema does not say (no such property, no declared type) the check
// is left to each record (json-pointer-plan.ts).
import { GatewayError } from '../../core/errors.ts'
import { pointerTokens, type PointerToken } from '../../core/records/json-pointer.ts'
import type { ReferencedSchema } from '../../schema/types.ts'
import { declaredTypes, isSchema, schemaDocuments, type Located } from './json-schema-docs.ts'

export function checkJsonSchemaPointer(
  schema: string | object,
  references: readonly ReferencedSchema[],
  pointer: string
): void {
  const { root, resolve } = schemaDocuments(schema, references)
  // Each subschema with what $ref and allOf/anyOf/oneOf add to it (they all describe the value).
  const expand = (located: readonly Located[]): Located[] => {
    const out: Located[] = []
    const seen = new Set<unknown>()
    const add = (l: Located) => {
      if (!isSchema(l.schema) || seen.has(l.schema)) return
      seen.add(l.schema)
      out.push(l)
      if (typeof l.schema.$ref === 'string') add(resolve(l.schema.$ref, l.doc))
      for (const key of ['allOf', 'anyOf', 'oneOf']) {
        const branches = l.schema[key]
        if (Array.isArray(branches)) for (const b of branches) add({ schema: b, doc: l.doc })
      }
    }
    located.forEach(add)
    return out
  }
  let candidates = expand([{ schema: root, doc: root }])
  for (const token of pointerTokens(pointer)) {
    candidates = expand(candidates.flatMap((c) => child(c, token)))
    if (candidates.length === 0) return
  }
  const declared = candidates.map((c) => declaredTypes(c.schema as Record<string, unknown>))
  const types = new Set(declared.flatMap((t) => (t ? [...t] : [])))
  if (types.size === 0 || types.has('string')) return
  throw new GatewayError(
    'internal',
    `field ${pointer} is of type ${[...types].join(' or ')}; only string fields can be edited and keep the record valid for its schema`
  )
}

function child(located: Located, token: PointerToken): Located[] {
  const schema = located.schema as Record<string, unknown>
  const properties = schema.properties
  if (isSchema(properties) && Object.hasOwn(properties, token.name)) {
    return [{ schema: properties[token.name], doc: located.doc }]
  }
  if (token.index === undefined) return []
  const tuple = [schema.prefixItems, schema.items].find(Array.isArray) as unknown[] | undefined
  if (tuple !== undefined && token.index < tuple.length) {
    return [{ schema: tuple[token.index], doc: located.doc }]
  }
  const rest = Array.isArray(schema.items) ? schema.additionalItems : schema.items
  return isSchema(rest) ? [{ schema: rest, doc: located.doc }] : []
}
