// Serves one configured http listener (plain or TLS): an optional fast path first (produce),
// then the hono app; and closes it gracefully.
import { readFileSync } from 'node:fs'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import type { Hono } from 'hono'
import type { HttpListenerConfig } from '../config/index.ts'
import type { FastPath } from './produce/fast-path.ts'

export interface RunningHttpListener {
  name: string
  url: string
  /** Stops accepting, lets in-flight requests finish within the grace period, then closes. */
  close(): Promise<void>
}

export async function startHttpListener(
  config: HttpListenerConfig,
  app: Hono,
  fastPath?: FastPath
): Promise<RunningHttpListener> {
  const tls = config.tls
  const honoListener = getRequestListener(app.fetch)
  const listener: RequestListener = fastPath
    ? (request, response) => {
        if (!fastPath(request, response)) void honoListener(request, response)
      }
    : (request, response) => void honoListener(request, response)
  const server: Server = tls
    ? createHttpsServer(
        {
          cert: readFileSync(tls.certFile),
          key: readFileSync(tls.keyFile),
          ca: tls.clientCaFile ? readFileSync(tls.clientCaFile) : undefined,
          requestCert: tls.clientCaFile !== undefined,
          rejectUnauthorized: tls.requireClientCert,
        },
        listener
      )
    : createHttpServer(listener)

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  return {
    name: config.name,
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    close: () => closeGracefully(server, config.shutdownGraceMs),
  }
}

function closeGracefully(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs)
    force.unref()
    server.close(() => {
      clearTimeout(force)
      resolve()
    })
    // Keep-alive connections with no request in flight would hold close() open.
    server.closeIdleConnections()
  })
}
