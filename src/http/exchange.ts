// The few things a door handler needs from an HTTP request, whichever server carries it: hono's
// Context, or a bare node:http request on the produce fast path. Web `Headers` fit HeaderReader.
import type { IncomingMessage } from 'node:http'

export interface HeaderReader {
  get(name: string): string | null
  has(name: string): boolean
  forEach(callback: (value: string, name: string) => void): void
}

/** What an HTTP client presents to authenticate: its headers, and its TLS connection's certificate. */
export interface HttpClient {
  headers: HeaderReader
  /** The subject of the client certificate the listener's TLS verified (`clientCaFile`). */
  clientCertSubject?: string
  /** The client's address (the one a trusted PROXY protocol header named, if any). */
  client?: string
}

export interface HttpExchange extends HttpClient {
  method: string
  /** Path and query as received, e.g. `/orders?x=1`. */
  url: string
  params: Record<string, string>
  /** The body, at most `maxBytes` (413 past it). */
  readBody(maxBytes: number): Promise<Buffer>
}

export interface HttpReply {
  status: number
  body: unknown
  headers: Record<string, string>
  /** The body as JSON text, when it was serialized already (to count its bytes): sent as is. */
  json?: string
}

/** Node's parsed headers (lower-case names) read through the HeaderReader shape, without copying. */
export function nodeHeaders(incoming: IncomingMessage): HeaderReader {
  const raw = incoming.headers
  const one = (value: string | string[] | undefined): string | null =>
    value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
  return {
    get: (name) => one(raw[name.toLowerCase()]),
    has: (name) => raw[name.toLowerCase()] !== undefined,
    forEach: (callback) => {
      for (const name in raw) {
        const value = one(raw[name])
        if (value !== null) callback(value, name)
      }
    },
  }
}
