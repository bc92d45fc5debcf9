// The generator's view of one message: version ranges resolved, structs collected (inline and
// common ones), fields that no valid version carries dropped, and the spec's assumptions the
// generated code relies on checked, so a new Kafka release that breaks one fails loudly here.
import type { RawField, RawSpec } from './specs.ts'

/** Versions `lo..hi` inclusive; an open end is MAX_VERSION. */
export interface Range {
  lo: number
  hi: number
}

export const MAX_VERSION = 0x7fff

export type Primitive =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'uuid'
  | 'bytes'
  | 'records'

const PRIMITIVES = new Set<string>([
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'string',
  'uuid',
  'bytes',
  'records',
])

export type FieldType =
  | { kind: 'primitive'; name: Primitive }
  | { kind: 'struct'; name: string }
  | {
      kind: 'array'
      element: { kind: 'primitive'; name: Primitive } | { kind: 'struct'; name: string }
    }

export interface Field {
  /** The spec's name (`TopicData`) and the TypeScript property (`topicData`). */
  name: string
  prop: string
  type: FieldType
  versions: Range
  nullable: Range | null
  tag: number | null
  ignorable: boolean
  /** The value a reader fills in when the version lacks the field, as the spec spells it. */
  default: string | number | boolean | undefined
  /** Whether the TypeScript type includes null. */
  nullableType: boolean
  /** A field-level override of the message's flexible versions (only RequestHeader.ClientId). */
  flexible: Range | null | undefined
  about: string | undefined
  entityType: string | undefined
}

export interface Struct {
  name: string
  fields: Field[]
}

export interface Message {
  name: string
  apiKey: number | undefined
  kind: 'request' | 'response' | 'header'
  valid: Range
  flexible: Range | null
  latestVersionUnstable: boolean
  /** The root struct first, then every nested struct in the order first met. */
  structs: Struct[]
}

export function parseRange(text: string | undefined): Range | null {
  if (text === undefined || text === 'none') return null
  const m = /^(\d+)(?:(\+)|-(\d+))?$/.exec(text)
  if (!m) throw new Error(`bad version range '${text}'`)
  const lo = Number(m[1])
  const hi = m[2] ? MAX_VERSION : m[3] !== undefined ? Number(m[3]) : lo
  return { lo, hi }
}

export function intersect(a: Range | null, b: Range | null): Range | null {
  if (!a || !b) return null
  const lo = Math.max(a.lo, b.lo)
  const hi = Math.min(a.hi, b.hi)
  return lo <= hi ? { lo, hi } : null
}

export function camel(name: string): string {
  return name[0]!.toLowerCase() + name.slice(1)
}

/** Builds the model of a request, response or header spec; `valid` overrides its validVersions. */
export function buildMessage(spec: RawSpec, valid?: Range): Message | null {
  const validVersions = valid ?? parseRange(spec.validVersions)
  if (!validVersions) return null
  const flexible = intersect(parseRange(spec.flexibleVersions), validVersions)
  const common = new Map((spec.commonStructs ?? []).map((s) => [s.name, s.fields]))
  const structs = new Map<string, { raw: RawField[]; struct: Struct }>()
  const where = spec.name

  const define = (name: string, raw: RawField[]): void => {
    const known = structs.get(name)
    if (known) {
      if (JSON.stringify(known.raw) !== JSON.stringify(raw)) {
        throw new Error(`${where}: struct ${name} is defined twice, differently`)
      }
      return
    }
    const struct: Struct = { name, fields: [] }
    structs.set(name, { raw, struct })
    struct.fields = raw.flatMap((f) => {
      const field = buildField(f)
      return field ? [field] : []
    })
    const props = new Set(struct.fields.map((f) => f.prop))
    if (props.size !== struct.fields.length || props.has('unknownTaggedFields')) {
      throw new Error(`${where}: struct ${name} has clashing field names`)
    }
  }

  const buildField = (raw: RawField): Field | null => {
    const versions = intersect(parseRange(raw.versions), validVersions)
    const array = raw.type.startsWith('[]')
    const typeName = array ? raw.type.slice(2) : raw.type
    const element = PRIMITIVES.has(typeName)
      ? { kind: 'primitive' as const, name: typeName as Primitive }
      : { kind: 'struct' as const, name: typeName }
    if (element.kind === 'struct') {
      const fields = raw.fields ?? common.get(typeName)
      if (!fields) throw new Error(`${where}: no definition of struct ${typeName}`)
      if (versions) define(typeName, fields)
    }
    if (!versions) return null
    const type: FieldType = array ? { kind: 'array', element } : element
    const nullable = intersect(parseRange(raw.nullableVersions), versions)
    const tagged = intersect(parseRange(raw.taggedVersions), versions)
    if ((raw.tag === undefined) !== (raw.taggedVersions === undefined)) {
      throw new Error(`${where}.${raw.name}: tag and taggedVersions must come together`)
    }
    if (raw.tag !== undefined) {
      // The generated code reads a tagged field only as tagged, in flexible versions.
      if (!tagged || tagged.lo !== versions.lo || tagged.hi !== versions.hi) {
        throw new Error(`${where}.${raw.name}: taggedVersions differ from versions`)
      }
      if (!flexible || tagged.lo < flexible.lo) {
        throw new Error(`${where}.${raw.name}: tagged outside flexible versions`)
      }
    }
    const nullTypes = new Set(['string', 'bytes', 'records'])
    if (nullable && !array && element.kind === 'primitive' && !nullTypes.has(element.name)) {
      throw new Error(`${where}.${raw.name}: ${raw.type} cannot be nullable`)
    }
    return {
      name: raw.name,
      prop: camel(raw.name),
      type,
      versions,
      nullable,
      tag: raw.tag ?? null,
      ignorable: raw.ignorable === true,
      default: raw.default,
      nullableType:
        nullable !== null ||
        raw.default === 'null' ||
        (type.kind === 'primitive' && type.name === 'records'),
      flexible: raw.flexibleVersions === undefined ? undefined : parseRange(raw.flexibleVersions),
      about: raw.about,
      entityType: raw.entityType,
    }
  }

  define(spec.name, spec.fields ?? [])
  const kind = spec.type
  if (kind !== 'request' && kind !== 'response' && kind !== 'header') {
    throw new Error(`${where}: not a request, response or header`)
  }
  return {
    name: spec.name,
    apiKey: spec.apiKey,
    kind,
    valid: validVersions,
    flexible,
    latestVersionUnstable: spec.latestVersionUnstable === true,
    structs: [...structs.values()].map((s) => s.struct),
  }
}
