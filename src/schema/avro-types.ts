// Parses Avro schemas into avsc types the way Weir needs them: unions always wrapped (Weir picks
// branches itself, see avro-write.ts), longs that never lose precision on read, and the logical
// types Weir converts kept visible in the type tree (avsc would otherwise drop the annotation).
import avro from 'avsc'
import type { ReferencedSchema } from './types.ts'

export type AvroType = avro.Type
type ForSchemaOptions = NonNullable<Parameters<typeof avro.Type.forSchema>[1]>

const int64Min = -(2n ** 63n)
const int64Max = 2n ** 63n - 1n
const safeMin = BigInt(Number.MIN_SAFE_INTEGER)
const safeMax = BigInt(Number.MAX_SAFE_INTEGER)

/** A long is a number when it fits a double exactly, a bigint when it does not. */
export type LongValue = number | bigint

function narrow(n: bigint): LongValue {
  return n >= safeMin && n <= safeMax ? Number(n) : n
}

export function isLong(value: unknown): value is LongValue {
  return typeof value === 'number'
    ? Number.isSafeInteger(value)
    : typeof value === 'bigint' && value >= int64Min && value <= int64Max
}

// avsc asks for a long's 8 bytes only to pack them into the record at once (and restores them if
// it flips them): one buffer serves every write, and a number needs no BigInt on its way there.
const longBytes = Buffer.alloc(8)
const twoTo32 = 2 ** 32

const longType = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer): LongValue => narrow(buf.readBigInt64LE(0)),
  toBuffer: (value: LongValue): Buffer => {
    if (typeof value === 'bigint') {
      longBytes.writeBigInt64LE(value)
      return longBytes
    }
    // Two's complement in two halves: a safe integer's high half fits an int32.
    const high = Math.floor(value / twoTo32)
    longBytes.writeUInt32LE(value - high * twoTo32, 0)
    longBytes.writeInt32LE(high, 4)
    return longBytes
  },
  fromJSON: (value: unknown): LongValue =>
    typeof value === 'number' ? value : narrow(BigInt(value as string)),
  toJSON: (value: LongValue): number | string =>
    typeof value === 'number' ? value : value.toString(),
  isValid: isLong,
  compare: (a: LongValue, b: LongValue): number => (a < b ? -1 : a > b ? 1 : 0),
})

/** Underlying types each logical type Weir understands may annotate. */
const logicalUnderlying: Readonly<Record<string, readonly string[]>> = {
  decimal: ['bytes', 'fixed'],
  uuid: ['string'],
  date: ['int'],
  'time-millis': ['int'],
  'time-micros': ['abstract:long'],
  'timestamp-millis': ['abstract:long'],
  'timestamp-micros': ['abstract:long'],
  'timestamp-nanos': ['abstract:long'],
  'local-timestamp-millis': ['abstract:long'],
  'local-timestamp-micros': ['abstract:long'],
  'local-timestamp-nanos': ['abstract:long'],
}

function underlyingFor(logicalType: string): readonly string[] {
  return Object.hasOwn(logicalUnderlying, logicalType) ? (logicalUnderlying[logicalType] ?? []) : []
}

/**
 * Marks a logical type in the tree and passes values through unchanged: avro-write.ts and
 * avro-read.ts do the conversions, so they can report violations with paths.
 */
export class AnnotatedType extends avro.types.LogicalType {
  readonly logicalType: string
  /** Decimal precision and scale (0 for other logical types). */
  readonly precision: number
  readonly scale: number

  constructor(
    schema: { logicalType: string; precision?: unknown; scale?: unknown },
    opts?: object
  ) {
    buildingUnderlying = schema
    try {
      super(schema as avro.schema.LogicalType, opts)
    } finally {
      buildingUnderlying = undefined
    }
    this.logicalType = schema.logicalType
    const allowed = underlyingFor(schema.logicalType)
    // Throwing makes avsc ignore the annotation and use the underlying type, as the spec asks
    // for logical types used wrongly.
    if (!allowed.includes(this.underlyingType.typeName)) throw new Error('not applicable')
    const { precision, scale = 0 } = schema
    if (schema.logicalType === 'decimal') {
      if (!Number.isInteger(precision) || (precision as number) < 1) throw new Error('precision')
      if (
        !Number.isInteger(scale) ||
        (scale as number) < 0 ||
        (scale as number) > (precision as number)
      ) {
        throw new Error('scale')
      }
    }
    this.precision = typeof precision === 'number' ? precision : 0
    this.scale = typeof scale === 'number' ? scale : 0
  }

  protected override _fromValue(value: unknown): unknown {
    return value
  }

  protected override _toValue(value: unknown): unknown {
    return value
  }

  protected override _resolve(type: AvroType): ((value: unknown) => unknown) | undefined {
    const same = type.typeName === this.typeName || type.typeName === this.underlyingType.typeName
    return same ? (value) => value : undefined
  }
}

/** The schema an AnnotatedType is building its underlying type from, for typeHook. */
let buildingUnderlying: object | undefined

/**
 * avsc builds `{"type": "long"}` (unlike `"long"`) without consulting the registry; this puts
 * Weir's long in its place, except where a logical type must see the schema first.
 */
function typeHook(schema: unknown): AvroType | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined
  const { type, logicalType } = schema as { type?: unknown; logicalType?: unknown }
  if (type !== 'long') return undefined
  const annotated =
    typeof logicalType === 'string' && underlyingFor(logicalType).includes('abstract:long')
  return annotated && schema !== buildingUnderlying ? undefined : longType
}

// avsc looks names up with obj[name]: without a prototype, "constructor" is no type.
const logicalTypes = Object.assign(
  Object.create(null) as object,
  Object.fromEntries(Object.keys(logicalUnderlying).map((name) => [name, AnnotatedType]))
)

/** Parses a schema (text or object), after the schemas it references, in one name space. */
export function parseAvro(
  schema: string | object,
  references: readonly ReferencedSchema[] = []
): AvroType {
  const registry = Object.assign(Object.create(null) as object, { long: longType })
  const options = { registry, logicalTypes, typeHook, wrapUnions: 'always' } as ForSchemaOptions
  for (const ref of references) avro.Type.forSchema(schemaJson(ref.schema), options)
  return avro.Type.forSchema(schemaJson(schema), options)
}

function schemaJson(schema: string | object): avro.schema.AvroSchema {
  if (typeof schema !== 'string') return schema as avro.schema.AvroSchema
  try {
    return JSON.parse(schema) as avro.schema.AvroSchema
  } catch (err) {
    // A bare type name (`string`, `com.acme.Order`) is a schema too.
    if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(schema.trim())) return schema.trim()
    throw new Error(`not JSON: ${(err as Error).message}`, { cause: err })
  }
}
