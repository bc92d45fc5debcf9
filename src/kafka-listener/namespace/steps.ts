// The per-field work of a walk: one closure per name-bearing field of a plan, built once, so a
// message pays for a property read and a mapping per name and nothing per other field.
import type { FieldSchema } from '../../protocol/index.ts'
import type { NameKind, NameMapper } from '../../namespace/index.ts'
import { regexToBackend, regexToClient } from './regex.ts'
import type { FieldRole, OutsideKind } from './roles.ts'

export type Direction = 'request' | 'response'

export interface OutsideName {
  kind: OutsideKind
  name: string
}

export interface WalkContext {
  readonly mapper: NameMapper
  changed: boolean
  outside: OutsideName[] | undefined
}

export type Struct = Record<string, unknown>

/**
 * Visits one decoded struct. False (responses only) when the struct names something hidden from
 * this tenant and the array holding it must drop it.
 */
export type Visit = (struct: Struct, ctx: WalkContext) => boolean

/** Maps one name; undefined when it is outside (requests, already reported) or hidden. */
type Convert = (value: string, struct: Struct, ctx: WalkContext) => string | undefined

function deny(ctx: WalkContext, kind: OutsideKind, name: string): undefined {
  if (ctx.outside === undefined) ctx.outside = []
  ctx.outside.push({ kind, name })
  return undefined
}

function toBackend(kind: NameKind): Convert {
  return (value, _struct, ctx) => ctx.mapper.toBackend(kind, value) ?? deny(ctx, kind, value)
}

function requestConvert(role: FieldRole): Convert {
  if ('kind' in role) return toBackend(role.kind)
  if ('regex' in role) {
    const kind = role.regex
    return (value, _struct, ctx) =>
      regexToBackend(ctx.mapper, kind, value) ?? deny(ctx, kind, value)
  }
  if ('by' in role) {
    const { by, kinds, denied } = role
    return (value, struct, ctx) => {
      const kind = kinds[struct[by] as number]
      if (kind !== undefined) return ctx.mapper.toBackend(kind, value) ?? deny(ctx, kind, value)
      return denied === undefined ? value : deny(ctx, denied, value)
    }
  }
  throw new Error('a field whose kind is guessed from the backend name can only be in a response')
}

function responseConvert(role: FieldRole): Convert {
  if ('kind' in role) {
    const kind = role.kind
    return (value, _struct, ctx) => ctx.mapper.toClient(kind, value)
  }
  if ('regex' in role) {
    const kind = role.regex
    return (value, _struct, ctx) => regexToClient(ctx.mapper, kind, value)
  }
  if ('by' in role) {
    const { by, kinds } = role
    return (value, struct, ctx) => {
      const kind = kinds[struct[by] as number]
      return kind === undefined ? value : ctx.mapper.toClient(kind, value)
    }
  }
  const kinds = role.anyOf
  return (value, _struct, ctx) => {
    for (const kind of kinds) {
      const name = ctx.mapper.toClient(kind, value)
      if (name !== undefined) return name
    }
    return undefined
  }
}

function inVersions(range: readonly [number, number] | undefined, version: number): boolean {
  return range !== undefined && version >= range[0] && version <= range[1]
}

/** Maps list entries, copying the list only once something changes; undefined entries dropped. */
function mapList(
  list: readonly string[],
  struct: Struct,
  ctx: WalkContext,
  convert: Convert
): string[] | undefined {
  let out: string[] | undefined
  for (let i = 0; i < list.length; i++) {
    const value = list[i] as string
    const mapped = convert(value, struct, ctx)
    if (out === undefined) {
      if (mapped === value) continue
      out = list.slice(0, i)
    }
    if (mapped !== undefined) out.push(mapped)
  }
  return out
}

/**
 * The step for a `string` or `[]string` field with a role. `inArray`: the struct is an element
 * of an array, which drops it when this name is hidden; elsewhere a hidden name is blanked.
 */
export function fieldStep(
  field: FieldSchema,
  role: FieldRole,
  version: number,
  direction: Direction,
  inArray: boolean
): Visit {
  const name = field.name
  const list = field.type === '[]string'
  if (direction === 'request') {
    const convert = requestConvert(role)
    const byIdWhenNull = 'kind' in role ? role.deniedWhenNull : undefined
    if (list) {
      return (struct, ctx) => {
        const value = struct[name] as string[] | null
        if (value == null) return true
        const mapped = mapList(value, struct, ctx, convert)
        if (mapped !== undefined) {
          struct[name] = mapped
          ctx.changed = true
        }
        return true
      }
    }
    return (struct, ctx) => {
      const value = struct[name]
      if (typeof value !== 'string') {
        if (value === null && byIdWhenNull) deny(ctx, byIdWhenNull, String(struct.topicId))
        return true
      }
      const mapped = convert(value, struct, ctx)
      if (mapped !== undefined && mapped !== value) {
        struct[name] = mapped
        ctx.changed = true
      }
      return true
    }
  }

  const convert = responseConvert(role)
  if (list) {
    return (struct, ctx) => {
      const value = struct[name] as string[] | null
      if (value == null) return true
      const mapped = mapList(value, struct, ctx, convert)
      if (mapped !== undefined) {
        struct[name] = mapped
        ctx.changed = true
      }
      return true
    }
  }
  // A regex describes a subscription, not the element: a foreign one is blanked, never dropped.
  const drops = inArray && !('regex' in role)
  const blank = inVersions(field.nullableVersions, version) ? null : ''
  return (struct, ctx) => {
    const value = struct[name]
    if (typeof value !== 'string') return true
    const mapped = convert(value, struct, ctx)
    if (mapped === value) return true
    if (mapped === undefined) {
      if (drops) return false
      struct[name] = blank
    } else {
      struct[name] = mapped
    }
    ctx.changed = true
    return true
  }
}

export function structStep(name: string, visit: Visit): Visit {
  return (struct, ctx) => {
    const value = struct[name] as Struct | null
    if (value != null) visit(value, ctx)
    return true
  }
}

/** Visits every element; those the visit refuses are dropped (the array copied only then). */
export function arrayStep(name: string, visit: Visit): Visit {
  return (struct, ctx) => {
    const elements = struct[name] as Struct[] | null
    if (elements == null) return true
    let kept: Struct[] | undefined
    for (let i = 0; i < elements.length; i++) {
      const element = elements[i] as Struct
      const keep = visit(element, ctx)
      if (kept === undefined) {
        if (keep) continue
        kept = elements.slice(0, i)
      } else if (keep) {
        kept.push(element)
      }
    }
    if (kept !== undefined) {
      struct[name] = kept
      ctx.changed = true
    }
    return true
  }
}
