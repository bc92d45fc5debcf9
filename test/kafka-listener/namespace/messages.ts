// Real decoded messages for the namespace tests: a partial body is completed from the message
// schema (every missing field at its default, nested structs too), then encoded and decoded, so
// tests see exactly the shapes the listener's filters will, and can prove a rewritten body still
// encodes.
import { createNameMapper } from '../../../src/namespace/index.ts'
import {
  apiByKey,
  messageSchemas,
  Reader,
  Writer,
  ZERO_UUID,
  type ApiDefinition,
  type FieldSchema,
  type MessageSchema,
} from '../../../src/protocol/index.ts'

export type Direction = 'request' | 'response'
type Struct = Record<string, unknown>

function api(apiKey: number): ApiDefinition {
  const found = apiByKey.get(apiKey)
  if (!found) throw new Error(`no API ${apiKey}`)
  return found
}

export function schemaOf(direction: Direction, apiKey: number): MessageSchema {
  const name = `${api(apiKey).name}${direction === 'request' ? 'Request' : 'Response'}`
  const schema = messageSchemas[name]
  if (!schema) throw new Error(`no schema ${name}`)
  return schema
}

const within = (range: readonly [number, number] | undefined, v: number): boolean =>
  range !== undefined && v >= range[0] && v <= range[1]

function primitiveDefault(field: FieldSchema): unknown {
  if (field.default !== undefined) return field.default
  switch (field.type) {
    case 'string':
      return ''
    case 'bool':
      return false
    case 'int64':
      return 0n
    case 'uuid':
      return ZERO_UUID
    case 'bytes':
    case 'records':
      return field.nullableVersions ? null : Buffer.alloc(0)
    default:
      return 0
  }
}

function complete(schema: MessageSchema, struct: string, v: number, partial: Struct): Struct {
  const out: Struct = {}
  for (const field of schema.structs[struct] ?? []) {
    const given = partial[field.name]
    const isArray = field.type.startsWith('[]')
    const element = isArray ? field.type.slice(2) : field.type
    const nested = element in schema.structs
    if (given === undefined) {
      if (isArray) out[field.name] = []
      else if (nested) {
        out[field.name] = within(field.nullableVersions, v)
          ? null
          : complete(schema, element, v, {})
      } else out[field.name] = primitiveDefault(field)
    } else if (nested && given !== null) {
      out[field.name] = isArray
        ? (given as Struct[]).map((e) => complete(schema, element, v, e))
        : complete(schema, element, v, given as Struct)
    } else {
      out[field.name] = given
    }
  }
  return out
}

export function encode(direction: Direction, apiKey: number, v: number, body: unknown): Buffer {
  const w = new Writer()
  if (direction === 'request') api(apiKey).writeRequest(w, v, body)
  else api(apiKey).writeResponse(w, v, body)
  return w.finish()
}

export function decode(direction: Direction, apiKey: number, v: number, bytes: Buffer): unknown {
  const r = new Reader(bytes)
  return direction === 'request' ? api(apiKey).readRequest(r, v) : api(apiKey).readResponse(r, v)
}

/** A decoded message of `apiKey` at version `v` with the given fields, the rest at defaults. */
export function message<T>(direction: Direction, apiKey: number, v: number, partial: object): T {
  const schema = schemaOf(direction, apiKey)
  const body = complete(schema, schema.name, v, partial as Struct)
  return decode(direction, apiKey, v, encode(direction, apiKey, v, body)) as T
}

export const request = <T>(apiKey: number, v: number, partial: object): T =>
  message<T>('request', apiKey, v, partial)

export const response = <T>(apiKey: number, v: number, partial: object): T =>
  message<T>('response', apiKey, v, partial)

/** The tenant most tests use: prefix hidden, a shared topic family and a shared group family. */
export const acme = createNameMapper({
  prefix: 'acme.',
  hidePrefix: true,
  expose: { topics: ['ref.*'], groups: ['shared-*'] },
})

/** The same tenant with the prefix in plain sight. */
export const acmeVisible = createNameMapper({
  prefix: 'acme.',
  hidePrefix: false,
  expose: { topics: ['ref.*'], groups: [] },
})
