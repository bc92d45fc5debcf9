// fast-check arbitraries for any generated message at any version, built from the schema
// description (src/protocol/generated/schema.ts), independently of the generated code. A field
// the version lacks holds its default, as the decoder fills it in; present fields take any value
// their type and nullability allow, and flexible structs sometimes carry unknown tagged fields.
import fc from 'fast-check'
import type { FieldSchema, MessageSchema } from '../../../src/protocol/generated/schema.ts'
import type { TaggedField } from '../../../src/protocol/values.ts'

type Value = unknown
type Range = readonly [number, number]

const within = (range: Range | null | undefined, v: number): boolean =>
  !!range && v >= range[0] && v <= range[1]

export interface ArbitraryOptions {
  /** Longest generated array (default 2). */
  maxArrayLength?: number
  /** Whether flexible structs may carry unknown tagged fields (default true). */
  unknownTags?: boolean
}

const INT_RANGES: Record<string, [number, number]> = {
  int8: [-0x80, 0x7f],
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x80000000, 0x7fffffff],
  uint32: [0, 0xffffffff],
}

const uuid = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .map((b) => Buffer.from(b).toString('base64url'))
const bytes = fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b))

function primitive(type: string): fc.Arbitrary<Value> | undefined {
  const range = INT_RANGES[type]
  if (range) return fc.integer({ min: range[0], max: range[1] })
  switch (type) {
    case 'bool':
      return fc.boolean()
    case 'int64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
    case 'float64':
      return fc.double()
    case 'string':
      // Any Unicode text, so UTF-8 lengths differ from character counts.
      return fc.string({ unit: 'grapheme', maxLength: 6 })
    case 'uuid':
      return uuid
    case 'bytes':
    case 'records':
      return bytes
    default:
      return undefined
  }
}

/** Builds arbitraries for the structs of one message at one version. */
export class MessageArbitraries {
  private readonly schema: MessageSchema
  private readonly version: number
  private readonly flexible: boolean
  private readonly maxArrayLength: number
  private readonly unknownTags: boolean
  private readonly cache = new Map<string, fc.Arbitrary<Value>>()

  constructor(schema: MessageSchema, version: number, options: ArbitraryOptions = {}) {
    this.schema = schema
    this.version = version
    this.flexible = within(schema.flexibleVersions, version)
    this.maxArrayLength = options.maxArrayLength ?? 2
    this.unknownTags = options.unknownTags ?? true
  }

  /** Any value of the message itself. */
  message(): fc.Arbitrary<Value> {
    return this.struct(this.schema.name)
  }

  private fields(name: string): readonly FieldSchema[] {
    const fields = this.schema.structs[name]
    if (!fields) throw new Error(`${this.schema.name} has no struct ${name}`)
    return fields
  }

  /** The value a decoder fills in for a field the version lacks. */
  defaultOf(field: FieldSchema): Value {
    if (field.default !== undefined) return field.default
    if (field.type.startsWith('[]')) return []
    if (field.type === 'bytes') return Buffer.alloc(0)
    return this.defaultStruct(field.type)
  }

  defaultStruct(name: string): Value {
    return Object.fromEntries(this.fields(name).map((f) => [f.name, this.defaultOf(f)]))
  }

  private struct(name: string): fc.Arbitrary<Value> {
    const cached = this.cache.get(name)
    if (cached) return cached
    const fields = this.fields(name)
    const model: Record<string, fc.Arbitrary<Value>> = {}
    for (const field of fields) model[field.name] = this.field(field)
    let arbitrary: fc.Arbitrary<Value>
    if (this.flexible && this.unknownTags) {
      const known = fields.flatMap((f) => (f.tag === undefined ? [] : [f.tag]))
      model.unknownTaggedFields = unknownTaggedFields(Math.max(-1, ...known) + 1)
      arbitrary = fc.record(model, { requiredKeys: fields.map((f) => f.name) })
    } else {
      arbitrary = fc.record(model)
    }
    this.cache.set(name, arbitrary)
    return arbitrary
  }

  private field(field: FieldSchema): fc.Arbitrary<Value> {
    const v = this.version
    if (!within(field.versions, v)) return fc.constant(this.defaultOf(field))
    const array = field.type.startsWith('[]')
    const type = array ? field.type.slice(2) : field.type
    const element = primitive(type) ?? this.struct(type)
    const value = array ? fc.array(element, { maxLength: this.maxArrayLength }) : element
    return within(field.nullableVersions, v) ? fc.option(value, { nil: null }) : value
  }
}

/** Sorted, distinct tags above the known ones, as a decoder keeps them. (A known tag in a
 * version that lacks its field is an error, as in Kafka's Java decoder.) */
function unknownTaggedFields(firstTag: number): fc.Arbitrary<TaggedField[]> {
  const entry = fc.record({
    tag: fc.integer({ min: firstTag, max: firstTag + 300 }),
    data: bytes,
  })
  return fc
    .uniqueArray(entry, { minLength: 1, maxLength: 2, selector: (e) => e.tag })
    .map((entries) => entries.sort((a, b) => a.tag - b.tag))
}
