// The edit plan for one JSON Schema, built once per schema id: every subschema tagged with one of
// the wanted tags (`"confluent:tags": ["PII"]`, as Confluent data contracts write it on a
// property) is a field to edit, reached through properties, additionalProperties, items,
// prefixItems, allOf/anyOf/oneOf and $ref (local, or to a referenced schema by name). Only string
// fields stay valid once edited: a tagged subschema must declare type string (null allowed too),
// or an array of such strings; any other is reported and left alone. Keywords constraining a
// string's content (format, pattern, maxLength, enum) are not checked: an encrypted or masked
// value may not meet them, as with Confluent's own field encryption.
import type { ReferencedSchema } from '../../schema/types.ts'
import { declaredTypes, isSchema, schemaDocuments, type Schema } from './json-schema-docs.ts'
import { editLeaf, escapeToken, planOnce, sequence, type Visit } from './types.ts'

type Report = (field: string, type: string) => void

const TAGS = 'confluent:tags'
const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

const stringLeaf: Visit = (v, p, e) => (typeof v === 'string' ? editLeaf(e, p, v) : v)

/**
 * Confluent's JSON Schema bytes: a base64 string (`contentEncoding: base64`). It is edited as
 * bytes and written back in base64, so an encrypted field is still valid base64, as Confluent's
 * own serializers encrypt it.
 */
const base64Leaf: Visit = (v, p, e) =>
  typeof v === 'string'
    ? (editLeaf(e, p, Buffer.from(v, 'base64')) as Buffer).toString('base64')
    : v

/** A string (or null) field, or an array of them; undefined for anything an edit would break. */
function leaf(schema: Schema): Visit | undefined {
  const types = declaredTypes(schema)
  if (!types?.has('string') && !types?.has('array')) return undefined
  if ([...types].every((t) => t === 'string' || t === 'null')) {
    return schema.contentEncoding === 'base64' ? base64Leaf : stringLeaf
  }
  const items = schema.items
  if (types.size === 1 && isSchema(items) && leaf(items) === stringLeaf) {
    return (v, p, e) =>
      Array.isArray(v) ? v.map((item, i) => stringLeaf(item, `${p}/${i}`, e)) : v
  }
  return undefined
}

export function planJsonSchemaTags(
  schema: string | object,
  references: readonly ReferencedSchema[],
  wanted: ReadonlySet<string>,
  report: Report
): Visit | undefined {
  const { root, resolve } = schemaDocuments(schema, references)
  const once = planOnce<Schema>()

  // `doc` is the document a subschema lives in, for its local $refs; `at` its path, for reports.
  const plan = (schema: unknown, doc: unknown, at: string): Visit | undefined =>
    isSchema(schema) ? once(schema, () => planSchema(schema, doc, at)) : undefined

  const planSchema = (schema: Schema, doc: unknown, at: string): Visit | undefined => {
    const tags = schema[TAGS]
    if (Array.isArray(tags) && tags.some((t) => typeof t === 'string' && wanted.has(t))) {
      const visit = leaf(schema)
      if (visit === undefined)
        report(at || '/', [...(declaredTypes(schema) ?? ['any'])].join(' or '))
      return visit
    }
    const visits: Visit[] = []
    if (typeof schema.$ref === 'string') {
      const target = resolve(schema.$ref, doc)
      const visit = plan(target.schema, target.doc, at)
      if (visit) visits.push(visit)
    }
    for (const key of ['allOf', 'anyOf', 'oneOf']) {
      const branches = schema[key]
      if (!Array.isArray(branches)) continue
      for (const b of branches) {
        const visit = plan(b, doc, at)
        if (visit) visits.push(visit)
      }
    }
    const properties = isSchema(schema.properties) ? schema.properties : {}
    const props: [string, Visit][] = []
    for (const [name, sub] of Object.entries(properties)) {
      const visit = plan(sub, doc, `${at}/${escapeToken(name)}`)
      if (visit) props.push([name, visit])
    }
    const extra = plan(schema.additionalProperties, doc, `${at}/*`)
    if (props.length > 0 || extra) visits.push(objectVisit(props, extra))
    const tuple = [schema.prefixItems, schema.items].find(Array.isArray) as unknown[] | undefined
    const tupleVisits = (tuple ?? []).map((s, i) => plan(s, doc, `${at}/${i}`))
    const items = Array.isArray(schema.items) ? schema.additionalItems : schema.items
    const rest = plan(items, doc, `${at}/*`)
    if (rest || tupleVisits.some(Boolean)) visits.push(arrayVisit(tupleVisits, rest))
    return sequence(visits)
  }

  return plan(root, root, '')
}

function objectVisit(props: readonly [string, Visit][], extra: Visit | undefined): Visit {
  const known = new Set(props.map(([name]) => name))
  return (value, path, edit) => {
    if (!isObject(value)) return value
    for (const [name, visit] of props) {
      if (Object.hasOwn(value, name))
        value[name] = visit(value[name], `${path}/${escapeToken(name)}`, edit)
    }
    if (extra) {
      for (const name of Object.keys(value)) {
        if (!known.has(name)) value[name] = extra(value[name], `${path}/${escapeToken(name)}`, edit)
      }
    }
    return value
  }
}

function arrayVisit(tuple: readonly (Visit | undefined)[], rest: Visit | undefined): Visit {
  return (value, path, edit) => {
    if (!Array.isArray(value)) return value
    for (let i = 0; i < value.length; i++) {
      const visit = i < tuple.length ? tuple[i] : rest
      if (visit) value[i] = visit(value[i], `${path}/${i}`, edit)
    }
    return value
  }
}
