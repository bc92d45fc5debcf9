// The WebSocket door: takes HTTP upgrades on stream paths, admits the client before upgrading
// (a refusal is an ordinary HTTP problem+json answer: 401, 403, 404, 429…), then hands the socket
// to a StreamConnection. Keeps the connections for heartbeats and shutdown.
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { ListenerWebSockets, ProtocolChoice } from '../../websocket-server.ts'
import { GatewayError } from '../../../core/errors.ts'
import type { Credentials } from '../../../core/principal.ts'
import type { Logger } from '../../../observability/logger.ts'
import { nodeClient } from '../../credentials.ts'
import { rejectUpgrade } from '../../node-reply.ts'
import {
  admit,
  type Admission,
  type StreamDoorDeps,
  type StreamMatch,
  type StreamMatcher,
} from '../admission.ts'
import { StreamConnection } from './connection.ts'
import { SUBPROTOCOL } from './frames.ts'

/** The server answers `weir.v1`, never a credential offered next to it. */
const weirProtocol: ProtocolChoice = (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false)

export class WebSocketDoor {
  readonly #deps: StreamDoorDeps
  readonly #match: StreamMatcher
  readonly #logger: Logger
  readonly #server: ListenerWebSockets
  readonly #connections = new Set<StreamConnection>()
  readonly #heartbeats = new Map<
    number,
    { timer: NodeJS.Timeout; members: Set<StreamConnection> }
  >()

  constructor(
    deps: StreamDoorDeps,
    match: StreamMatcher,
    server: ListenerWebSockets,
    logger: Logger
  ) {
    this.#deps = deps
    this.#match = match
    this.#server = server
    this.#logger = logger
  }

  /** For http-listener: upgrades on stream paths; false leaves the request to others. */
  readonly upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const url = new URL(request.url ?? '/', 'http://weir')
    let match: StreamMatch | undefined
    try {
      match = this.#match(url.pathname)
    } catch (err) {
      rejectUpgrade(socket, this.#deps.lifecycle.errorReply(err, { path: url.pathname }))
      return true
    }
    if (match === undefined) return false
    socket.on('error', () => socket.destroy())
    const client = nodeClient(request)
    const offered = subprotocols(client.headers.get('sec-websocket-protocol'))
    void (async () => {
      let admission: Admission
      try {
        if (offered.credentials && !offered.names.includes(SUBPROTOCOL)) {
          throw new GatewayError(
            'bad-request',
            `credentials in Sec-WebSocket-Protocol need the "${SUBPROTOCOL}" subprotocol offered too`
          )
        }
        admission = await admit(this.#deps, match, 'websocket', {
          ...client,
          query: url.searchParams,
          credentials: offered.credentials,
        })
      } catch (err) {
        rejectUpgrade(socket, this.#deps.lifecycle.errorReply(err, { stream: match.endpoint.name }))
        return
      }
      let lease
      try {
        lease = await this.#deps.service.admit(match.endpoint, admission.principal, 'websocket')
      } catch (err) {
        rejectUpgrade(socket, this.#deps.lifecycle.errorReply(err, { stream: match.endpoint.name }))
        return
      }
      // The slot is the connection's once upgraded; a socket that closes before that (the
      // client gave up while we authenticated) gives it back here, or now if it already did.
      if (socket.destroyed) {
        lease.release()
        return
      }
      let upgraded = false
      socket.once('close', () => {
        if (!upgraded) lease.release()
      })
      this.#server.upgrade(request, socket, head, weirProtocol, (ws) => {
        upgraded = true
        const connection = new StreamConnection(ws, {
          service: this.#deps.service,
          endpoint: match.endpoint,
          params: match.params,
          principal: admission.principal,
          topics: admission.topics,
          logger: this.#logger,
          socket,
          onClose: () => {
            lease.release()
            this.#forget(connection, match.endpoint.config.heartbeatMs)
          },
        })
        this.#track(connection, match.endpoint.config.heartbeatMs)
        // `?topics=` with nothing in it: the client subscribes by frames only.
        const initial =
          url.searchParams.get('topics') === ''
            ? undefined
            : { topics: admission.topics, start: admission.start, cursor: admission.cursor }
        void connection.start(initial)
      })
    })()
    return true
  }

  get connections(): number {
    return this.#connections.size
  }

  /** Closes every connection with 1001 (going away); clients reconnect elsewhere. */
  close(): void {
    for (const connection of [...this.#connections]) {
      connection.close(1001, 'the gateway is shutting down; reconnect')
    }
    for (const { timer } of this.#heartbeats.values()) clearInterval(timer)
    this.#heartbeats.clear()
  }

  /** One timer per heartbeat period, not per connection: idle connections stay small. */
  #track(connection: StreamConnection, every: number): void {
    this.#connections.add(connection)
    this.#deps.observability?.metrics.connectionOpened('websocket')
    let beat = this.#heartbeats.get(every)
    if (beat === undefined) {
      const members = new Set<StreamConnection>()
      const timer = setInterval(() => {
        for (const member of members) member.heartbeat()
      }, every)
      timer.unref()
      this.#heartbeats.set(every, (beat = { timer, members }))
    }
    beat.members.add(connection)
  }

  #forget(connection: StreamConnection, every: number): void {
    if (this.#connections.delete(connection)) {
      this.#deps.observability?.metrics.connectionClosed('websocket')
    }
    const beat = this.#heartbeats.get(every)
    if (beat === undefined) return
    beat.members.delete(connection)
    if (beat.members.size === 0) {
      clearInterval(beat.timer)
      this.#heartbeats.delete(every)
    }
  }
}

/**
 * Browsers cannot set headers on a WebSocket: they offer credentials as subprotocols next to
 * `weir.v1`: `weir.bearer.<token>` or `weir.api-key.<key>`. The server answers `weir.v1`, never
 * a credential.
 */
function subprotocols(header: string | null): { names: string[]; credentials?: Credentials } {
  const names = (header ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
  let credentials: Credentials | undefined
  for (const name of names) {
    if (name.startsWith('weir.bearer.')) {
      credentials = { ...credentials, bearerToken: name.slice('weir.bearer.'.length) }
    } else if (name.startsWith('weir.api-key.')) {
      credentials = { ...credentials, apiKey: name.slice('weir.api-key.'.length) }
    }
  }
  return credentials === undefined ? { names } : { names, credentials }
}
