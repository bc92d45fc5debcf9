// Name globs as the config writes them: `*` is any run of characters, `?` one character.
export function globToRegExp(glob: string, flags = ''): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${body}$`, flags)
}

/** One predicate for a list of globs: true when any matches. */
export function globMatcher(globs: readonly string[], flags = ''): (name: string) => boolean {
  if (globs.includes('*')) return () => true
  const patterns = globs.map((g) => globToRegExp(g, flags))
  return (name) => patterns.some((p) => p.test(name))
}
