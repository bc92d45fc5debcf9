// Avro schemas as the JSON Schema of the JSON that travels over HTTP. Weir does not speak Avro's
// own JSON encoding to clients: it takes "natural" JSON (src/schema/avro-write.ts) and delivers
// JSON-friendly values (src/schema/avro-read.ts), and the two differ (a timestamp may be written
// as ISO text but is read back as epoch units; a decimal may be written as a number but is read
// back as text). So there are two conversions: `write` (request bodies) and `read` (streams).
// Named types are converted where they first occur; later uses, recursive ones included, are
// `$ref`s to that place, as Avro itself refers to a named type by its name.
import { compileReader } from '../../schema/avro-read.ts'
import type { AvroField, AvroNode } from '../../schema/avro-nodes.ts'
import { AnnotatedType, parseAvro, type AvroType } from '../../schema/avro-types.ts'
import type { ReferencedSchema } from '../../schema/types.ts'
import { pointerSegment, type JsonSchema } from './json-schema.ts'

export type AvroDirection = 'write' | 'read'

export interface AvroConversion {
  /** `write`: what a client may send. `read`: what a stream delivers. */
  direction: AvroDirection
  /** Where the result is placed (`#/components/schemas/orders-value`): `$ref`s start there. */
  base: string
}

/** Parses an Avro schema (with the schemas it references) and converts it. */
export function avroToJsonSchema(
  schema: string | object,
  references: readonly ReferencedSchema[],
  options: AvroConversion
): JsonSchema {
  return avroTypeToJsonSchema(parseAvro(schema, references), options)
}

export function avroTypeToJsonSchema(type: AvroType, options: AvroConversion): JsonSchema {
  return new Converter(options).convert(type as AvroNode, '')
}

const INT32 = { type: 'integer', format: 'int32', minimum: -(2 ** 31), maximum: 2 ** 31 - 1 }
const LONG_TEXT = '^[+-]?\\d{1,19}$'
const SPECIAL_FLOATS = ['NaN', 'Infinity', '-Infinity']
const BASE64 = '^[A-Za-z0-9+/_-]*={0,2}$'
const DECIMAL_TEXT = '^[+-]?\\d+(\\.\\d*)?([eE][+-]?\\d+)?$'
const LOCAL_DATE_TIME = '^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}(:\\d{2}([.,]\\d{1,9})?)?$'
const TIME_OF_DAY = '^\\d{2}:\\d{2}(:\\d{2}([.,]\\d{1,9})?)?$'

class Converter {
  readonly #direction: AvroDirection
  readonly #base: string
  /** Named types already converted, and the pointer (below base) where each one is. */
  readonly #placed = new Map<AvroNode, string>()

  constructor(options: AvroConversion) {
    this.#direction = options.direction
    this.#base = options.base
  }

  convert(type: AvroNode, pointer: string): JsonSchema {
    const named = isNamed(type)
    if (named) {
      const placed = this.#placed.get(type)
      if (placed !== undefined) return { $ref: `${this.#base}${placed}` }
      this.#placed.set(type, pointer)
    }
    if (type instanceof AnnotatedType) return this.#logical(type, pointer)
    switch (type.typeName) {
      case 'null':
        return { type: 'null' }
      case 'boolean':
        return { type: 'boolean' }
      case 'string':
        return { type: 'string' }
      case 'int':
        return { ...INT32 }
      case 'long':
      case 'abstract:long':
        return this.#long('a 64-bit integer')
      case 'float':
      case 'double':
        return {
          anyOf: [
            { type: 'number', format: type.typeName },
            { type: 'string', enum: SPECIAL_FLOATS },
          ],
        }
      case 'bytes':
        return { type: 'string', contentEncoding: 'base64', pattern: BASE64 }
      case 'fixed':
        return this.#fixed(type)
      case 'enum':
        return withDoc(
          { type: 'string', title: type.name, enum: [...(type.symbols ?? [])] },
          type.doc
        )
      case 'array':
        return {
          type: 'array',
          items: this.convert(type.itemsType as AvroNode, `${pointer}/items`),
        }
      case 'map':
        return {
          type: 'object',
          additionalProperties: this.convert(
            type.valuesType as AvroNode,
            `${pointer}/additionalProperties`
          ),
        }
      case 'record':
      case 'error':
        return this.#record(type, pointer)
      case 'union:wrapped':
        return this.#union(type, pointer)
      default:
        throw new Error(`unsupported Avro type ${type.typeName}`)
    }
  }

