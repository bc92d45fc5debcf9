// JSON field predicates of a stream filter, compiled once: `{pointer, equals | in | exists | gt
// | lt}`. Every operator given must hold; a predicate with none only asks that the field exists.
import type { StreamFiltersConfig } from '../../config/index.ts'
import { compilePointer } from '../../core/records/json-pointer.ts'

export type JsonPredicateConfig = NonNullable<StreamFiltersConfig['json']>[number]

/** A test of one decoded value; `undefined` stands for "no document" (tombstone, binary). */
export type DocumentTest = (document: unknown) => boolean

type Check = (field: unknown) => boolean

export function compilePredicate(predicate: JsonPredicateConfig): DocumentTest {
  const read = compilePointer(predicate.pointer)
  const checks: Check[] = []
  const { exists, equals, in: among, gt, lt } = predicate
  if (exists !== undefined) {
    checks.push(exists ? (field) => field !== undefined : (field) => field === undefined)
  }
  // `equals: null` is a real comparison (YAML null); only an absent operator is undefined.
  if (equals !== undefined) {
    checks.push(
      isPrimitive(equals) ? (field) => field === equals : (field) => deepEqual(field, equals)
    )
  }
  if (among !== undefined) checks.push(oneOf(among))
  // Numbers only: "10" > 5 is a string that happens to look numeric, not a number.
  if (gt !== undefined) checks.push((field) => typeof field === 'number' && field > gt)
  if (lt !== undefined) checks.push((field) => typeof field === 'number' && field < lt)
  if (checks.length === 0) checks.push((field) => field !== undefined)

  if (checks.length === 1) {
    const check = checks[0] as Check
    return (document) => check(read(document))
  }
  return (document) => {
    const field = read(document)
    for (const check of checks) if (!check(field)) return false
    return true
  }
}

/** `in`: primitives by one Set lookup, objects and arrays by deep equality. */
function oneOf(values: readonly unknown[]): Check {
  const primitives = new Set(values.filter(isPrimitive))
  const composites = values.filter((v) => !isPrimitive(v))
  if (composites.length === 0) return (field) => field !== undefined && primitives.has(field)
  return (field) => {
    if (isPrimitive(field)) return field !== undefined && primitives.has(field)
    for (const candidate of composites) if (deepEqual(field, candidate)) return true
    return false
  }
}

function isPrimitive(value: unknown): boolean {
  return value === null || typeof value !== 'object'
}

/** Equality of JSON values: objects by their own keys in any order, arrays element by element. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  for (const key of keys) {
    if (!Object.hasOwn(b, key)) return false
    if (!deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) {
      return false
    }
  }
  return true
}
