// Field masks of a transform policy: a JSON pointer into a record's JSON value whose field, when
// present, becomes "***". The field stays, so consumers parsing a fixed shape still do. Pointers
// follow own properties and real array indexes only, as filters read them.
import { childAt, pointerTokens } from '../../core/records/json-pointer.ts'

export const MASK = '***'

/** Replaces the field a pointer names with MASK in place; true when there was one. */
export type Mask = (document: unknown) => boolean

export function compileMask(pointer: string): Mask {
  const tokens = pointerTokens(pointer)
  const last = tokens.pop()
  if (last === undefined) throw new Error('a mask names a field: "" would mask the whole value')
  return (document) => {
    let node: unknown = document
    for (const token of tokens) {
      node = childAt(node, token)
      if (node === undefined) return false
    }
    if (Array.isArray(node)) {
      if (last.index === undefined || last.index >= node.length) return false
      node[last.index] = MASK
      return true
    }
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, last.name)) return false
    ;(node as Record<string, unknown>)[last.name] = MASK
    return true
  }
}
