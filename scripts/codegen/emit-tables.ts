// Emits the modules that span all messages: the API table, the schema description (field names,
// types and versions, for tests and for code that walks messages generically) and the index.
import { defaultExpr } from './emit-fields.ts'
import { HEADER, moduleName } from './emit-message.ts'
import type { Field, Message, Range } from './model.ts'

export interface Api {
  key: number
  /** `Produce`, from `ProduceRequest`. */
  name: string
  request: Message
  response: Message
}

function camelApi(name: string): string {
  return name[0]!.toLowerCase() + name.slice(1)
}

export function emitApis(apis: Api[], retired: Map<number, string>, kafka: string): string {
  const imports = apis.flatMap((api) =>
    [api.request, api.response].map((m) => {
      const names = [`default${m.name}`, `read${m.name}`, `write${m.name}`, `type ${m.name}`]
      return `import { ${names.join(', ')} } from './messages/${moduleName(m.name)}.ts'`
    })
  )
  const definitions = apis.map((api) => {
    const { request: q, response: s } = api
    return (
      `/** ${api.name}, API key ${api.key}. */\n` +
      `export const ${camelApi(api.name)}Api: ApiDefinition<${q.name}, ${s.name}> = {\n` +
      `key: ${api.key},\nname: '${api.name}',\n` +
      `minVersion: ${q.valid.lo},\nmaxVersion: ${q.valid.hi},\n` +
      `firstFlexibleVersion: ${q.flexible ? q.flexible.lo : 'null'},\n` +
      `latestVersionUnstable: ${q.latestVersionUnstable || s.latestVersionUnstable},\n` +
      `readRequest: read${q.name},\nwriteRequest: write${q.name},\n` +
      `defaultRequest: default${q.name},\nreadResponse: read${s.name},\n` +
      `writeResponse: write${s.name},\ndefaultResponse: default${s.name},\n}`
    )
  })
  const table = apis.map((api) => `${camelApi(api.name)}: ${camelApi(api.name)}Api,`)
  const retiredEntries = [...retired].map(([key, name]) => `[${key}, '${name}'],`)
  return `${HEADER}
// Every API of Kafka ${kafka} with at least one version, by name and by key.
import type { ApiDefinition } from '../api.ts'
${imports.join('\n')}

${definitions.join('\n\n')}

export const apis = {
${table.join('\n')}
} as const

export type ApiName = keyof typeof apis

/** The API definition for each key. */
export const apiByKey: ReadonlyMap<number, ApiDefinition> = new Map(
  Object.values(apis).map((api: ApiDefinition) => [api.key, api])
)

/** API keys Kafka ${kafka} still names but no longer serves (their specs have no versions). */
export const retiredApiKeys: ReadonlyMap<number, string> = new Map([
${retiredEntries.join('\n')}
])
`
}

function pair(r: Range): string {
  return `[${r.lo}, ${r.hi}]`
}

function fieldSchema(field: Field): string {
  const t = field.type
  const type = t.kind === 'array' ? `[]${t.element.name}` : t.kind === 'struct' ? t.name : t.name
  const parts = [`name: '${field.prop}'`, `type: '${type}'`, `versions: ${pair(field.versions)}`]
  if (field.nullable) parts.push(`nullableVersions: ${pair(field.nullable)}`)
  if (field.tag !== null) parts.push(`tag: ${field.tag}`)
  if (field.flexible !== undefined) {
    parts.push(`flexibleVersions: ${field.flexible ? pair(field.flexible) : 'null'}`)
  }
  if (field.ignorable) parts.push('ignorable: true')
  if (field.entityType) parts.push(`entityType: '${field.entityType}'`)
  const simple = t.kind === 'primitive' && t.name !== 'bytes'
  if (simple || field.default === 'null') {
    const value = defaultExpr(field)
    parts.push(`default: ${value === 'ZERO_UUID' ? "'AAAAAAAAAAAAAAAAAAAAAA'" : value}`)
  }
  return `{ ${parts.join(', ')} }`
}

export function emitSchema(messages: Message[], kafka: string): string {
  const entries = messages.map((m) => {
    const structs = m.structs.map(
      (s) => `${s.name}: [\n${s.fields.map(fieldSchema).join(',\n')}\n],`
    )
    return (
      `${m.name}: {\nname: '${m.name}',\n` +
      (m.apiKey === undefined ? '' : `apiKey: ${m.apiKey},\n`) +
      `kind: '${m.kind}',\nvalidVersions: ${pair(m.valid)},\n` +
      `flexibleVersions: ${m.flexible ? pair(m.flexible) : 'null'},\n` +
      `structs: {\n${structs.join('\n')}\n},\n},`
    )
  })
  return `${HEADER}
// The shape of every message of Kafka ${kafka}, as data: for each struct (the message itself
// first), its fields in wire order with their types and versions. Version ranges are inclusive;
// ${0x7fff} stands for "and every later version".

export interface FieldSchema {
  /** The property name in the generated TypeScript type. */
  readonly name: string
  /** A primitive (\`int32\`, \`string\`, ...), a struct name, or either after \`[]\` for an array. */
  readonly type: string
  readonly versions: readonly [number, number]
  readonly nullableVersions?: readonly [number, number]
  readonly tag?: number
  /** Overrides the message's flexible versions for this field (null: never flexible). */
  readonly flexibleVersions?: readonly [number, number] | null
  readonly ignorable?: boolean
  readonly entityType?: string
  /** The value of a primitive (or null-defaulted) field in versions that lack it. */
  readonly default?: string | number | bigint | boolean | null
}

export interface MessageSchema {
  readonly name: string
  readonly apiKey?: number
  readonly kind: 'request' | 'response' | 'header'
  readonly validVersions: readonly [number, number]
  readonly flexibleVersions: readonly [number, number] | null
  /** The message's own struct first, then every nested one. */
  readonly structs: Readonly<Record<string, readonly FieldSchema[]>>
}

export const messageSchemas: Readonly<Record<string, MessageSchema>> = {
${entries.join('\n')}
}
`
}

export function emitIndex(messages: Message[]): string {
  const types = messages.map(
    (m) => `export type { ${m.name} } from './messages/${moduleName(m.name)}.ts'`
  )
  return `${HEADER}
export { apiByKey, apis, retiredApiKeys, type ApiName } from './apis.ts'
export { messageSchemas, type FieldSchema, type MessageSchema } from './schema.ts'
${types.join('\n')}
`
}
