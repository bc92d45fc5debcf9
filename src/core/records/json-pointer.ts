// RFC 6901 JSON pointers compiled once per filter, so a record costs a walk over prepared tokens
// rather than a split and unescape. Only own properties and real array indexes are followed:
// `/constructor` or `/items/length` must not reach into JavaScript's prototypes.

export type PointerReader = (document: unknown) => unknown

export interface PointerToken {
  name: string
  /** The array index this token names, if it is one (`0`, `12`; never `01` or `-`). */
  index: number | undefined
}

/** The unescaped tokens of a pointer (`/a~1b/0` is `a/b`, then index 0); none for `''`. */
export function pointerTokens(pointer: string): PointerToken[] {
  if (pointer === '') return []
  if (!pointer.startsWith('/')) throw new Error(`"${pointer}" is not a JSON pointer`)
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => {
      const name = raw.replaceAll('~1', '/').replaceAll('~0', '~')
      return { name, index: /^(0|[1-9]\d{0,8})$/.test(name) ? Number(name) : undefined }
    })
}

/** The node one token names in `node`, or undefined when there is none. */
export function childAt(node: unknown, token: PointerToken): unknown {
  if (Array.isArray(node)) {
    return token.index === undefined || token.index >= node.length ? undefined : node[token.index]
  }
  if (node !== null && typeof node === 'object' && Object.hasOwn(node, token.name)) {
    return (node as Record<string, unknown>)[token.name]
  }
  return undefined
}

export function compilePointer(pointer: string): PointerReader {
  if (pointer === '') return (document) => document
  const tokens = pointerTokens(pointer)
  return (document) => {
    let node = document
    for (const token of tokens) {
      node = childAt(node, token)
      if (node === undefined) return undefined
    }
    return node
  }
}
