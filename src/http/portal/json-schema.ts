// The JSON Schema shapes the portal writes into its documents (OpenAPI 3.1 and AsyncAPI 3 both
// take JSON Schema objects), and the two helpers every generator needs.

/** A JSON Schema object. Kept loose: generators build them, tools read them. */
export type JsonSchema = Record<string, unknown>

/** `#/components/schemas/<name>` plus a JSON pointer path into it. */
export function componentRef(name: string, path = ''): string {
  return `#/components/schemas/${pointerSegment(name)}${path}`
}

/** Escapes one JSON pointer segment (RFC 6901): `~` → `~0`, `/` → `~1`. */
export function pointerSegment(key: string | number): string {
  return String(key).replaceAll('~', '~0').replaceAll('/', '~1')
}

/**
 * Component names must match `^[a-zA-Z0-9.\-_]+$` (OpenAPI 3.1 §4.8.7.1, and AsyncAPI 3 the same):
 * registry subjects such as `orders-value` pass unchanged, anything else is replaced by `_`.
 */
export function componentName(text: string): string {
  const name = text.replace(/[^a-zA-Z0-9._-]/g, '_')
  return name === '' ? '_' : name
}

/** A name from a path: `/streams/{topic}` → `streams.topic`. */
export function pathSlug(path: string): string {
  return componentName(path.replace(/^\/+/, '').replace(/[{}]/g, '').replaceAll('/', '.') || 'root')
}

/** Adds `name` to `taken`, with `-2`, `-3`… when it is taken already; returns what was added. */
export function uniqueName(taken: Set<string>, name: string): string {
  let candidate = name
  for (let n = 2; taken.has(candidate); n++) candidate = `${name}-${n}`
  taken.add(candidate)
  return candidate
}
