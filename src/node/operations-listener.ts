// The operations listener: GET /metrics, /healthz and /readyz of this node on an address of its
// own, for any role. A data plane has no admin listener (its document comes without `admin:`),
// so this is how it is scraped and probed. It serves the same handlers as the admin and http
// listeners, without authentication: bind it to a private interface.
import { createServer } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import { Hono } from 'hono'
import { healthRoutes, type ReadinessSource } from '../http/health.ts'
import { gracefulClose, listen } from '../http/server-lifecycle.ts'
import type { Logger } from '../observability/logger.ts'

export interface OperationsAddress {
  host: string
  port: number
}

export interface OperationsListener {
  readonly url: string
  close(): Promise<void>
}

const CLOSE_GRACE_MS = 2000

/** Readiness before the gateway runs: alive, not ready (a data plane awaiting its config). */
export function awaitingConfiguration(what: string): ReadinessSource {
  return {
    accepting: () => true,
    backendClusters: () => [],
    probe: () => Promise.resolve({ ok: false }),
    loading: () => [what],
  }
}

/**
 * Starts the listener. `readiness` is asked on every /readyz, so it may change (the gateway
 * starting once a configuration arrived); `metrics` are the node's metrics routes.
 */
export async function startOperationsListener(
  address: OperationsAddress,
  routes: { metrics: Hono; readiness: () => ReadinessSource }
): Promise<OperationsListener> {
  const app = new Hono()
  app.route('/', routes.metrics)
  app.route(
    '/',
    healthRoutes({
      accepting: () => routes.readiness().accepting(),
      backendClusters: () => routes.readiness().backendClusters(),
      probe: (name) => routes.readiness().probe(name),
      loading: () => routes.readiness().loading?.() ?? [],
    })
  )
  const server = createServer(getRequestListener(app.fetch))
  const close = gracefulClose(server, CLOSE_GRACE_MS)
  const url = await listen(server, address.port, address.host, false)
  return { url, close }
}

/** Starts the operations listener when an address is given, and says where it is. */
export async function operationsListener(
  address: OperationsAddress | undefined,
  routes: Parameters<typeof startOperationsListener>[1],
  logger: Logger
): Promise<OperationsListener | undefined> {
  if (address === undefined) return undefined
  const listener = await startOperationsListener(address, routes)
  logger.info({ url: listener.url }, 'operations listener started (/metrics, /healthz, /readyz)')
  return listener
}

/** How `weir start` lists it among the node's addresses. */
export const operationsUrls = (listener: OperationsListener | undefined) =>
  listener ? [`operations ${listener.url}`] : []
