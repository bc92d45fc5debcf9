// RFC 6901 JSON pointers compiled once per filter, so a record costs a walk over prepared tokens
// rather than a split and unescape. Only own properties and real array indexes are followed:
// `/constructor` or `/items/length` must not reach into JavaScript's prototypes.

export type PointerReader = (document: unknown) => unknown

interface Token {
  name: string
  /** The array index this token names, if it is one (`0`, `12`; never `01` or `-`). */
  index: number | undefined
}

export function compilePointer(pointer: string): PointerReader {
  if (pointer === '') return (document) => document
  if (!pointer.startsWith('/')) throw new Error(`"${pointer}" is not a JSON pointer`)
  const tokens: Token[] = pointer
    .slice(1)
    .split('/')
    .map((raw) => {
      const name = raw.replaceAll('~1', '/').replaceAll('~0', '~')
      return { name, index: /^(0|[1-9]\d{0,8})$/.test(name) ? Number(name) : undefined }
    })
  return (document) => {
    let node = document
    for (const token of tokens) {
      if (Array.isArray(node)) {
        if (token.index === undefined || token.index >= node.length) return undefined
        node = node[token.index]
      } else if (node !== null && typeof node === 'object') {
        if (!Object.hasOwn(node, token.name)) return undefined
        node = (node as Record<string, unknown>)[token.name]
      } else {
        return undefined
      }
    }
    return node
  }
}
