// The record filter language (key globs, header globs and JSON predicates, all of which must
// pass), compiled once and run once per record: a stream's own `filters` (before fan-out) and a
// transform policy's `fetch.filter` (on every read door) are the same language. Cheapest tests go
// first, so a filter on keys or headers never decodes a value (see FilterRecord).
import type { StreamFiltersConfig } from '../../config/index.ts'
import { compileGlob, compileGlobs } from '../../core/glob.ts'
import type { Encoding } from '../../core/records/payload.ts'
import { compilePredicate } from './predicates.ts'

/**
 * What a filter reads of a record: a stream's delivered record is one, and the transform
 * engine's lazy view of a record is another (its parts decode only when a test reads them).
 */
export interface FilterRecord {
  /** The key as decoded for the client (text, JSON value, base64 string), null for none. */
  readonly key: unknown
  /** UTF-8 header values; a repeated header gives its last value. */
  readonly headers: Readonly<Record<string, string>>
  readonly value: unknown
  readonly tombstone: boolean
  readonly encoding?: { readonly value?: Encoding | undefined } | undefined
}

export type RecordFilter = (record: FilterRecord) => boolean

const always: RecordFilter = () => true

/**
 * - `keys`: the key's text form matches one glob. A record without a key matches none, so even
 *   `['*']` means "has a key". An empty list is no filter.
 * - `headers`: every named header is present and its value matches its glob (names are
 *   case-sensitive, as in Kafka); `'*'` means "present".
 * - `json`: every predicate holds on the decoded value. Tombstones and base64 values have no
 *   document: only `exists: false` holds for them.
 */
export function compileFilters(config: StreamFiltersConfig): RecordFilter {
  const tests: RecordFilter[] = []
  if (config.keys !== undefined && config.keys.length > 0) {
    const matches = compileGlobs(config.keys)
    tests.push((record) => {
      const text = keyText(record.key)
      return text !== undefined && matches(text)
    })
  }
  for (const [name, pattern] of Object.entries(config.headers ?? {})) {
    const matches = compileGlob(pattern)
    tests.push((record) => {
      const value = record.headers[name]
      // typeof, not !== undefined: a hand-built plain object would answer `constructor`.
      return typeof value === 'string' && matches(value)
    })
  }
  const predicates = (config.json ?? []).map(compilePredicate)
  if (predicates.length > 0) {
    tests.push((record) => {
      const document = documentOf(record)
      for (const predicate of predicates) if (!predicate(document)) return false
      return true
    })
  }
  if (tests.length === 0) return always
  if (tests.length === 1) return tests[0] as RecordFilter
  return (record) => {
    for (const test of tests) if (!test(record)) return false
    return true
  }
}

/**
 * The text a key glob sees: strings (text, base64) as they are, numbers and booleans as
 * written, objects and arrays as compact JSON; undefined for a null key.
 */
export function keyText(key: unknown): string | undefined {
  if (key === null || key === undefined) return undefined
  if (typeof key === 'string') return key
  if (typeof key === 'object') return JSON.stringify(key)
  return String(key)
}

/** The value JSON predicates look into, or undefined when the record carries no document. */
function documentOf(record: FilterRecord): unknown {
  if (record.tombstone || record.encoding?.value === 'base64') return undefined
  return record.value
}
