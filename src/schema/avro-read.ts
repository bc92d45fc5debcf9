// Decoded avsc values → JSON-friendly values, for consumers that speak JSON: unions unwrapped to
// their natural form, longs as numbers (as strings beyond ±2^53, which a double cannot hold),
// bytes and fixed as base64, NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity",
// decimals as exact strings; other logical types as their underlying value (epoch numbers, days).
import { logicalConversion } from './avro-logical.ts'
import { typeLabel, type AvroField, type AvroNode } from './avro-nodes.ts'
import { AnnotatedType, type AvroType } from './avro-types.ts'

export type Reader = (value: unknown) => unknown

export function compileReader(type: AvroType): Reader {
  return readerFor(type as AvroNode, new Map())
}

function readerFor(type: AvroNode, seen: Map<AvroNode, Reader>): Reader {
  const known = seen.get(type)
  if (known) return known
  const slot: { compiled?: Reader } = {}
  seen.set(type, (value) => (slot.compiled as Reader)(value))
  slot.compiled = build(type, seen)
  seen.set(type, slot.compiled)
  return slot.compiled
}

const identity: Reader = (value) => value

function build(type: AvroNode, seen: Map<AvroNode, Reader>): Reader {
  if (type instanceof AnnotatedType) {
    return type.logicalType === 'decimal'
      ? logicalConversion(type).read
      : build(type.underlyingType as AvroNode, seen)
  }
  switch (type.typeName) {
    case 'long':
    case 'abstract:long':
      return (v) => (typeof v === 'bigint' ? v.toString() : v)
    case 'float':
    case 'double':
      return (v) => (Number.isFinite(v) ? v : String(v))
    case 'bytes':
    case 'fixed':
      return (v) => (v as Buffer).toString('base64')
    case 'array': {
      const item = readerFor(type.itemsType as AvroNode, seen)
      return (v) => (v as unknown[]).map(item)
    }
    case 'map': {
      const entry = readerFor(type.valuesType as AvroNode, seen)
      return (v) => {
        const result: Record<string, unknown> = {}
        for (const [key, value] of Object.entries(v as object)) result[key] = entry(value)
        return result
      }
    }
    case 'record':
    case 'error':
      return recordReader(type.fields as AvroField[], seen)
    case 'union:wrapped': {
      const branches = new Map(
        (type.types as AvroNode[]).map((t) => [t.branchName as string, readerFor(t, seen)])
      )
      return (v) => {
        if (v === null) return null
        for (const key in v as object) {
          const read = branches.get(key)
          if (read) return read((v as Record<string, unknown>)[key])
        }
        throw new Error(`no branch of ${typeLabel(type)} is called ${Object.keys(v as object)}`)
      }
    }
    default:
      return identity
  }
}

function recordReader(fields: AvroField[], seen: Map<AvroNode, Reader>): Reader {
  const compiled = fields.map((f) => ({ name: f.name, read: readerFor(f.type as AvroNode, seen) }))
  return (v) => {
    const record = v as Record<string, unknown>
    const result: Record<string, unknown> = {}
    for (const { name, read } of compiled) result[name] = read(record[name])
    return result
  }
}
