// Avro unions (avsc wraps every union; see avro-types.ts) take what a person writes:
// - the natural form: `"rush"` or `null` for ["null","string"], an object for a record branch;
// - Avro's JSON encoding: `{"string": "rush"}`, `{"com.acme.Address": {...}}` (short names too).
// A natural value takes the first branch whose own JSON kind it is and that accepts it (so 5 is
// an int before a long before a double, and two record branches are told apart by their fields);
// failing that, the first branch that accepts it after coercion (base64 text for bytes, ISO text
// for a timestamp). An object whose single key names a branch is read as the wrapped form first.
import type { Violation } from '../core/violation.ts'
import { logicalConversion } from './avro-logical.ts'
import { typeLabel, type AvroNode } from './avro-nodes.ts'
import { AnnotatedType } from './avro-types.ts'
import type { Writer } from './avro-write.ts'
import { describeValue, isPlainObject, pointerSegment } from './describe.ts'

interface Branch {
  name: string
  /** The mismatch message of this branch alone, for this value. */
  label: string
  isNull: boolean
  native: (value: unknown) => boolean
  write: Writer
}

/** First the branches of the value's own JSON kind, then the rest (coercing). */
const passes = [true, false] as const

interface Failure {
  branch: Branch
  violations: Violation[]
}

/** A lone "expected X, got Y" at the union itself: the union's own message says it better. */
function isPlainMismatch({ branch, violations }: Failure, path: string, got: string): boolean {
  const [only] = violations
  return (
    violations.length === 1 &&
    only?.path === path &&
    only.message === `expected ${branch.label}, got ${got}`
  )
}

export function unionWriter(
  types: readonly { type: AvroNode; write: Writer }[],
  label: string
): Writer {
  const branches: Branch[] = types.map(({ type, write }) => ({
    name: type.branchName as string,
    label: typeLabel(type),
    isNull: type.typeName === 'null',
    native: nativeTest(type),
    write,
  }))
  const byName = branchNames(branches)
  const wrap = (b: Branch, inner: unknown) => (b.isNull ? null : { [b.name]: inner })
  const nonNull = branches.filter((b) => !b.isNull)

  const natural: Writer = (value, path, out) => {
    const mark = out.length
    // Allocated only once a branch fails: the common case is the first branch that fits.
    let ownKind: Failure[] | undefined
    let coerced: Failure[] | undefined
    for (const pass of passes) {
      for (const b of branches) {
        if (b.native(value) !== pass) continue
        const inner = b.write(value, path, out)
        if (out.length === mark) return wrap(b, inner)
        const failure = { branch: b, violations: out.splice(mark) }
        if (pass) (ownKind ??= []).push(failure)
        else (coerced ??= []).push(failure)
      }
    }
    // The one branch the value could have meant (the only one of its kind, or the only one
    // besides null) says most: a typo inside a record, an ISO date-time without a zone.
    const meant =
      ownKind?.length === 1
        ? ownKind[0]
        : ownKind === undefined && nonNull.length === 1
          ? coerced?.find((f) => f.branch === nonNull[0])
          : undefined
    const got = describeValue(value)
    if (meant && !isPlainMismatch(meant, path, got)) out.push(...meant.violations)
    else out.push({ path, message: `expected ${label}, got ${got}` })
    return undefined
  }

  return (value, path, out) => {
    if (!isPlainObject(value)) return natural(value, path, out)
    const keys = Object.keys(value)
    const key = keys.length === 1 ? (keys[0] as string) : undefined
    const b = key === undefined ? undefined : byName.get(key)
    if (key === undefined || b === undefined) return natural(value, path, out)
    const mark = out.length
    const inner = b.write(value[key], `${path}/${pointerSegment(key)}`, out)
    if (out.length === mark) return wrap(b, inner)
    // Not a valid wrapped value; perhaps a map or record that happens to have that one key.
    const wrappedViolations = out.splice(mark)
    const unwrapped = natural(value, path, out)
    if (out.length === mark) return unwrapped
    out.length = mark
    out.push(...wrappedViolations)
    return undefined
  }
}

/** Full names, and short names where no other branch shares them. */
function branchNames(branches: Branch[]): Map<string, Branch> {
  const byName = new Map(branches.map((b) => [b.name, b]))
  const shortCount = new Map<string, number>()
  const short = (name: string) => name.slice(name.lastIndexOf('.') + 1)
  for (const b of branches) shortCount.set(short(b.name), (shortCount.get(short(b.name)) ?? 0) + 1)
  for (const b of branches) {
    const s = short(b.name)
    if (shortCount.get(s) === 1 && !byName.has(s)) byName.set(s, b)
  }
  return byName
}

/** Whether a JSON value is of a type's own kind (before any coercion). */
function nativeTest(type: AvroNode): (value: unknown) => boolean {
  if (type instanceof AnnotatedType) return logicalConversion(type).native
  switch (type.typeName) {
    case 'null':
      return (v) => v === null
    case 'boolean':
      return (v) => typeof v === 'boolean'
    case 'int':
    case 'float':
    case 'double':
      return (v) => typeof v === 'number'
    case 'long':
    case 'abstract:long':
      return (v) => typeof v === 'number' || typeof v === 'bigint'
    case 'string':
    case 'enum':
      return (v) => typeof v === 'string'
    case 'bytes':
    case 'fixed':
      return (v) => v instanceof Uint8Array
    case 'array':
      return Array.isArray
    default:
      return isPlainObject
  }
}
