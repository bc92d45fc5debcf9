// Connections to a backend's brokers on a client's behalf: TCP or TLS as the backend cluster
// says, or as the tenant's backend identity says (its client certificate), then, when it has one,
// Weir's own SASL login as that identity (upstream-logins.ts).
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import type { BackendClusterConfig } from '../config/index.ts'
import { tlsOptions } from '../kafka/client-config.ts'
import type { Address } from './broker-map.ts'
import type { UpstreamLogin } from './upstream-logins.ts'
import { loginUpstream } from './upstream-login.ts'

/**
 * Where a plain TCP broker connection's reads go, once someone takes them as they are read: the
 * socket reads into one buffer, shared by every such connection and reused for every read, and
 * `deliver` must copy what it keeps before returning (the response line copies each byte once,
 * straight into its frame). A fresh 64 KiB buffer per read, Node's way, is memory V8 counts and
 * collects with full GCs: most of the CPU of forwarding a Fetch. Until `deliver` is set (a SASL
 * login reading the socket), reads are emitted as 'data' events of copies.
 */
export interface LentReads {
  deliver: ((bytes: Buffer) => void) | undefined
}

const lentReadsOf = new WeakMap<Socket, LentReads>()
const READ_BUFFER_BYTES = 256 * 1024
let readBuffer: Buffer | undefined

/** The reads of `socket` to take, when it reads into a lent buffer (plain TCP). */
export function lentReads(socket: Socket): LentReads | undefined {
  return lentReadsOf.get(socket)
}

function plainConnect(address: Address): Socket {
  const reads: LentReads = { deliver: undefined }
  // One buffer for all: a read's callback runs to its end before any socket reads again.
  readBuffer ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES)
  const socket: Socket = netConnect({
    host: address.host,
    port: address.port,
    onread: {
      buffer: readBuffer,
      callback: (n, buffer) => {
        const bytes = Buffer.from(buffer.buffer, buffer.byteOffset, n)
        if (reads.deliver !== undefined) reads.deliver(bytes)
        else socket.emit('data', Buffer.from(bytes))
        return true
      },
    },
  })
  lentReadsOf.set(socket, reads)
  return socket
}

export class BackendConnector {
  readonly #tls: ReturnType<typeof tlsOptions>
  readonly #timeoutMs: number

  constructor(backend: BackendClusterConfig) {
    this.#tls = tlsOptions(backend)
    this.#timeoutMs = backend.connectionTimeoutMs
  }

  /**
   * A connection to the broker at `address`, up (TLS included) as `login` says: its TLS, then its
   * SASL login when it has one; without a login, the backend's own TLS and no login of Weir's.
   * Rejects on failure or after the backend's connection timeout, and destroys the socket when
   * `signal` aborts first (the client went away).
   */
  async open(
    address: Address,
    login: UpstreamLogin | undefined,
    signal?: AbortSignal
  ): Promise<Socket> {
    const tls = login === undefined ? this.#tls : login.tls
    const socket = this.#connect(address, tls)
    const abort = () => socket.destroy()
    signal?.addEventListener('abort', abort, { once: true })
    try {
      await connected(socket, tls !== undefined, this.#timeoutMs)
      if (login?.sasl !== undefined) await loginUpstream(socket, login.sasl, this.#timeoutMs)
      if (signal?.aborted) throw new Error('the client closed its connection')
      return socket
    } catch (err) {
      socket.destroy()
      throw err
    } finally {
      signal?.removeEventListener('abort', abort)
    }
  }

  #connect(address: Address, tls: ReturnType<typeof tlsOptions>): Socket {
    if (tls === undefined) return plainConnect(address)
    return tlsConnect({
      ...(typeof tls === 'object' ? tls : {}),
      host: address.host,
      port: address.port,
    })
  }
}

/** Resolves once the socket is connected (and TLS is up); rejects on error or after `timeoutMs`. */
function connected(socket: Socket, tls: boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no connection within ${timeoutMs} ms`))
    }, timeoutMs)
    const fail = (err: Error) => {
      clearTimeout(timer)
      reject(err)
    }
    socket.once('error', fail)
    socket.once('close', () => fail(new Error('connection closed')))
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer)
      socket.off('error', fail)
      // Until the proxy connection takes over, a late error must not go unhandled.
      socket.on('error', () => undefined)
      resolve()
    })
  })
}
