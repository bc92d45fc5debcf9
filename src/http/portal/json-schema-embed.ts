// JSON Schemas (from a registry, a file, or inline) moved into a document's components. A schema
// refers to its own parts relative to its own root (`#/definitions/Address`) and to the schemas
// it references by their names (`address.json`), which means nothing once it sits inside an
// OpenAPI document: every `$ref` is rewritten to the place its target now has, and `$id` and
// `$schema` are dropped so no tool resolves against another base.
import { componentRef, type JsonSchema } from './json-schema.ts'

export interface EmbeddedSource {
  /** The component it becomes. */
  component: string
  /** The name other schemas reference it by (Confluent references): `address.json`. */
  uri?: string
  schema: string | object
}

/** Keywords whose values are data, not schemas: a `$ref` in there is not a reference. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'example'])

/** Converts each source; the results go to `#/components/schemas/<component>`. */
export function embedJsonSchemas(sources: readonly EmbeddedSource[]): JsonSchema[] {
  const documents = sources.map((s) => parse(s.schema))
  const targets = sources.map((source, i) => ({
    component: source.component,
    names: [source.uri, idOf(documents[i])].filter((n): n is string => typeof n === 'string'),
  }))
  const locate = (uri: string): string | undefined => {
    const exact = targets.find((t) => t.names.some((n) => stripFragment(n) === uri))
    if (exact) return exact.component
    // `$ref`s are often relative to an `$id` (`https://acme.com/schemas/address.json`).
    const file = lastSegment(uri)
    return targets.find((t) => t.names.some((n) => lastSegment(stripFragment(n)) === file))
      ?.component
  }
  return documents.map((document, i) => {
    const own = targets[i]?.component as string
    const anchors = new Map<string, string>()
    collectAnchors(document, '', anchors)
    const rewrite = (ref: string): string | undefined => {
      const hash = ref.indexOf('#')
      const base = hash === -1 ? ref : ref.slice(0, hash)
      const fragment = hash === -1 ? '' : ref.slice(hash + 1)
      const ownId = idOf(document)
      const component =
        base === '' || (ownId !== undefined && stripFragment(ownId) === base) ? own : locate(base)
      if (component === undefined) return undefined
      if (fragment === '' || fragment.startsWith('/')) return componentRef(component, fragment)
      // A plain-name fragment (`#address`) names an `$anchor`.
      const at = component === own ? anchors.get(fragment) : undefined
      return at === undefined ? undefined : componentRef(component, at)
    }
    return rewriteRefs(document, rewrite) as JsonSchema
  })
}

function rewriteRefs(node: unknown, rewrite: (ref: string) => string | undefined): unknown {
  if (Array.isArray(node)) return node.map((item) => rewriteRefs(item, rewrite))
  if (typeof node !== 'object' || node === null) return node
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(node)) {
    if (key === '$id' || key === '$schema' || key === '$anchor') continue
    if (key === '$ref' && typeof value === 'string') {
      const target = rewrite(value)
      if (target !== undefined) out.$ref = target
      else out.description = `unresolved reference ${JSON.stringify(value)}: any value`
      continue
    }
    out[key] = DATA_KEYWORDS.has(key) ? value : rewriteRefs(value, rewrite)
  }
  return out
}

function collectAnchors(node: unknown, pointer: string, out: Map<string, string>): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => collectAnchors(item, `${pointer}/${i}`, out))
    return
  }
  if (typeof node !== 'object' || node === null) return
  const anchor = (node as { $anchor?: unknown }).$anchor
  if (typeof anchor === 'string') out.set(anchor, pointer)
  for (const [key, value] of Object.entries(node)) {
    if (DATA_KEYWORDS.has(key)) continue
    collectAnchors(value, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`, out)
  }
}

function parse(schema: string | object): unknown {
  return typeof schema === 'string' ? (JSON.parse(schema) as unknown) : schema
}

function idOf(document: unknown): string | undefined {
  const id = (document as { $id?: unknown } | null)?.$id
  return typeof id === 'string' ? id : undefined
}

function stripFragment(uri: string): string {
  const hash = uri.indexOf('#')
  return hash === -1 ? uri : uri.slice(0, hash)
}

function lastSegment(uri: string): string {
  return uri.slice(uri.lastIndexOf('/') + 1)
}
