// Server names on a TLS listener: every accepted connection's ClientHello is read before the TLS
// server sees it, and a name the listener does not serve is refused during the handshake with a
// TLS alert, unrecognized_name (or handshake_failure when the client sent no name and one is
// needed), as HAProxy and Zilla do. Node's own SNICallback can only drop the socket, which a
// client reports as a reset, not as the name being wrong.
import type { Socket } from 'node:net'
import type { Server as TlsServer } from 'node:tls'
import { readFirstBytes } from '../protocol/first-bytes.ts'
import { alertRecord, scanClientHello, TlsAlert, type ClientHelloScan } from './client-hello.ts'

export interface ServerNameOptions {
  /** Whether the listener serves this name (lower-cased; undefined: the client sent none). */
  serves(name: string | undefined): boolean
  /** Longest a connection may take to send its ClientHello. */
  helloTimeoutMs: number
}

/** A connection refused: its peer (address:port), the name it asked for, and why. */
export type ServerNameRefusal = (
  peer: string,
  serverName: string | undefined,
  reason: string
) => void

/** How long a refused peer has to read the alert before the socket is destroyed. */
const ALERT_GRACE_MS = 1_000

/**
 * Puts the ClientHello check in front of `server`'s own connection handling (the TLS handshake).
 * Install it before acceptProxyProtocol, which then reads the PROXY header ahead of it: the
 * refusals name the client the header named.
 */
export function acceptServerNames(
  server: TlsServer,
  options: ServerNameOptions,
  onRefused: ServerNameRefusal
): void {
  const handlers = server.listeners('connection') as ((socket: Socket) => void)[]
  server.removeAllListeners('connection')
  server.on('connection', (socket: Socket) => {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`
    readClientHello(socket, options.helloTimeoutMs).then(
      (scan) => {
        if (socket.destroyed) return
        if (scan === undefined) return void socket.destroy()
        if (scan.kind === 'invalid') {
          refuse(socket, scan.alert)
          return onRefused(peer, undefined, scan.reason)
        }
        const name = scan.serverName
        if (!options.serves(name)) {
          refuse(socket, name === undefined ? TlsAlert.handshakeFailure : TlsAlert.unrecognizedName)
          const reason =
            name === undefined ? 'no TLS server name (SNI)' : 'TLS server name not served here'
          return onRefused(peer, name, reason)
        }
        // The socket stays paused with the ClientHello put back: the TLS socket wrapping it
        // reads what is buffered first, then the rest from the connection.
        for (const handler of handlers) handler.call(server, socket)
      },
      (err: unknown) => {
        onRefused(peer, undefined, (err as Error).message)
        socket.destroy()
      }
    )
  })
}

/**
 * Reads until the ClientHello is complete (or is not one), then gives back every byte it read.
 * Resolves with the scan, or undefined when the peer closed without sending a byte (a TCP
 * health check); rejects when it stalls or closes midway.
 */
async function readClientHello(
  socket: Socket,
  timeoutMs: number
): Promise<Exclude<ClientHelloScan, { kind: 'more' }> | undefined> {
  const read = await readFirstBytes(
    socket,
    timeoutMs,
    (buffered) => {
      const scan = scanClientHello(buffered)
      return scan.kind === 'more' ? undefined : scan
    },
    {
      timeout: `no TLS ClientHello within ${timeoutMs} ms`,
      closed: 'connection closed before the end of its TLS ClientHello',
    }
  )
  if (read?.result.kind === 'hello') socket.unshift(read.buffered)
  return read?.result
}

/**
 * Sends the alert (when the peer speaks TLS) and closes. Whatever else the peer sends is read and
 * dropped meanwhile, so the close does not reset the connection before the alert is read.
 */
function refuse(socket: Socket, alert: number | undefined): void {
  socket.on('error', () => {})
  if (alert === undefined) return void socket.destroy()
  socket.end(alertRecord(alert))
  socket.resume()
  const timer = setTimeout(() => socket.destroy(), ALERT_GRACE_MS)
  timer.unref()
  socket.once('close', () => clearTimeout(timer))
}
