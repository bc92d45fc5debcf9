// Pointer selection on JSON documents (plain JSON values, JSON Schema payloads): the field a
// pointer names is edited when it is a string. A pointer that reaches no field is no edit; one
// that reaches a number, boolean, object or array is refused for the record, since changing its
// type could break the document's schema and leaving it would keep clear what was to be hidden.
import { GatewayError } from '../../core/errors.ts'
import { childAt, pointerTokens } from '../../core/records/json-pointer.ts'
import { editLeaf, escapeToken, type Visit } from './types.ts'

export function planJsonPointer(pointer: string): Visit {
  const tokens = pointerTokens(pointer)
  const last = tokens.pop()
  if (last === undefined) throw new Error(`a field pointer names a field: "" is the whole value`)
  const parentPath = tokens.map((t) => `/${escapeToken(t.name)}`).join('')
  return (document, path, edit) => {
    let node: unknown = document
    for (const token of tokens) {
      node = childAt(node, token)
      if (node === undefined) return document
    }
    const value = childAt(node, last)
    if (value === undefined || value === null) return document
    const at = `${path}${parentPath}/${escapeToken(last.name)}`
    if (typeof value !== 'string') {
      const raw = (JSON as unknown as { isRawJSON(v: unknown): boolean }).isRawJSON(value)
      const type = raw ? 'number' : Array.isArray(value) ? 'array' : typeof value
      throw new GatewayError(
        'invalid-record',
        `field ${at} is ${type === 'object' ? 'an object' : `a ${type}`}; only string fields can be encrypted or masked`
      )
    }
    const edited = editLeaf(edit, at, value)
    if (Array.isArray(node)) node[last.index as number] = edited
    else (node as Record<string, unknown>)[last.name] = edited
    return document
  }
}
