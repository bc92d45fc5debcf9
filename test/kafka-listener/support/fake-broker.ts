// A Kafka broker just real enough for the proxy: a TCP server that decodes each request with the
// codec and answers it with a canned response, in order, as a broker does on one connection.
// Metadata, FindCoordinator and Produce name the broker's own real address, so a test can see
// that the gateway rewrote it. A request the codec cannot read closes the connection, as Kafka
// does.
import { createServer, type Server, type Socket } from 'node:net'
import {
  apis,
  decodeRequest,
  encodeResponse,
  FrameSplitter,
  type ApiDefinition,
  type FindCoordinatorRequest,
  type ProduceRequest,
  type RequestHeader,
} from '../../../src/protocol/index.ts'

/** How the broker treats the requests it receives. */
export type FakeBrokerMode =
  /** Answers every request that expects an answer. */
  | 'answer'
  /** Reads requests and never answers. */
  | 'silent'
  /** Closes the connection on the first request. */
  | 'close'

export interface Peer {
  nodeId: number
  host: string
  port: number
}

export interface FakeBrokerOptions {
  nodeId?: number
  /** Other brokers its Metadata names, as a cluster's would. */
  peers?: Peer[]
  /** The highest ApiVersions version it speaks (a broker older than the codec). */
  apiVersionsMax?: number
  /** Waits this long before answering requests of an API key (later answers wait their turn). */
  delayMs?: Partial<Record<number, number>>
}

/** An API key no Kafka release has, which the broker claims to support. */
export const UNKNOWN_API_KEY = 999

export class FakeBroker {
  readonly host = '127.0.0.1'
  readonly nodeId: number
  mode: FakeBrokerMode = 'answer'
  /** The header of every request received, in order. */
  readonly received: RequestHeader[] = []
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  readonly #options: FakeBrokerOptions

  private constructor(options: FakeBrokerOptions) {
    this.#options = options
    this.nodeId = options.nodeId ?? 1
    this.#server = createServer((socket) => this.#accept(socket))
  }

  static async start(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
    const broker = new FakeBroker(options)
    await new Promise<void>((resolve) => broker.#server.listen(0, broker.host, resolve))
    return broker
  }

  get port(): number {
    const address = this.#server.address()
    if (address === null || typeof address === 'string') throw new Error('not listening')
    return address.port
  }

  /** Connections open now. */
  get connections(): number {
    return this.#sockets.size
  }

  /** Drops every open connection, as a broker that restarts does. */
  dropConnections(): void {
    for (const socket of this.#sockets) socket.destroy()
  }

  async close(): Promise<void> {
    this.dropConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket)
    socket.on('close', () => this.#sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    const splitter = new FrameSplitter()
    // Answers leave in request order, whatever each one waits.
    let queue = Promise.resolve()
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[]
      try {
        frames = splitter.push(chunk)
      } catch {
        socket.destroy()
        return
      }
      for (const payload of frames) {
        let answer: Buffer | undefined
        let apiKey: number
        try {
          const request = decodeRequest(payload)
          this.received.push(request.header)
          apiKey = request.api.key
          if (this.mode === 'close') {
            socket.destroy()
            return
          }
          answer = this.#answer(request.api, request.header, request.body)
        } catch {
          socket.destroy()
          return
        }
        if (this.mode === 'silent' || answer === undefined) continue
        const delay = this.#options.delayMs?.[apiKey] ?? 0
        const bytes = answer
        queue = queue
          .then(() => (delay > 0 ? new Promise((r) => setTimeout(r, delay)) : undefined))
          .then(() => {
            if (!socket.destroyed) socket.write(bytes)
          })
      }
    })
  }

  /** The framed response to one request, or undefined for none (Produce with acks=0). */
  #answer(api: ApiDefinition, header: RequestHeader, body: unknown): Buffer | undefined {
    const version = header.requestApiVersion
    const reply = (response: unknown, at = version): Buffer =>
      encodeResponse(api, at, { correlationId: header.correlationId }, response)
    const self = { nodeId: this.nodeId, host: this.host, port: this.port }
    switch (api.key) {
      case apis.apiVersions.key: {
        const max = this.#options.apiVersionsMax ?? apis.apiVersions.maxVersion
        const response = apis.apiVersions.defaultResponse()
        if (version > max) {
          // Kafka's answer to an ApiVersions version it does not know: v0, error 35.
          response.errorCode = 35
          response.apiKeys = [{ apiKey: 18, minVersion: 0, maxVersion: max }]
          return reply(response, 0)
        }
        response.apiKeys = [
          ...Object.values(apis).map((a) => ({
            apiKey: a.key,
            minVersion: a.key === apis.produce.key ? 0 : a.minVersion,
            maxVersion: a.maxVersion,
          })),
          { apiKey: UNKNOWN_API_KEY, minVersion: 0, maxVersion: 3 },
        ]
        return reply(response)
      }
      case apis.metadata.key: {
        const response = apis.metadata.defaultResponse()
        response.brokers = [self, ...(this.#options.peers ?? [])].map((b) => ({ ...b, rack: null }))
        response.controllerId = this.nodeId
        return reply(response)
      }
      case apis.findCoordinator.key: {
        const request = body as FindCoordinatorRequest
        const response = apis.findCoordinator.defaultResponse()
        if (version < 4) Object.assign(response, self)
        else {
          response.coordinators = request.coordinatorKeys.map((key) => ({
            key,
            ...self,
            errorCode: 0,
            errorMessage: null,
          }))
        }
        return reply(response)
      }
      case apis.produce.key: {
        if ((body as ProduceRequest).acks === 0) return undefined
        const response = apis.produce.defaultResponse()
        if (version >= 10) response.nodeEndpoints = [{ ...self, rack: null }]
        return reply(response)
      }
      default:
        return reply(api.defaultResponse())
    }
  }
}
