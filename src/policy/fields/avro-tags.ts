// Confluent data contracts tag an Avro field with a field attribute, e.g.
// `{"name": "ssn", "type": "string", "confluent:tags": ["PII"]}`. avsc keeps no custom field
// attributes, so the tags are read from the schema text: record full name -> field -> tags, then
// matched to avsc's (name-resolved) type tree.

export type FieldTags = Map<string, Map<string, readonly string[]>>

const TAGS = 'confluent:tags'

/** Every tagged field of every record defined in these schemas (a schema, then its references). */
export function avroFieldTags(schemas: readonly (string | object)[]): FieldTags {
  const out: FieldTags = new Map()
  for (const schema of schemas) {
    let json: unknown = schema
    if (typeof schema === 'string') {
      try {
        json = JSON.parse(schema)
      } catch {
        continue // a bare type name defines no record
      }
    }
    scan(json, '', out)
  }
  return out
}

function fullName(name: string, namespace: string): string {
  return name.includes('.') || namespace === '' ? name : `${namespace}.${name}`
}

function scan(node: unknown, namespace: string, out: FieldTags): void {
  if (Array.isArray(node)) {
    for (const branch of node) scan(branch, namespace, out)
    return
  }
  if (node === null || typeof node !== 'object') return
  const def = node as Record<string, unknown>
  let ns = namespace
  if (typeof def.name === 'string' && (def.type === 'record' || def.type === 'error')) {
    const name = fullName(def.name, typeof def.namespace === 'string' ? def.namespace : namespace)
    // A named type's namespace is the enclosing one for the types it defines (Avro spec).
    ns = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : ''
    const fields = new Map<string, readonly string[]>()
    for (const field of Array.isArray(def.fields) ? (def.fields as unknown[]) : []) {
      const f = field as Record<string, unknown> | null
      if (f === null || typeof f !== 'object') continue
      const tags = f[TAGS]
      if (typeof f.name === 'string' && Array.isArray(tags)) {
        fields.set(
          f.name,
          tags.filter((t): t is string => typeof t === 'string')
        )
      }
      scan(f.type, ns, out)
    }
    out.set(name, fields)
    return
  }
  if (typeof def.name === 'string' && typeof def.namespace === 'string') ns = def.namespace
  scan(def.type, ns, out)
  scan(def.items, ns, out)
  scan(def.values, ns, out)
}
