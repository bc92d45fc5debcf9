// Serves the admin app on the admin listener, plain or TLS (with client certificates when a
// client CA is set), and closes it.
import { readFileSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { getRequestListener } from '@hono/node-server'
import type { Hono } from 'hono'
import type { AdminConfig } from '../config/index.ts'
import { gracefulClose, listen } from '../http/server-lifecycle.ts'

export interface RunningAdminServer {
  url: string
  /** Stops listening at once; requests in flight get up to a few seconds to finish. */
  close(): Promise<void>
}

const CLOSE_GRACE_MS = 5000

/** What serves requests: a hono app's `fetch`. */
type Fetch = Hono['fetch']

export async function startAdminServer(
  admin: AdminConfig,
  fetch: Fetch
): Promise<RunningAdminServer> {
  const listener = getRequestListener(fetch)
  const tls = admin.tls
  const server: Server = tls
    ? createHttpsServer(
        {
          cert: readFileSync(tls.certFile),
          key: readFileSync(tls.keyFile),
          ca: tls.clientCaFile ? readFileSync(tls.clientCaFile) : undefined,
          requestCert: tls.clientCaFile !== undefined,
          rejectUnauthorized: tls.clientCaFile !== undefined,
        },
        listener
      )
    : createHttpServer(listener)
  const close = gracefulClose(server, CLOSE_GRACE_MS)
  // Requests in flight finish (the one that moved this listener gets its answer).
  return { url: await listen(server, admin.port, admin.host, tls !== undefined), close }
}
