// Natural JSON → the values avsc encodes, checking as it goes. Compiled once per schema into a
// tree of closures, so the per-record work is one walk that both validates (collecting every
// violation with its JSON pointer) and converts. Unions: see avro-union.ts.
import type { Violation } from '../core/violation.ts'
import { logicalConversion, Rejection } from './avro-logical.ts'
import { AnnotatedType, isLong, type AvroType } from './avro-types.ts'
import { toBytes } from './bytes.ts'
import { closest, describeValue, isPlainObject, pointerSegment, quote } from './describe.ts'
import { typeLabel, type AvroField, type AvroNode } from './avro-nodes.ts'
import { unionWriter } from './avro-union.ts'

/** Converts `value`; reports problems into `out` (then the result is meaningless). */
export type Writer = (value: unknown, path: string, out: Violation[]) => unknown

export function compileWriter(type: AvroType): Writer {
  return writerFor(type as AvroNode, new Map())
}

function writerFor(type: AvroNode, seen: Map<AvroNode, Writer>): Writer {
  const known = seen.get(type)
  if (known) return known
  // A named type may contain itself (a linked list): hand out a forwarder while compiling.
  const slot: { compiled?: Writer } = {}
  seen.set(type, (value, path, out) => (slot.compiled as Writer)(value, path, out))
  slot.compiled = build(type, seen, typeLabel(type))
  seen.set(type, slot.compiled)
  return slot.compiled
}

const int32Min = -(2 ** 31)
const int32Max = 2 ** 31 - 1
const longText = /^[+-]?\d{1,19}$/
const specialFloats = new Map([
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
])

function build(type: AvroNode, seen: Map<AvroNode, Writer>, label: string): Writer {
  const fail = (value: unknown, path: string, out: Violation[], detail = ''): undefined => {
    out.push({ path, message: `expected ${label}, got ${describeValue(value)}${detail}` })
    return undefined
  }
  if (type instanceof AnnotatedType) return logicalWriter(type, label)
  switch (type.typeName) {
    case 'null':
      return (v, p, o) => (v === null ? null : fail(v, p, o))
    case 'boolean':
      return (v, p, o) => (typeof v === 'boolean' ? v : fail(v, p, o))
    case 'string':
      return (v, p, o) => (typeof v === 'string' ? v : fail(v, p, o))
    case 'int':
      return (v, p, o) => {
        const n = typeof v === 'bigint' ? Number(v) : v
        if (typeof n === 'number' && Number.isInteger(n)) {
          return n >= int32Min && n <= int32Max ? n : fail(v, p, o, ' (outside 32 bits)')
        }
        return fail(v, p, o)
      }
    case 'long':
    case 'abstract:long':
      return (v, p, o) => {
        if (isLong(v)) return v
        if (typeof v === 'string' && longText.test(v)) {
          const n = BigInt(v)
          // Text is for longs beyond 2^53, which a JSON number cannot carry exactly.
          if (isLong(n)) return Number.isSafeInteger(Number(n)) ? Number(n) : n
        }
        const unsafe = typeof v === 'number' && Number.isInteger(v)
        return fail(v, p, o, unsafe ? ' (beyond ±2^53: send it as a string)' : '')
      }
    case 'float':
    case 'double':
      return (v, p, o) => {
        if (typeof v === 'number') return v
        const special = typeof v === 'string' ? specialFloats.get(v) : undefined
        return special ?? fail(v, p, o)
      }
    case 'bytes':
      return (v, p, o) => toBytes(v) ?? fail(v, p, o, ' (bytes are base64 text)')
    case 'fixed': {
      const size = type.size as number
      return (v, p, o) => {
        const bytes = toBytes(v)
        if (bytes === undefined) return fail(v, p, o, ' (bytes are base64 text)')
        return bytes.length === size ? bytes : fail(v, p, o, ` (${size} bytes expected)`)
      }
    }
    case 'enum':
      return enumWriter(type, label)
    case 'array':
      return arrayWriter(writerFor(type.itemsType as AvroNode, seen), fail)
    case 'map':
      return mapWriter(writerFor(type.valuesType as AvroNode, seen), fail)
    case 'record':
    case 'error':
      return recordWriter(type, seen, fail)
    case 'union:wrapped': {
      const branches = (type.types as AvroNode[]).map((t) => ({
        type: t,
        write: writerFor(t, seen),
      }))
      return unionWriter(branches, label)
    }
    default:
      throw new Error(`unsupported Avro type ${type.typeName}`)
  }
}

