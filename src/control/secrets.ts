// Secrets in a configuration are write-only: the admin API shows every secret as a marker, never
// its value, and a document sent back with the marker in place keeps the secret it had. Which
// fields are secret is decided by name (isSecretField), so a new secret field is hidden by naming
// it like one.
import { isSecretField } from '../config/secret-fields.ts'

export const REDACTED = '<redacted>'

/** A copy of `value` with every secret replaced by the marker. */
export function redactSecrets<T>(value: T): T {
  return walk(value, (key, v) => (isSecretField(key) && typeof v === 'string' ? REDACTED : v))
}

/**
 * A copy of `candidate` where each marker takes the secret found at the same place in `current`.
 * List items are matched by their `name` (or `principal`, `username`, `path`, `kind`), not their
 * position, so a list can be edited without retyping the secrets of the other items. A marker
 * with nothing to take its value from is an error: the caller must send the secret itself.
 */
export function restoreSecrets(candidate: unknown, current: unknown, path = ''): unknown {
  if (candidate === REDACTED) {
    if (typeof current !== 'string' || current === REDACTED) {
      throw new Error(
        `${path || '(document)'}: "${REDACTED}" stands for a secret that is not set; send the secret itself`
      )
    }
    return current
  }
  if (Array.isArray(candidate)) {
    const olds = Array.isArray(current) ? current : []
    // Several items may share an identity (two keys of one principal while a key is rotated):
    // the n-th of them takes its secrets from the n-th of the same identity.
    const seen = new Map<string, number>()
    return candidate.map((item, i) => {
      const id = identity(item)
      if (id === undefined) return restoreSecrets(item, olds[i], `${path}[${i}]`)
      const nth = seen.get(id) ?? 0
      seen.set(id, nth + 1)
      const match = olds.filter((old) => identity(old) === id)[nth]
      return restoreSecrets(item, match, `${path}[${i}]`)
    })
  }
  if (candidate !== null && typeof candidate === 'object') {
    const olds = (current !== null && typeof current === 'object' ? current : {}) as Record<
      string,
      unknown
    >
    return Object.fromEntries(
      Object.entries(candidate as Record<string, unknown>).map(([k, v]) => [
        k,
        restoreSecrets(v, olds[k], path ? `${path}.${k}` : k),
      ])
    )
  }
  return candidate
}

function identity(item: unknown): string | undefined {
  if (item === null || typeof item !== 'object') return undefined
  const record = item as Record<string, unknown>
  // A SCRAM user has one entry per mechanism; authentication methods are told apart by kind.
  const mechanism = typeof record.mechanism === 'string' ? `/${record.mechanism}` : ''
  for (const key of ['name', 'principal', 'username', 'path', 'kind']) {
    if (typeof record[key] === 'string') return `${key}:${record[key]}${mechanism}`
  }
  return undefined
}

function walk<T>(value: T, map: (key: string, value: unknown) => unknown): T {
  if (Array.isArray(value)) return value.map((v) => walk(v, map)) as T
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, walk(map(k, v), map)])
    ) as T
  }
  return value
}
