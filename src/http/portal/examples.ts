// Example values for the documents: a request body a person can send as it is (Swagger UI fills
// its try-it-out editor with it), made from the schema. Deterministic and deliberately plain:
// the first branch of a choice, the lowest allowed number, every property near the top (so a
// reader sees the whole shape) and only the required ones deeper down; recursion stops at the
// first branch that ends it (null, an empty array).
import type { JsonSchema } from './json-schema.ts'

/** Looks a `$ref` up in the document being built. */
export type RefResolver = (ref: string) => JsonSchema | undefined

const MAX_DEPTH = 12
/** Below this depth, optional properties are shown too. */
const SHOW_ALL_DEPTH = 4

const FORMAT_SAMPLES: Record<string, string> = {
  'date-time': '2026-01-01T12:00:00Z',
  date: '2026-01-01',
  time: '12:00:00Z',
  uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  email: 'user@example.com',
  uri: 'https://example.com/',
  'uri-reference': '/example',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
}

/** Strings tried, in order, against a pattern. */
const PATTERN_SAMPLES = ['string', '12:00:00', '2026-01-01T12:00:00', '2026-01-01', '0', '1.5']

export function exampleOf(schema: unknown, resolve: RefResolver, depth = 0): unknown {
  if (typeof schema !== 'object' || schema === null) return null
  const s = schema as JsonSchema
  if ('example' in s) return s.example
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0]
  if ('const' in s) return s.const
  if ('default' in s) return s.default
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0]
  if (depth > MAX_DEPTH) return null
  if (typeof s.$ref === 'string') return exampleOf(resolve(s.$ref), resolve, depth + 1)
  const choice = (s.anyOf ?? s.oneOf) as unknown[] | undefined
  if (Array.isArray(choice) && choice.length > 0) {
    // Deep down, a branch that ends recursion beats the first one.
    const ending = depth > SHOW_ALL_DEPTH ? choice.find(isNullSchema) : undefined
    return exampleOf(ending ?? choice[0], resolve, depth + 1)
  }
  if (Array.isArray(s.allOf)) {
    const parts = s.allOf.map((part) => exampleOf(part, resolve, depth + 1))
    return parts.every(isObject) ? Object.assign({}, ...parts) : parts[0]
  }
  switch (typeOf(s)) {
    case 'null':
      return null
    case 'boolean':
      return true
    case 'integer':
    case 'number':
      return numberExample(s)
    case 'string':
      return stringExample(s)
    case 'array':
      return arrayExample(s, resolve, depth)
    case 'object':
      return objectExample(s, resolve, depth)
    default:
      return {}
  }
}

function typeOf(s: JsonSchema): string | undefined {
  const type = s.type
  if (typeof type === 'string') return type
  if (Array.isArray(type)) return (type.find((t) => t !== 'null') ?? type[0]) as string | undefined
  if (s.properties !== undefined || s.additionalProperties !== undefined) return 'object'
  if (s.items !== undefined || s.prefixItems !== undefined) return 'array'
  return undefined
}

function isNullSchema(schema: unknown): boolean {
  return isObject(schema) && schema.type === 'null'
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function numberExample(s: JsonSchema): number {
  let n = 0
  if (typeof s.minimum === 'number') n = Math.max(n, s.minimum)
  if (typeof s.exclusiveMinimum === 'number') n = Math.max(n, s.exclusiveMinimum + 1)
  if (typeof s.maximum === 'number') n = Math.min(n, s.maximum)
  if (typeof s.exclusiveMaximum === 'number') n = Math.min(n, s.exclusiveMaximum - 1)
  return s.type === 'integer' ? Math.ceil(n) : n
}

function stringExample(s: JsonSchema): string {
  const min = typeof s.minLength === 'number' ? s.minLength : 0
  const max = typeof s.maxLength === 'number' ? s.maxLength : Infinity
  const format = typeof s.format === 'string' ? FORMAT_SAMPLES[s.format] : undefined
  const candidates = [
    ...(format === undefined ? [] : [format]),
    ...PATTERN_SAMPLES,
    'A'.repeat(Math.max(min, 1)),
  ]
  const pattern = typeof s.pattern === 'string' ? safeRegExp(s.pattern) : undefined
  const fits = (text: string) =>
    text.length >= min && text.length <= max && (pattern === undefined || pattern.test(text))
  return candidates.find(fits) ?? (format ?? 'string').slice(0, max === Infinity ? undefined : max)
}

function safeRegExp(source: string): RegExp | undefined {
  try {
    return new RegExp(source, 'u')
  } catch {
    return undefined
  }
}

function arrayExample(s: JsonSchema, resolve: RefResolver, depth: number): unknown[] {
  if (Array.isArray(s.prefixItems))
    return s.prefixItems.map((item) => exampleOf(item, resolve, depth + 1))
  const min = typeof s.minItems === 'number' ? s.minItems : 0
  if (depth > SHOW_ALL_DEPTH && min === 0) return []
  if (s.maxItems === 0) return []
  const item = exampleOf(s.items, resolve, depth + 1)
  return Array.from({ length: Math.max(min, 1) }, () => item)
}

function objectExample(
  s: JsonSchema,
  resolve: RefResolver,
  depth: number
): Record<string, unknown> {
  const properties = isObject(s.properties) ? s.properties : {}
  const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : [])
  const out: Record<string, unknown> = {}
  for (const [name, property] of Object.entries(properties)) {
    if (depth >= SHOW_ALL_DEPTH && !required.has(name)) continue
    out[name] = exampleOf(property, resolve, depth + 1)
  }
  // Required names without a property schema still need a value.
  for (const name of required) if (!(name in out)) out[name] = 'string'
  return out
}

/** Resolves `#/components/schemas/...` pointers in a components map. */
export function componentResolver(schemas: Record<string, JsonSchema>): RefResolver {
  const prefix = '#/components/schemas/'
  return (ref) => {
    if (!ref.startsWith(prefix)) return undefined
    let node: unknown = schemas
    for (const raw of ref.slice(prefix.length).split('/')) {
      const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~')
      if (!isObject(node) && !Array.isArray(node)) return undefined
      node = (node as Record<string, unknown>)[key]
    }
    return isObject(node) ? node : undefined
  }
}