type Fail = (value: unknown, path: string, out: Violation[], detail?: string) => undefined

function logicalWriter(type: AnnotatedType, label: string): Writer {
  const conversion = logicalConversion(type)
  // Not through writerFor: the underlying type may be shared (long), its label is not.
  const underlying = build(type.underlyingType as AvroNode, new Map(), label)
  return (value, path, out) => {
    const converted = conversion.write(value)
    if (!(converted instanceof Rejection)) return underlying(converted, path, out)
    out.push({ path, message: converted.message })
    return undefined
  }
}

function enumWriter(type: AvroNode, label: string): Writer {
  const symbols = new Set(type.symbols as string[])
  const listed = [...symbols].slice(0, 10).map(quote).join(', ')
  const more = symbols.size > 10 ? ', …' : ''
  return (value, path, out) => {
    if (typeof value === 'string' && symbols.has(value)) return value
    const hint = typeof value === 'string' ? closest(value, symbols) : undefined
    const suggestion = hint ? ` (did you mean ${quote(hint)}?)` : ''
    out.push({
      path,
      message: `expected one of ${listed}${more} (${label}), got ${describeValue(value)}${suggestion}`,
    })
    return undefined
  }
}

function arrayWriter(item: Writer, fail: Fail): Writer {
  return (value, path, out) => {
    if (!Array.isArray(value)) return fail(value, path, out)
    const result = new Array<unknown>(value.length)
    for (let i = 0; i < value.length; i++) result[i] = item(value[i], `${path}/${i}`, out)
    return result
  }
}

function mapWriter(entry: Writer, fail: Fail): Writer {
  return (value, path, out) => {
    if (!isPlainObject(value)) return fail(value, path, out)
    // No prototype, so a key such as "__proto__" is just a key.
    const result = Object.create(null) as Record<string, unknown>
    for (const key in value) {
      result[key] = entry(value[key], `${path}/${pointerSegment(key)}`, out)
    }
    return result
  }
}

interface CompiledField {
  name: string
  /** A name Object.prototype also has (`constructor`): read only an own property. */
  inherited: boolean
  pointer: string
  write: Writer
  /** The value a missing field takes: its default, or null for a nullable field. */
  missing: (() => unknown) | undefined
}

function recordWriter(type: AvroNode, seen: Map<AvroNode, Writer>, fail: Fail): Writer {
  const fields: CompiledField[] = (type.fields as AvroField[]).map((field) => ({
    name: field.name,
    inherited: field.name in Object.prototype,
    pointer: `/${pointerSegment(field.name)}`,
    write: writerFor(field.type as AvroNode, seen),
    missing: missingValue(field),
  }))
  const names = new Set(fields.map((f) => f.name))
  return (value, path, out) => {
    if (!isPlainObject(value)) return fail(value, path, out)
    const result: Record<string, unknown> = {}
    for (const field of fields) {
      const given =
        field.inherited && !Object.hasOwn(value, field.name) ? undefined : value[field.name]
      if (given !== undefined) result[field.name] = field.write(given, path + field.pointer, out)
      else if (field.missing) result[field.name] = field.missing()
      else
        out.push({ path: path + field.pointer, message: `missing required field "${field.name}"` })
    }
    for (const key in value) {
      if (names.has(key)) continue
      // avsc would drop it silently; a typo must not lose data without a word.
      const hint = closest(key, names)
      const suggestion = hint && value[hint] === undefined ? ` (did you mean "${hint}"?)` : ''
      out.push({
        path: `${path}/${pointerSegment(key)}`,
        message: `unknown field "${key}"${suggestion}`,
      })
    }
    return result
  }
}

function missingValue(field: AvroField): (() => unknown) | undefined {
  if (field.defaultValue() !== undefined) return () => field.defaultValue()
  // JSON writers leave out what is null; a nullable field without a default may be omitted too.
  const branches = (field.type as AvroNode).types as AvroNode[] | undefined
  return branches?.some((b) => b.typeName === 'null') ? () => null : undefined
}
