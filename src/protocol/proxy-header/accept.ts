// PROXY protocol on a listening server (opt-in per listener): every accepted connection's first
// bytes are read before anything else sees them (the HTTP parser, the TLS handshake, the Kafka
// door), and the client a header names becomes the socket's remoteAddress, so policies, logs and
// metrics see the real client. As HAProxy's spec asks, only trusted sources (the load balancers)
// may send a header, and they must: a trusted peer without one, an untrusted peer with one, or a
// malformed header is refused (closed, and reported to `onRefused`).
import { BlockList, isIP, type Server, type Socket } from 'node:net'
import { Server as TlsServer, type TLSSocket } from 'node:tls'
import { parseCidr } from '../../config/schema/common.ts'
import { readFirstBytes } from '../first-bytes.ts'
import { scanProxyHeader, type ProxyHeader } from './parse.ts'

export interface ProxyProtocolOptions {
  /** Peers allowed (and required) to send a header: addresses and CIDR blocks. */
  trustedSources: BlockList
  /** Longest a trusted peer may take to send its header. */
  headerTimeoutMs: number
}

/** A peer refused: its own address and port, and why. */
export type ProxyRefusal = (peer: string, reason: string) => void

/**
 * Puts the header read in front of `server`'s own connection handling. For a TLS server the
 * header comes before the handshake, and the TLS socket it yields reports the client too.
 */
export function acceptProxyProtocol(
  server: Server,
  options: ProxyProtocolOptions,
  onRefused: ProxyRefusal
): void {
  const handlers = server.listeners('connection') as ((socket: Socket) => void)[]
  server.removeAllListeners('connection')
  server.on('connection', (socket: Socket) => {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`
    const address = socket.remoteAddress ?? ''
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    const trusted = address !== '' && options.trustedSources.check(address, family)
    readHeader(socket, trusted, options.headerTimeoutMs).then(
      (header) => {
        if (socket.destroyed) return
        if (header?.kind === 'proxied') reportAs(socket, header)
        // Paused while the header was read. Resuming takes effect on the next tick, after the
        // handlers attached their readers (and a handler that pauses the socket, as the Kafka
        // door does until its broker connection is up, keeps it paused). A TLS server's socket
        // reads what is left itself, from the buffer, as it wraps the connection.
        if (!(server instanceof TlsServer)) socket.resume()
        for (const handler of handlers) handler.call(server, socket)
      },
      (err: unknown) => {
        onRefused(peer, (err as Error).message)
        socket.destroy()
      }
    )
  })
  // A TLS socket wraps the accepted one: it reports the client the header named too.
  server.prependListener('secureConnection', (tlsSocket: TLSSocket) => {
    const header = proxied.get((tlsSocket as TLSSocket & { _parent?: Socket })._parent as Socket)
    if (header !== undefined) reportAs(tlsSocket, header)
  })
}

/** A listener's `proxyProtocol` setting, as the config gives it. */
export interface ProxyProtocolSetting {
  enabled: boolean
  trustedSources: readonly string[]
  headerTimeoutMs: number
}

/**
 * A listener's `proxyProtocol` applied to its server (nothing when absent or off), refusals
 * logged as warnings. Call it after any other first-bytes reader (the TLS server-name check), so
 * that the header, which comes first on the wire, is read first.
 */
export function applyProxyProtocol(
  server: Server,
  setting: ProxyProtocolSetting | undefined,
  log: { warn(fields: object, message: string): void }
): void {
  if (!setting?.enabled) return
  acceptProxyProtocol(
    server,
    {
      trustedSources: trustedSources(setting.trustedSources),
      headerTimeoutMs: setting.headerTimeoutMs,
    },
    (peer, reason) => log.warn({ client: peer, reason }, 'connection refused: PROXY protocol')
  )
}

/** The trusted sources as a block list (each an address or CIDR block, already validated). */
export function trustedSources(cidrs: readonly string[]): BlockList {
  const list = new BlockList()
  for (const cidr of cidrs) {
    const parsed = parseCidr(cidr)
    if (parsed === undefined) throw new Error(`not an address or CIDR block: ${cidr}`)
    list.addSubnet(parsed.address, parsed.prefix, parsed.family)
  }
  return list
}

const proxied = new WeakMap<Socket, Extract<ProxyHeader, { kind: 'proxied' }>>()

function reportAs(socket: Socket, header: Extract<ProxyHeader, { kind: 'proxied' }>): void {
  proxied.set(socket, header)
  Object.defineProperties(socket, {
    remoteAddress: { value: header.address, configurable: true },
    remotePort: { value: header.port, configurable: true },
    remoteFamily: { value: header.family, configurable: true },
  })
}

/**
 * Reads until the header ends (or it is clear there is none), then gives back the bytes after
 * it. Resolves with the header (undefined: none), rejects with the reason to refuse.
 */
async function readHeader(
  socket: Socket,
  trusted: boolean,
  timeoutMs: number
): Promise<ProxyHeader | undefined> {
  const what = trusted ? 'PROXY protocol header' : 'first bytes'
  const closed = 'connection closed before its PROXY protocol header'
  const read = await readFirstBytes(
    socket,
    timeoutMs,
    (buffered) => {
      const scan = scanProxyHeader(buffered)
      return scan.kind === 'more' ? undefined : scan
    },
    { timeout: `no ${what} within ${timeoutMs} ms`, closed }
  )
  if (read === undefined) throw new Error(closed)
  const { result: scan, buffered } = read
  if (scan.kind === 'invalid') throw new Error(scan.reason)
  if (scan.kind === 'none' && trusted) {
    throw new Error('a trusted source sent no PROXY protocol header')
  }
  if (scan.kind === 'header' && !trusted) {
    throw new Error('PROXY protocol header from a source that is not trusted')
  }
  const rest = scan.kind === 'header' ? buffered.subarray(scan.length) : buffered
  if (rest.length > 0) socket.unshift(rest)
  return scan.kind === 'header' ? scan.header : undefined
}
