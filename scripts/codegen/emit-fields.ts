// TypeScript snippets for one field: its type, its default, the expression that reads it and the
// statement that writes it. `F` in the signatures below is the snippet that says whether the
// field is encoded in its flexible (compact) form: `f`, `true` or `false`.
import { intersect, type Field, type Message, type Primitive, type Range } from './model.ts'

/** A condition on the version `v` that holds exactly for `range` among the versions `within`:
 * 'true', 'false' or an expression such as `v >= 3`. */
export function cond(range: Range | null, within: Range): string {
  const r = intersect(range, within)
  if (!r) return 'false'
  const parts: string[] = []
  if (r.lo > within.lo) parts.push(`v >= ${r.lo}`)
  if (r.hi < within.hi) parts.push(r.lo === r.hi ? `v === ${r.lo}` : `v <= ${r.hi}`)
  if (parts.length === 2 && r.lo === r.hi) return `v === ${r.lo}`
  return parts.length ? parts.join(' && ') : 'true'
}

/** The flexible-form snippet for a field in versions where it is present. */
export function flexibleOf(field: Field, message: Message, flexibleLocal: string): string {
  if (field.tag !== null) return 'true'
  if (field.flexible === undefined) return flexibleLocal
  return cond(intersect(field.flexible, message.flexible), field.versions)
}

const TS_TYPES: Record<Primitive, string> = {
  bool: 'boolean',
  int8: 'number',
  int16: 'number',
  uint16: 'number',
  int32: 'number',
  uint32: 'number',
  int64: 'bigint',
  float64: 'number',
  string: 'string',
  uuid: 'string',
  bytes: 'Buffer',
  records: 'Buffer',
}

export function tsType(field: Field): string {
  const t = field.type
  const base =
    t.kind === 'primitive'
      ? TS_TYPES[t.name]
      : t.kind === 'struct'
        ? t.name
        : `${t.element.kind === 'primitive' ? TS_TYPES[t.element.name] : t.element.name}[]`
  return field.nullableType ? `${base} | null` : base
}

/** Parses an integer default the way Java's Integer.decode does: decimal, 0x hex or 0 octal. */
function integer(text: string | number | boolean): bigint {
  if (typeof text === 'number') return BigInt(text)
  if (typeof text === 'boolean') throw new Error(`bad integer default ${text}`)
  const m = /^(-?)(0x[0-9a-f]+|0[0-7]+|\d+)$/i.exec(text.trim())
  if (!m) throw new Error(`bad integer default '${text}'`)
  const digits = m[2]!
  const value = /^0[0-7]/.test(digits) ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits)
  return m[1] ? -value : value
}

/** The default value as a TypeScript expression. */
export function defaultExpr(field: Field): string {
  const d = field.default
  if (d === 'null') return 'null'
  const t = field.type
  if (t.kind === 'array') return '[]'
  if (t.kind === 'struct') return `default${t.name}()`
  switch (t.name) {
    case 'bool':
      return d === true || d === 'true' ? 'true' : 'false'
    case 'int64':
      return `${integer(d ?? 0)}n`
    case 'float64':
      return String(Number(d ?? 0))
    case 'string':
      return JSON.stringify(d ?? '')
    case 'uuid':
      return 'ZERO_UUID'
    case 'bytes':
      return 'Buffer.alloc(0)'
    case 'records':
      return 'null'
    default:
      return String(integer(d ?? 0))
  }
}

/** An expression true when `x` (the field's value) differs from the field's default. */
export function nonDefault(field: Field, x: string): string {
  const t = field.type
  if (field.default === 'null' || (t.kind === 'primitive' && t.name === 'records')) {
    return `${x} !== null`
  }
  const orNull = field.nullableType ? `${x} === null || ` : ''
  if (t.kind === 'array' || (t.kind === 'primitive' && t.name === 'bytes')) {
    return `${orNull}${x}.length !== 0`
  }
  if (t.kind === 'struct') return `${orNull}!deepEqual(${x}, default${t.name}())`
  return `${x} !== ${defaultExpr(field)}`
}

function nullableCond(field: Field): string {
  return cond(field.nullable, field.versions)
}

const LENGTH_PREFIXED = new Set<Primitive>(['string', 'bytes', 'records'])

function primitiveRead(name: Primitive, F: string, nullable: boolean): string {
  if (!LENGTH_PREFIXED.has(name)) return `r.${name}()`
  const method = name === 'string' ? 'String' : 'Bytes'
  return nullable ? `r.nullable${method}(${F})` : `r.${method.toLowerCase()}(${F})`
}

function primitiveWrite(name: Primitive, F: string, nullable: boolean, x: string): string {
  if (!LENGTH_PREFIXED.has(name)) return `w.${name}(${x})`
  const method = name === 'string' ? 'String' : 'Bytes'
  return nullable ? `w.nullable${method}(${F}, ${x})` : `w.${method.toLowerCase()}(${F}, ${x})`
}

/** The expression that reads the field, in a version where it is present. */
export function readExpr(field: Field, F: string): string {
  const build = (nullable: boolean): string => {
    const t = field.type
    if (t.kind === 'primitive') return primitiveRead(t.name, F, nullable)
    if (t.kind === 'struct') {
      const read = `read${t.name}(r, v)`
      return nullable ? `r.nullableStruct(() => ${read})` : read
    }
    const e = t.element
    const element = e.kind === 'primitive' ? primitiveRead(e.name, F, false) : `read${e.name}(r, v)`
    return `r.${nullable ? 'nullableArray' : 'array'}(${F}, () => ${element})`
  }
  const nc = nullableCond(field)
  if (nc === 'true' || nc === 'false') return build(nc === 'true')
  return `(${nc} ? ${build(true)} : ${build(false)})`
}

/** The statements that write the field, in a version where it is present. */
export function writeStmt(field: Field, F: string, x: string, where: string): string {
  const build = (nullable: boolean): string => {
    const t = field.type
    if (t.kind === 'primitive') return primitiveWrite(t.name, F, nullable, x)
    if (t.kind === 'struct') {
      if (nullable) return `w.nullableStruct(${x}, (s) => write${t.name}(w, v, s))`
      const value = field.nullableType ? `required(${x}, '${where}.${field.prop}')` : x
      return `write${t.name}(w, v, ${value})`
    }
    const e = t.element
    const element =
      e.kind === 'primitive' ? primitiveWrite(e.name, F, false, 'e') : `write${e.name}(w, v, e)`
    return `w.${nullable ? 'nullableArray' : 'array'}(${F}, ${x}, (e) => ${element})`
  }
  const nc = nullableCond(field)
  if (nc === 'true' || nc === 'false') return build(nc === 'true')
  return `if (${nc}) {\n${build(true)}\n} else {\n${build(false)}\n}`
}
