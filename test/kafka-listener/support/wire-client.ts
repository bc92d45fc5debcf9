// A Kafka client at the level of frames: it sends requests (encoded with the codec, or any bytes
// at all) and hands back response payloads in the order they arrive.
import { connect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { pino, type Logger } from 'pino'
import {
  decodeResponse,
  encodeRequest,
  frame,
  FrameSplitter,
  type ApiDefinition,
  type DecodedResponse,
} from '../../../src/protocol/index.ts'

export class WireClient {
  readonly socket: Socket
  readonly #splitter = new FrameSplitter(1024 * 1024 * 1024)
  readonly #frames: Buffer[] = []
  #wake: (() => void) | undefined
  #closed = false
  #nextCorrelationId = 1
  /** `ip:port` of this end, as the gateway sees the client (kept: a closed socket forgets it). */
  readonly address: string
  /** Resolves when the connection has closed, from either side. */
  readonly closed: Promise<void>

  private constructor(socket: Socket) {
    this.socket = socket
    this.address = `${socket.localAddress}:${socket.localPort}`
    socket.on('data', (chunk: Buffer) => {
      this.#frames.push(...this.#splitter.push(chunk))
      this.#wake?.()
    })
    socket.on('error', () => undefined)
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#closed = true
        this.#wake?.()
        resolve()
      })
    )
  }

  static connect(port: number, host = '127.0.0.1'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port })
      socket.once('error', reject)
      socket.once('connect', () => {
        socket.off('error', reject)
        resolve(new WireClient(socket))
      })
    })
  }

  /** Over TLS, asking for `servername` (the SNI routing tests' way in). */
  static connectTls(port: number, servername: string, ca: string): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, servername, ca })
      socket.once('error', reject)
      socket.once('secureConnect', () => {
        socket.off('error', reject)
        resolve(new WireClient(socket))
      })
    })
  }

  get isClosed(): boolean {
    return this.#closed
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes)
  }

  /** The framed request; the correlation id defaults to the next of a counter. */
  request<Req>(
    api: ApiDefinition<Req, unknown>,
    version: number,
    body: Req = api.defaultRequest(),
    correlationId = this.#nextCorrelationId++
  ): Buffer {
    return encodeRequest(
      api,
      { requestApiKey: api.key, requestApiVersion: version, correlationId, clientId: 'wire' },
      body
    )
  }

  /** Sends one request; returns its correlation id. */
  send<Req>(api: ApiDefinition<Req, unknown>, version: number, body?: Req): number {
    const correlationId = this.#nextCorrelationId++
    this.write(this.request(api, version, body, correlationId))
    return correlationId
  }

  /** The next response payload; rejects when the connection closes or nothing comes in time. */
  async next(timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const payload = this.#frames.shift()
      if (payload !== undefined) return payload
      if (this.#closed) throw new Error('connection closed before a response came')
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no response in ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.#wake = undefined
    }
  }

  /** The next response, decoded as `api` at `version`. */
  async response<Res>(
    api: ApiDefinition<unknown, Res>,
    version: number,
    timeoutMs?: number
  ): Promise<DecodedResponse<Res>> {
    return decodeResponse(api, version, await this.next(timeoutMs))
  }

  /** Sends a request and decodes its response. */
  async roundTrip<Req, Res>(
    api: ApiDefinition<Req, Res>,
    version: number,
    body?: Req
  ): Promise<DecodedResponse<Res>> {
    const correlationId = this.send(api, version, body)
    const response = await this.response(api, version)
    if (response.header.correlationId !== correlationId) {
      throw new Error(`response to ${response.header.correlationId}, not ${correlationId}`)
    }
    return response
  }

  /** Whether the connection closes within `ms`. */
  async closesWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined
    const closed = await Promise.race([
      this.closed.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ])
    clearTimeout(timer)
    return closed
  }

  destroy(): void {
    this.socket.destroy()
  }
}

/** A request frame with any API key and version, and `body` after a v1 header. */
export function rawRequest(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  body: Buffer = Buffer.alloc(0)
): Buffer {
  const header = Buffer.alloc(10)
  header.writeInt16BE(apiKey, 0)
  header.writeInt16BE(apiVersion, 2)
  header.writeInt32BE(correlationId, 4)
  header.writeInt16BE(-1, 8)
  return frame(Buffer.concat([header, body]))
}

/** A 4-byte size prefix alone (any int32, negative ones included). */
export function sizePrefix(size: number): Buffer {
  const prefix = Buffer.alloc(4)
  prefix.writeInt32BE(size, 0)
  return prefix
}

export type LogEntry = Record<string, unknown> & { level: number; msg?: string }

/** A pino logger at debug level whose lines land in `entries`, parsed. */
export function captureLogger(): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = []
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void entries.push(JSON.parse(line) as LogEntry) }
  )
  return { logger, entries }
}

/** Resolves once `check` holds, polling; rejects after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
