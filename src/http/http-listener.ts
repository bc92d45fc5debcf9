// Serves one configured http listener (plain or TLS): fast paths first (produce, streams), then
// the hono app; WebSocket upgrades go to the upgrade handler; and closes it gracefully.
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
} from 'node:http'
import { getRequestListener } from '@hono/node-server'
import type { Hono } from 'hono'
import type { HttpListenerConfig } from '../config/index.ts'
import type { Duplex } from 'node:stream'
import { GatewayError } from '../core/errors.ts'
import { gatewayErrorReply } from './error-response.ts'
import { rejectUpgrade } from './node-reply.ts'
import { gracefulClose, listen } from './server-lifecycle.ts'
import type { FastPath } from './produce/fast-path.ts'
import type { CorsGate } from './cors.ts'
import type { Logger } from '../observability/logger.ts'
import { applyProxyProtocol } from '../protocol/proxy-header/index.ts'
import { serverCertificates } from '../tls/index.ts'

/** Takes an upgrade request and returns true, or returns false (answered 404 then). */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean

export interface ListenerHandlers {
  /** Tried in order before hono; the first to return true owns the request. */
  fastPaths?: readonly FastPath[]
  upgrade?: UpgradeHandler
  /** The listener's `cors`: ahead of every door, for requests and upgrades alike. */
  cors?: CorsGate
}

export interface RunningHttpListener {
  name: string
  url: string
  /**
   * Serves the next requests and upgrades with a new app and handlers (a reloaded config), on the
   * same server: open connections, streams and in-flight requests are not touched.
   */
  replace(app: Hono, handlers: ListenerHandlers): void
  /** Stops accepting, lets in-flight requests finish within the grace period, then closes. */
  close(): Promise<void>
}

export async function startHttpListener(
  config: HttpListenerConfig,
  app: Hono,
  handlers: ListenerHandlers = {},
  logger: Logger
): Promise<RunningHttpListener> {
  const tls = config.tls
  let honoListener = getRequestListener(app.fetch)
  let fastPaths = handlers.fastPaths ?? []
  let upgrade = handlers.upgrade
  let cors = handlers.cors
  const listener: RequestListener = (request, response) => {
    if (cors?.request(request, response)) return
    for (const fastPath of fastPaths) if (fastPath(request, response)) return
    void honoListener(request, response)
  }
  // Certificates chosen by server name, read again from disk while the listener runs.
  const certificates = tls && serverCertificates(tls, logger)
  const server: Server = certificates
    ? createHttpsServer(certificates.options, listener)
    : createHttpServer(listener)
  const detach = certificates?.attach(server as HttpsServer)
  // Ahead of the HTTP parser (and of TLS): the header names the client every door then sees.
  applyProxyProtocol(server, config.proxyProtocol, logger)
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (cors?.upgrade(request, socket)) return
    if (upgrade?.(request, socket, head)) return
    const path = (request.url ?? '/').split('?')[0]
    const detail = `no stream at ${path} takes WebSocket connections`
    rejectUpgrade(socket, gatewayErrorReply(new GatewayError('not-found', detail)))
  })

  const closeServer = gracefulClose(server, config.shutdownGraceMs)
  const close = async (): Promise<void> => {
    detach?.()
    await closeServer()
  }
  const url = await listen(server, config.port, config.host, tls !== undefined).catch(
    (err: unknown) => {
      detach?.()
      throw err
    }
  )
  return {
    name: config.name,
    url,
    replace(nextApp, next) {
      honoListener = getRequestListener(nextApp.fetch)
      fastPaths = next.fastPaths ?? []
      upgrade = next.upgrade
      cors = next.cors
      // A config reload is a moment the operator expects renewed certificates to be read.
      void certificates?.reload()
    },
    close,
  }
}
