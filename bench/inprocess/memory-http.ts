// An HTTP request and response in memory, shaped as the produce fast path reads and writes
// node:http's: no sockets, so only the request's own work is left in a CPU figure.
import { EventEmitter } from 'node:events'

/** node:http's request as the fast path reads it: headers, url, method, socket, a body stream. */
export class MemoryRequest extends EventEmitter {
  readonly method = 'POST'
  readonly url: string
  readonly socket = { remoteAddress: '127.0.0.1' }
  readonly headers: Record<string, string>

  constructor(url: string, body: Buffer) {
    super()
    this.url = url
    this.headers = {
      host: '127.0.0.1',
      'content-type': 'application/json',
      'content-length': String(body.length),
    }
    // The body arrives after the request's handler ran, as node:http pushes it.
    setImmediate(() => {
      this.emit('data', body)
      this.emit('end')
    })
  }

  resume(): this {
    return this
  }
}

/** node:http's response as the fast path writes it: a status, headers, one body. */
export class MemoryResponse {
  status = 0
  readonly #done: (status: number) => void

  constructor(done: (status: number) => void) {
    this.#done = done
  }

  writeHead(status: number): this {
    this.status = status
    return this
  }

  end(_body?: string): void {
    this.#done(this.status)
  }
}

/** Serves the request and returns true, or returns false (not its route): a FastPath. */
export type Serve = (request: MemoryRequest, response: MemoryResponse) => boolean

/** A request for `url` carrying `body`; `done` gets the answer's status. */
export function memoryExchange(
  url: string,
  body: Buffer,
  done: (status: number) => void
): { request: MemoryRequest; response: MemoryResponse } {
  return { request: new MemoryRequest(url, body), response: new MemoryResponse(done) }
}
