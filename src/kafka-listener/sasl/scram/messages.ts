// SCRAM's four messages (RFC 5802 §7), parsed strictly and written exactly. Parsers return a
// reason string instead of throwing: a malformed message is a client's failure, not ours.

/** Attributes of one message in order: single letters for SCRAM's own, longer keys for Kafka's
 * extensions (`tokenauth=true`). Values may contain `=` (base64 padding), never `,`. */
type Attributes = [key: string, value: string][]

function attributes(text: string): Attributes | string {
  const out: Attributes = []
  for (const part of text.split(',')) {
    const eq = part.indexOf('=')
    if (eq <= 0) return `"${part.slice(0, 16)}" is not an attribute`
    out.push([part.slice(0, eq), part.slice(eq + 1)])
  }
  return out
}

/** RFC 5802's printable: ASCII without controls, space and comma. */
const PRINTABLE = /^[\x21-\x2b\x2d-\x7e]+$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

function base64(value: string): Buffer | undefined {
  return value !== '' && BASE64.test(value) ? Buffer.from(value, 'base64') : undefined
}

/** `,` and `=` in a username are written `=2C` and `=3D`. */
export function saslName(username: string): string {
  return username.replaceAll('=', '=3D').replaceAll(',', '=2C')
}

/** The username a saslname stands for, or undefined if it has a stray `=` or is empty. */
export function fromSaslName(name: string): string | undefined {
  if (name === '' || /=(?!2C|3D)/.test(name)) return undefined
  return name.replace(/=2C|=3D/g, (escape) => (escape === '=2C' ? ',' : '='))
}

export interface ClientFirst {
  /** `n,,` or `n,a=<authzid>,`: echoed base64 in the client-final message's `c=`. */
  gs2Header: string
  authzid: string | undefined
  username: string
  nonce: string
  /** The message without its GS2 header: the start of the AuthMessage. */
  bare: string
  /** Kafka's SCRAM extensions (KIP-86), e.g. `tokenauth`. */
  extensions: ReadonlyMap<string, string>
}

export function parseClientFirst(text: string): ClientFirst | string {
  // Only `n`: Weir offers no channel binding, and Kafka's brokers accept nothing else either.
  const match = /^n,(a=[^,]*)?,(.*)$/s.exec(text)
  if (match === null) return 'expected a GS2 header "n,," (no channel binding)'
  const gs2Header = text.slice(0, text.length - (match[2] ?? '').length)
  let authzid: string | undefined
  if (match[1] !== undefined) {
    authzid = fromSaslName(match[1].slice(2))
    if (authzid === undefined) return 'invalid authorization id'
  }
  const bare = match[2] ?? ''
  const attrs = attributes(bare)
  if (typeof attrs === 'string') return attrs
  const [user, nonce, ...rest] = attrs
  if (user?.[0] === 'm') return 'mandatory extensions are not supported'
  if (user?.[0] !== 'n' || nonce?.[0] !== 'r') return 'expected n=<username>,r=<nonce>'
  const username = fromSaslName(user[1])
  if (username === undefined) return 'invalid username'
  if (!PRINTABLE.test(nonce[1])) return 'invalid nonce'
  return { gs2Header, authzid, username, nonce: nonce[1], bare, extensions: new Map(rest) }
}

export function formatClientFirst(
  username: string,
  nonce: string
): { gs2Header: string; bare: string } {
  return { gs2Header: 'n,,', bare: `n=${saslName(username)},r=${nonce}` }
}

export interface ServerFirst {
  nonce: string
  salt: Buffer
  iterations: number
}

export function formatServerFirst({ nonce, salt, iterations }: ServerFirst): string {
  return `r=${nonce},s=${salt.toString('base64')},i=${iterations}`
}

export function parseServerFirst(text: string): ServerFirst | string {
  const attrs = attributes(text)
  if (typeof attrs === 'string') return attrs
  const [r, s, i] = attrs
  if (r?.[0] === 'm') return 'mandatory extensions are not supported'
  if (r?.[0] !== 'r' || s?.[0] !== 's' || i?.[0] !== 'i') return 'expected r=,s=,i='
  if (!PRINTABLE.test(r[1])) return 'invalid nonce'
  const salt = base64(s[1])
  if (salt === undefined) return 'invalid salt'
  if (!/^[1-9][0-9]{0,9}$/.test(i[1])) return 'invalid iteration count'
  return { nonce: r[1], salt, iterations: Number(i[1]) }
}

export interface ClientFinal {
  /** The `c=` value decoded: the GS2 header the client says it sent. */
  channelBinding: Buffer
  nonce: string
  proof: Buffer
  /** Everything before `,p=`: the end of the AuthMessage. */
  withoutProof: string
}

export function parseClientFinal(text: string): ClientFinal | string {
  const cut = text.lastIndexOf(',p=')
  if (cut < 0) return 'expected a proof (p=)'
  const withoutProof = text.slice(0, cut)
  const attrs = attributes(withoutProof)
  if (typeof attrs === 'string') return attrs
  const [c, r] = attrs
  if (c?.[0] !== 'c' || r?.[0] !== 'r') return 'expected c=,r=,...,p='
  const channelBinding = base64(c[1])
  const proof = base64(text.slice(cut + 3))
  if (channelBinding === undefined) return 'invalid channel binding'
  if (proof === undefined) return 'invalid proof'
  return { channelBinding, nonce: r[1], proof, withoutProof }
}

export function formatClientFinalWithoutProof(gs2Header: string, nonce: string): string {
  return `c=${Buffer.from(gs2Header, 'utf8').toString('base64')},r=${nonce}`
}

export type ServerFinal = { signature: Buffer } | { error: string }

export function parseServerFinal(text: string): ServerFinal | string {
  const attrs = attributes(text)
  if (typeof attrs === 'string') return attrs
  const [first] = attrs
  if (first?.[0] === 'e') return { error: first[1] }
  if (first?.[0] !== 'v') return 'expected v= or e='
  const signature = base64(first[1])
  return signature === undefined ? 'invalid server signature' : { signature }
}
