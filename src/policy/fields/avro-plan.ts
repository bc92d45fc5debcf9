// The edit plan for one Avro schema, built once per schema id: which fields of a decoded value
// (avsc's shape: unions wrapped as `{branch: value}`, bytes as Buffers) the selection reaches.
// Only plain `string` and `bytes` fields can be edited and stay valid for the schema; a union of
// null with one of them passes null through. A tagged field of any other type is reported, a
// pointer to one refused.
import { GatewayError } from '../../core/errors.ts'
import { pointerTokens, type PointerToken } from '../../core/records/json-pointer.ts'
import { typeLabel, type AvroNode } from '../../schema/avro-nodes.ts'
import { AnnotatedType, type AvroType } from '../../schema/avro-types.ts'
import type { FieldTags } from './avro-tags.ts'
import { editLeaf, escapeToken, planOnce, type Visit } from './types.ts'

type Report = (field: string, type: string) => void

const node = (type: AvroType) => type as AvroNode
const branchName = (type: AvroType) => (type as { branchName?: string }).branchName ?? ''

/** A visit editing a string or bytes value (or each item/value of an array/map of them). */
function leaf(type: AvroType): Visit | undefined {
  if (type instanceof AnnotatedType) return undefined // uuid, decimal: an edit breaks the type
  switch (type.typeName) {
    case 'string':
    case 'bytes':
      return (value, path, edit) => editLeaf(edit, path, value as string | Buffer)
    case 'union:wrapped': {
      const branches = (node(type).types ?? []).filter((t) => t.typeName !== 'null')
      const only = branches.length === 1 ? branches[0] : undefined
      const inner = only !== undefined && only.typeName !== 'union:wrapped' ? leaf(only) : undefined
      if (only === undefined || inner === undefined) return undefined
      return unionVisit(new Map([[branchName(only), inner]]))
    }
    case 'array': {
      const item = node(type).itemsType
      const inner = item !== undefined && item.typeName !== 'array' ? leaf(item) : undefined
      return inner === undefined ? undefined : arrayVisit(inner)
    }
    case 'map': {
      const item = node(type).valuesType
      const inner = item !== undefined && item.typeName !== 'map' ? leaf(item) : undefined
      return inner === undefined ? undefined : mapVisit(inner)
    }
    default:
      return undefined
  }
}

function unionVisit(branches: ReadonlyMap<string, Visit>): Visit {
  return (value, path, edit) => {
    if (value === null || typeof value !== 'object') return value
    const wrapped = value as Record<string, unknown>
    for (const [name, visit] of branches) {
      if (Object.hasOwn(wrapped, name)) wrapped[name] = visit(wrapped[name], path, edit)
    }
    return value
  }
}

function arrayVisit(item: Visit): Visit {
  return (value, path, edit) => {
    const items = value as unknown[]
    for (let i = 0; i < items.length; i++) items[i] = item(items[i], `${path}/${i}`, edit)
    return value
  }
}

function mapVisit(item: Visit): Visit {
  return (value, path, edit) => {
    const map = value as Record<string, unknown>
    for (const key of Object.keys(map))
      map[key] = item(map[key], `${path}/${escapeToken(key)}`, edit)
    return value
  }
}

