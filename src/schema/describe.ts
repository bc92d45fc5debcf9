// Small helpers for violation messages: JSON pointer segments and short descriptions of values.

/** Escapes one JSON pointer segment (RFC 6901): `~` → `~0`, `/` → `~1`. */
export function pointerSegment(key: string | number): string {
  const text = String(key)
  return text.includes('~') || text.includes('/')
    ? text.replaceAll('~', '~0').replaceAll('/', '~1')
    : text
}

const maxShown = 40

/** `string "abc"`, `number 5`, `boolean true`, `null`, `an object`, `an array`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'an array'
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `${value.length} bytes`
  switch (typeof value) {
    case 'string':
      return `string ${quote(value)}`
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`
    case 'bigint':
      return `number ${value}`
    case 'object':
      return 'an object'
    default:
      return typeof value
  }
}

/** A JSON string literal, shortened so one long value cannot flood an error response. */
export function quote(text: string): string {
  const shown = text.length > maxShown ? `${text.slice(0, maxShown)}…` : text
  return JSON.stringify(shown)
}

/** A plain JSON object (not null, not an array, not bytes). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    !(value instanceof Date)
  )
}

/** The candidate closest to `name` within two edits, to suggest for a typo. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const candidate of candidates) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost
      )
    }
    previous = current
  }
  return previous[b.length] ?? 3
}
