// Name patterns (topics, groups, principals, headers): `*` matches any run of characters (also none),
// `?` exactly one, everything else itself. Compiled once at engine construction so the hot path
// is a string compare or one RegExp test, never a parse.

export type Matcher = (value: string) => boolean

const matchAll: Matcher = () => true

export function compileGlob(pattern: string): Matcher {
  if (pattern === '*') return matchAll
  if (!/[*?]/.test(pattern)) return (value) => value === pattern
  const star = pattern.indexOf('*')
  // `prefix*` is by far the most common shape (`orders-*`, `team-*`): no RegExp needed.
  if (star === pattern.length - 1 && !pattern.includes('?')) {
    const prefix = pattern.slice(0, -1)
    return (value) => value.startsWith(prefix)
  }
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('')
  // `s`: `.` also matches line breaks, so no character can escape a `*`.
  const regex = new RegExp(`^${source}$`, 's')
  return (value) => regex.test(value)
}

/** One matcher for a list of patterns: true when any of them matches. */
export function compileGlobs(patterns: readonly string[]): Matcher {
  if (patterns.includes('*')) return matchAll
  const exact = new Set(patterns.filter((p) => !/[*?]/.test(p)))
  const wild = patterns.filter((p) => /[*?]/.test(p)).map(compileGlob)
  // The common one-pattern lists get the single matcher itself, without a Set or loop around it.
  if (wild.length === 0 && exact.size === 1) return compileGlob([...exact][0] as string)
  if (wild.length === 0) return (value) => exact.has(value)
  if (exact.size === 0 && wild.length === 1) return wild[0] as Matcher
  return (value) => {
    if (exact.has(value)) return true
    for (const match of wild) if (match(value)) return true
    return false
  }
}
