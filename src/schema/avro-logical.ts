// Friendly JSON for Avro logical types. Writing accepts the underlying value (epoch numbers, days,
// bytes) and also: ISO-8601 text or a Date for timestamps, dates and times; a UUID string for
// uuid; a number or decimal string for decimal. Reading gives the underlying value back (epoch
// numbers, days), except decimals, which read as exact strings such as "12.34".
import { readDecimal, toUnscaled, unscaledBytes } from './avro-decimal.ts'
import { daysOf, parseDate, parseDateTime, parseTime, unitsOf, type TimeUnit } from './avro-time.ts'
import type { AnnotatedType } from './avro-types.ts'
import { describeValue } from './describe.ts'

/** Why a value could not be converted: the message of the violation. */
export class Rejection {
  readonly message: string
  constructor(message: string) {
    this.message = message
  }
}

export interface LogicalConversion {
  /** The JSON kinds that are this type's own, for picking a union branch before coercing. */
  native(value: unknown): boolean
  /** Friendly → underlying; values it does not know pass through for the underlying writer. */
  write(value: unknown): unknown
  read(value: unknown): unknown
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const identity = (value: unknown): unknown => value
const numeric = (value: unknown): boolean =>
  typeof value === 'number' || typeof value === 'bigint' || value instanceof Date

function fromBig(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(n)
    : n
}

function timestamp(name: string, unit: TimeUnit, zone: boolean): LogicalConversion {
  const form = zone ? 'an ISO-8601 date-time with a time zone' : 'an ISO-8601 local date-time'
  const expected = `expected epoch ${unit} or ${form} (${name})`
  return {
    native: numeric,
    write(value) {
      if (value instanceof Date) return fromBig(unitsOf(value, unit))
      if (typeof value !== 'string') return value
      const parsed = parseDateTime(value, unit, zone)
      return parsed === undefined
        ? new Rejection(`${expected}, got ${describeValue(value)}`)
        : fromBig(parsed)
    },
    read: identity,
  }
}

function timeOfDay(name: string, unit: TimeUnit): LogicalConversion {
  const expected = `expected ${unit} since midnight or a time of day HH:MM:SS (${name})`
  return {
    native: numeric,
    write(value) {
      if (typeof value !== 'string') return value
      const parsed = parseTime(value, unit)
      if (parsed === undefined) return new Rejection(`${expected}, got ${describeValue(value)}`)
      return unit === 'millis' ? Number(parsed) : fromBig(parsed)
    },
    read: identity,
  }
}

const date: LogicalConversion = {
  native: numeric,
  write(value) {
    if (value instanceof Date) return daysOf(value)
    if (typeof value !== 'string') return value
    const parsed = parseDate(value)
    return parsed === undefined
      ? new Rejection(
          `expected days since the epoch or a date YYYY-MM-DD, got ${describeValue(value)}`
        )
      : parsed
  },
  read: identity,
}

const uuidConversion: LogicalConversion = {
  native: (value) => typeof value === 'string',
  write(value) {
    if (typeof value !== 'string' || uuid.test(value)) return value
    return new Rejection(`expected a UUID, got ${describeValue(value)}`)
  },
  read: identity,
}

function decimal(type: AnnotatedType): LogicalConversion {
  const { precision, scale } = type
  const size = type.underlyingType.typeName === 'fixed' ? fixedSize(type) : undefined
  const name = `decimal(${precision},${scale})`
  return {
    native: (value) => typeof value === 'number' || value instanceof Uint8Array,
    write(value) {
      if (typeof value !== 'number' && typeof value !== 'string') return value
      const unscaled = toUnscaled(value, precision, scale)
      if (typeof unscaled === 'string') {
        return new Rejection(`expected a ${name}: ${unscaled}, got ${describeValue(value)}`)
      }
      const bytes = unscaledBytes(unscaled, size)
      return bytes ?? new Rejection(`expected a ${name} that fits ${size} bytes, got ${value}`)
    },
    read: (value) => readDecimal(value as Buffer, scale),
  }
}

function fixedSize(type: AnnotatedType): number {
  return (type.underlyingType as unknown as { size: number }).size
}

/** The conversion for an annotated logical type. */
export function logicalConversion(type: AnnotatedType): LogicalConversion {
  const name = type.logicalType
  switch (name) {
    case 'decimal':
      return decimal(type)
    case 'uuid':
      return uuidConversion
    case 'date':
      return date
    case 'time-millis':
      return timeOfDay(name, 'millis')
    case 'time-micros':
      return timeOfDay(name, 'micros')
    default: {
      const unit = name.slice(name.lastIndexOf('-') + 1) as TimeUnit
      return timestamp(name, unit, !name.startsWith('local-'))
    }
  }
}