  #long(what: string): JsonSchema {
    // avro-write.ts takes decimal text for longs a JSON number cannot carry exactly, and
    // avro-read.ts gives such longs back as text.
    return {
      type: ['integer', 'string'],
      format: 'int64',
      pattern: LONG_TEXT,
      description: `${what}: a JSON number, or a decimal string beyond ±2^53`,
    }
  }

  #fixed(type: AvroNode): JsonSchema {
    const size = type.size ?? 0
    return withDoc(
      {
        type: 'string',
        title: type.name,
        contentEncoding: 'base64',
        pattern: BASE64,
        // Unpadded and padded base64 of `size` bytes.
        minLength: Math.ceil((4 * size) / 3),
        maxLength: 4 * Math.ceil(size / 3),
        description: `${size} bytes, as base64`,
      },
      type.doc
    )
  }

  #record(type: AvroNode, pointer: string): JsonSchema {
    const properties: Record<string, JsonSchema> = {}
    const required: string[] = []
    for (const field of (type.fields ?? []) as (AvroField & { doc?: string })[]) {
      const at = `${pointer}/properties/${pointerSegment(field.name)}`
      const schema = this.convert(field.type as AvroNode, at)
      const fallback = field.defaultValue()
      if (fallback !== undefined) schema.default = compileReader(field.type)(fallback)
      if (field.doc) schema.description = field.doc
      properties[field.name] = schema
      // Writers fill in defaults and nulls (avro-write.ts); readers always give every field.
      if (this.#direction === 'read' || (fallback === undefined && !isNullable(field.type))) {
        required.push(field.name)
      }
    }
    return withDoc(
      {
        type: 'object',
        title: type.name,
        properties,
        ...(required.length > 0 ? { required } : {}),
        // Unknown fields are violations (a typo must not lose data silently).
        additionalProperties: false,
      },
      type.doc
    )
  }

  #union(type: AvroNode, pointer: string): JsonSchema {
    const branches = (type.types ?? []) as AvroNode[]
    // The natural form first, null last: tools take the first branch for their examples.
    const ordered = [
      ...branches.filter((b) => b.typeName !== 'null'),
      ...branches.filter((b) => b.typeName === 'null'),
    ]
    const anyOf = ordered.map((b, i) => this.convert(b, `${pointer}/anyOf/${i}`))
    const schema: JsonSchema = { anyOf }
    const choices = ordered.filter((b) => b.typeName !== 'null').length
    if (this.#direction === 'write' && choices > 1) {
      schema.description =
        'the value itself, or Avro\'s wrapped form {"<branch name>": value} to pick a branch'
    }
    return schema
  }

  #logical(type: AnnotatedType, pointer: string): JsonSchema {
    const read = this.#direction === 'read'
    const name = type.logicalType
    switch (name) {
      case 'decimal': {
        const what = `decimal(${type.precision},${type.scale})`
        return read
          ? { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$', description: `${what}, exact text` }
          : {
              type: ['number', 'string'],
              pattern: DECIMAL_TEXT,
              description: `${what}: a JSON number, or decimal text such as "12.34"`,
            }
      }
      case 'uuid':
        return { type: 'string', format: 'uuid' }
      case 'date': {
        const days = { type: 'integer', format: 'int32', description: 'days since 1970-01-01' }
        return read ? days : { anyOf: [{ type: 'string', format: 'date' }, days] }
      }
      case 'time-millis':
      case 'time-micros': {
        const unit = name.slice(5)
        const count = { type: 'integer', description: `${unit} since midnight` }
        return read ? count : { anyOf: [{ type: 'string', pattern: TIME_OF_DAY }, count] }
      }
      default:
        return this.#timestamp(type, name, pointer)
    }
  }

  #timestamp(type: AnnotatedType, name: string, pointer: string): JsonSchema {
    if (!name.includes('timestamp-')) return this.convert(type.underlyingType as AvroNode, pointer)
    const unit = name.slice(name.lastIndexOf('-') + 1)
    const local = name.startsWith('local-')
    const epoch = this.#long(`${unit} since 1970-01-01T00:00:00${local ? ' (local time)' : 'Z'}`)
    if (this.#direction === 'read') return epoch
    const text = local
      ? { type: 'string', pattern: LOCAL_DATE_TIME, description: 'a local date-time, no zone' }
      : { type: 'string', format: 'date-time' }
    // avro-logical.ts takes ISO text or epoch units (a number: text is read as a date-time).
    return { anyOf: [text, { type: 'integer', format: 'int64', description: epoch.description }] }
  }
}

function isNamed(type: AvroNode): boolean {
  if (type instanceof AnnotatedType) return false
  const kind = type.typeName
  return kind === 'record' || kind === 'error' || kind === 'enum' || kind === 'fixed'
}

function isNullable(type: AvroType): boolean {
  const branches = (type as AvroNode).types
  return branches?.some((b) => b.typeName === 'null') ?? false
}

function withDoc(schema: JsonSchema, doc: unknown): JsonSchema {
  if (typeof doc === 'string' && doc !== '') schema.description = doc
  return schema
}