/** The visit for every field tagged with one of `wanted`, anywhere in `type`. */
export function planTags(
  root: AvroType,
  tags: FieldTags,
  wanted: ReadonlySet<string>,
  report: Report
): Visit | undefined {
  const once = planOnce<AvroType>()
  const plan = (type: AvroType): Visit | undefined => once(type, () => planChildren(type))
  const planChildren = (type: AvroType): Visit | undefined => {
    const n = node(type)
    switch (type.typeName) {
      case 'record':
      case 'error': {
        const fieldTags = tags.get(n.name ?? '')
        const fields: [string, Visit][] = []
        for (const field of n.fields ?? []) {
          const tagged = (fieldTags?.get(field.name) ?? []).some((t) => wanted.has(t))
          const visit = tagged ? leaf(field.type) : plan(field.type)
          if (tagged && visit === undefined)
            report(`${n.name}.${field.name}`, typeLabel(node(field.type)))
          if (visit !== undefined) fields.push([field.name, visit])
        }
        return fields.length === 0 ? undefined : recordVisit(fields)
      }
      case 'union:wrapped': {
        const branches = new Map<string, Visit>()
        for (const t of n.types ?? []) {
          const visit = plan(t)
          if (visit !== undefined) branches.set(branchName(t), visit)
        }
        return branches.size === 0 ? undefined : unionVisit(branches)
      }
      case 'array': {
        const item = n.itemsType && plan(n.itemsType)
        return item && arrayVisit(item)
      }
      case 'map': {
        const item = n.valuesType && plan(n.valuesType)
        return item && mapVisit(item)
      }
      default:
        return undefined
    }
  }
  return plan(root)
}

function recordVisit(fields: readonly [string, Visit][]): Visit {
  return (value, path, edit) => {
    const record = value as Record<string, unknown>
    for (const [name, visit] of fields) {
      record[name] = visit(record[name], `${path}/${escapeToken(name)}`, edit)
    }
    return value
  }
}

/** The visit for one pointer; throws when it names no field, or one no edit can keep valid. */
export function planPointer(root: AvroType, pointer: string): Visit {
  const tokens = pointerTokens(pointer)
  if (tokens.length === 0) throw new Error(`a field pointer names a field: "" is the whole value`)
  return planAt(root, tokens, 0, pointer)
}

function planAt(
  type: AvroType,
  tokens: readonly PointerToken[],
  i: number,
  pointer: string
): Visit {
  const n = node(type)
  const token = tokens[i]
  if (token === undefined) {
    const visit = leaf(type)
    if (visit !== undefined) return visit
    throw unsupported(
      pointer,
      `is of type ${typeLabel(n)}; only string and bytes fields can be edited and keep the record valid for its schema`
    )
  }
  switch (type.typeName) {
    case 'record':
    case 'error': {
      const field = (n.fields ?? []).find((f) => f.name === token.name)
      if (field === undefined) throw unsupported(pointer, `names no field of record ${n.name}`)
      return recordVisit([[field.name, planAt(field.type, tokens, i + 1, pointer)]])
    }
    case 'union:wrapped': {
      // A pointer goes through unions: each branch it fits is planned, the others skipped.
      const branches = new Map<string, Visit>()
      let first: unknown
      for (const t of (n.types ?? []).filter((t) => t.typeName !== 'null')) {
        try {
          branches.set(branchName(t), planAt(t, tokens, i, pointer))
        } catch (err) {
          first ??= err
        }
      }
      if (branches.size === 0) throw first
      return unionVisit(branches)
    }
    case 'array': {
      const inner = planAt(n.itemsType as AvroType, tokens, i + 1, pointer)
      if (token.index === undefined)
        throw unsupported(pointer, `has "${token.name}" where an array index goes`)
      const index = token.index
      return (value, path, edit) => {
        const items = value as unknown[]
        if (index < items.length) items[index] = inner(items[index], `${path}/${index}`, edit)
        return value
      }
    }
    case 'map': {
      const inner = planAt(n.valuesType as AvroType, tokens, i + 1, pointer)
      return (value, path, edit) => {
        const map = value as Record<string, unknown>
        const at = `${path}/${escapeToken(token.name)}`
        if (Object.hasOwn(map, token.name)) map[token.name] = inner(map[token.name], at, edit)
        return value
      }
    }
    default:
      throw unsupported(pointer, `goes into ${typeLabel(n)}, which has no fields`)
  }
}

function unsupported(pointer: string, problem: string): GatewayError {
  return new GatewayError('internal', `field ${pointer} ${problem}`)
}
