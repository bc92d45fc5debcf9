// The parts of avsc's type objects Weir walks (its typings leave most of them out), and how a
// type is named in messages.
import { AnnotatedType, type AvroType } from './avro-types.ts'

export interface AvroField {
  name: string
  type: AvroType
  defaultValue(): unknown
}

export type AvroNode = AvroType & {
  size?: number
  symbols?: string[]
  itemsType?: AvroType
  valuesType?: AvroType
  fields?: AvroField[]
  types?: AvroType[]
}

/** `int`, `long (timestamp-millis)`, `record com.acme.Order`, `null or string`. */
export function typeLabel(type: AvroNode): string {
  if (type instanceof AnnotatedType) {
    return `${typeLabel(type.underlyingType)} (${type.logicalType})`
  }
  switch (type.typeName) {
    case 'abstract:long':
      return 'long'
    case 'record':
    case 'error':
    case 'enum':
    case 'fixed':
      return `${type.typeName === 'error' ? 'record' : type.typeName} ${type.name}`
    case 'union:wrapped':
      return (type.types ?? []).map((t) => typeLabel(t)).join(' or ')
    default:
      return type.typeName
  }
}
