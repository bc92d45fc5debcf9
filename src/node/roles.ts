// What `weir start` runs, by role:
// - standalone: the gateway, its admin API (when configured) and the watched config file;
// - control-plane: no public doors; the admin API holds the configuration, serves it to data
//   planes and shows what each one runs;
// - data-plane: the gateway, with its configuration pulled from a control plane.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { Agent } from 'undici'
import { hostname } from 'node:os'
import {
  loadConfigDocument,
  validateConfigObject,
  type ConfigDocument,
  type WeirConfig,
} from '../config/index.ts'
import { ConfigStore } from '../control/config-store.ts'
import { DataPlaneAgent } from '../control/data-plane-agent.ts'
import { DataPlanes } from '../control/data-planes.ts'
import { watchConfigFile, type FileWatch } from '../control/file-watch.ts'
import { persistAdminChanges, startingDocument } from '../control/state-file.ts'
import { checkRunnable, startGateway, type Gateway } from '../gateway.ts'
import { createLogger, type Logger } from '../observability/logger.ts'
import { routeProcessWarnings } from '../observability/process-warnings.ts'
import { nodeMetrics, type GatewayMetrics } from '../observability/metrics/gateway-metrics.ts'
import { metricsRoutes } from '../observability/metrics/metrics-routes.ts'
import type { ReadinessSource } from '../http/health.ts'
import { startAdminListener, type AdminListener } from './admin-listener.ts'
import {
  awaitingConfiguration,
  operationsListener,
  operationsUrls,
  type OperationsAddress,
  type OperationsListener,
} from './operations-listener.ts'

export interface RunningNode {
  logger: Logger
  /** Where clients and operators connect. */
  urls: string[]
  stop(): Promise<{ undelivered: number }>
}

export interface FileRoleOptions {
  file: string
  watch: boolean
  /** Where to serve /metrics, /healthz and /readyz besides the admin listener (--metrics-port). */
  operations?: OperationsAddress
}

export interface DataPlaneOptions {
  controlPlane: string
  /** Bearer token; optional when a client certificate identifies the data plane. */
  token?: string
  /** How long to wait for a first configuration when there is no cache (default 30 s). */
  bootDeadlineMs?: number
  /** TLS to the control plane: a CA to trust, and a client certificate for mTLS. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string }
  id?: string
  cacheFile?: string
  pollIntervalMs?: number
  /**
   * Ports this data plane binds its listeners to instead of the document's, by listener name:
   * every data plane receives the same document, so several on one host need their own ports.
   */
  listenerPorts?: Record<string, number>
  /** Where to serve /metrics, /healthz and /readyz (--metrics-port): a data plane's only way. */
  operations?: OperationsAddress
  /** What runs the configuration: the gateway in this process unless given (--workers). */
  run?: DataPlaneRunner
}

/** What /metrics serves: a node's registry, or one merged over workers. */
type MetricsText = Pick<GatewayMetrics, 'metrics' | 'contentType'>

/** A data plane's configuration, running: its store (fed by the agent), doors and metrics. */
export interface RunningConfig {
  store: ConfigStore
  readiness(): ReadinessSource
  /** Metrics for /metrics when not this process's own (workers: merged over them). */
  metrics?: MetricsText
  /** The listeners it runs, by name, for the control plane's view. */
  listeners(): string[]
  urls: string[]
  stop(): Promise<{ undelivered: number }>
}

export type DataPlaneRunner = (
  doc: ConfigDocument,
  logger: Logger,
  source: string
) => Promise<RunningConfig>

/** The gateway in this process, reloaded in place by every change. */
const inProcess: DataPlaneRunner = async (doc, logger, source) => {
  const gateway = await startGateway(doc.config, logger)
  const store = new ConfigStore(doc, {
    ...countedReloads({ apply: (next) => gateway.reload(next), check: checkRunnable }),
    logger,
    source,
  })
  observeConfig(store)
  return {
    store,
    readiness: () => gateway.readiness,
    listeners: () => [...gateway.listeners, ...gateway.kafkaListeners].map((l) => l.name),
    urls: gatewayUrls(gateway),
    stop: () => gateway.stop(),
  }
}

export function nodeLogger(config: WeirConfig | undefined): Logger {
  const logger = createLogger({ level: config?.logging.level ?? 'info' })
  routeProcessWarnings(logger)
  return logger
}

function gatewayUrls(gateway: Gateway): string[] {
  return [
    ...gateway.listeners.map((l) => l.url),
    ...gateway.kafkaListeners.map((l) => `kafka://${l.bootstrap}`),
  ]
}

/**
 * GET /metrics on the admin listener (no admin token; the optional scrape token of
 * `observability.metrics`), the config generation, and reload results.
 */
function observeConfig(store: ConfigStore): ReturnType<typeof metricsRoutes> {
  const metrics = nodeMetrics()
  metrics.configApplied(store.current.version.generation)
  store.onApplied(({ version }) => metrics.configApplied(version.generation))
  return metricsRoutes(metrics, () => store.current.config.observability.metrics)
}

/** Counts reload results: `check` refusing is a rejection, `apply` throwing a failure. */
export function countedReloads(options: {
  apply: (config: WeirConfig, raw: Record<string, unknown>) => Promise<unknown>
  check: (config: WeirConfig) => void
}): typeof options {
  const metrics = nodeMetrics()
  return {
    check(config) {
      try {
        options.check(config)
      } catch (err) {
        metrics.reload('rejected')
        throw err
      }
    },
    async apply(config, raw) {
      try {
        const result = await options.apply(config, raw)
        metrics.reload('applied')
        return result
      } catch (err) {
        metrics.reload('failed')
        throw err
      }
    },
  }
}

async function closeAll(watch: FileWatch | undefined, admin: AdminListener): Promise<void> {
  watch?.close()
  await admin.close()
}

export async function startStandalone(options: FileRoleOptions): Promise<RunningNode> {
  const fileDoc = await loadConfigDocument(options.file)
  const stateFile = fileDoc.config.admin?.stateFile
  const logger = nodeLogger(fileDoc.config)
  const { doc, source } = await startingDocument(fileDoc, stateFile, logger)
  const gateway = await startGateway(doc.config, logger, {
    configDir: path.dirname(path.resolve(options.file)),
  })
  const store = new ConfigStore(doc, {
    ...countedReloads({ apply: (config) => gateway.reload(config), check: checkRunnable }),
    logger,
    source: source === 'file' ? options.file : source,
  })
  const state = persistAdminChanges(store, stateFile, fileDoc, logger)
  const metrics = observeConfig(store)
  const admin = await startAdminListener({ store, logger, open: metrics })
  const operations = await operationsListener(
    options.operations,
    { metrics, readiness: () => gateway.readiness },
    logger
  )
  const watch = options.watch ? watchConfigFile(options.file, store, logger) : undefined
  return {
    logger,
    urls: [
      ...gatewayUrls(gateway),
      ...(admin.url ? [`admin ${admin.url}`] : []),
      ...operationsUrls(operations),
    ],
    async stop() {
      await closeAll(watch, admin)
      // An admin change applied just before the stop is on disk before the process ends.
      await state.saved()
      // Last: /readyz says "shutting down" while the gateway drains.
      const result = await gateway.stop()
      await operations?.close()
      return result
    },
  }
}

export async function startControlPlane(options: FileRoleOptions): Promise<RunningNode> {
  const fileDoc = await loadConfigDocument(options.file)
  if (fileDoc.config.admin === undefined) {
    throw new Error(`${options.file}: a control plane needs an "admin" section (its listener)`)
  }
  const stateFile = fileDoc.config.admin.stateFile
  const logger = nodeLogger(fileDoc.config)
  const { doc, source } = await startingDocument(fileDoc, stateFile, logger)
  checkRunnable(doc.config)
  // Nothing runs here: a document is applied once it validates (data planes run it). One without
  // an admin section would close the only way in, so it is refused.
  const check = (config: WeirConfig) => {
    if (config.admin === undefined) {
      throw new Error('a control plane needs an "admin" section (its listener)')
    }
    checkRunnable(config)
  }
  const store = new ConfigStore(doc, {
    apply: async () => undefined,
    check,
    logger,
    source: source === 'file' ? options.file : source,
  })
  const state = persistAdminChanges(store, stateFile, fileDoc, logger)
  const dataPlanes = new DataPlanes({ staleAfterMs: 3 * 15_000 })
  const metrics = observeConfig(store)
  const admin = await startAdminListener({ store, logger, dataPlanes, open: metrics })
  // No doors and no backends here: ready while it serves.
  let accepting = true
  const operations = await operationsListener(
    options.operations,
    {
      metrics,
      readiness: () => ({
        accepting: () => accepting,
        backendClusters: () => [],
        probe: () => Promise.resolve({ ok: false }),
      }),
    },
    logger
  )
  const watch = options.watch ? watchConfigFile(options.file, store, logger) : undefined
  return {
    logger,
    urls: [...(admin.url ? [`admin ${admin.url}`] : []), ...operationsUrls(operations)],
    async stop() {
      accepting = false
      await closeAll(watch, admin)
      await state.saved()
      await operations?.close()
      return { undelivered: 0 }
    },
  }
}

/** A dispatcher that trusts the given CA and presents the client certificate, if any. */
function controlPlaneTls(tls: DataPlaneOptions['tls']): RequestInit | undefined {
  if (tls?.caFile === undefined && tls?.certFile === undefined) return undefined
  const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file))
  const dispatcher = new Agent({
    connect: { ca: read(tls.caFile), cert: read(tls.certFile), key: read(tls.keyFile) },
  })
  return { dispatcher } as RequestInit
}

/** A data plane runs the document without the control plane's own admin section. */
function servedPart(raw: Record<string, unknown>): Record<string, unknown> {
  const { admin: _admin, ...rest } = raw
  return rest
}

/** The document as this data plane runs it: served part, with its own listener ports. */
function localized(
  raw: Record<string, unknown>,
  ports: Record<string, number> = {}
): Record<string, unknown> {
  const served = servedPart(raw)
  if (Object.keys(ports).length === 0 || !Array.isArray(served.listeners)) return served
  return {
    ...served,
    listeners: (served.listeners as unknown[]).map((listener) => {
      const name = (listener as { name?: unknown } | null)?.name
      return typeof name === 'string' && ports[name] !== undefined
        ? { ...(listener as object), port: ports[name] }
        : listener
    }),
  }
}

export async function startDataPlane(options: DataPlaneOptions): Promise<RunningNode> {
  const bootLogger = nodeLogger(undefined)
  // Up before the first configuration arrives: a data plane waiting for its control plane is
  // alive, visible to scrapers, and not ready.
  let running: RunningConfig | undefined
  const own = nodeMetrics()
  const metrics: MetricsText = {
    contentType: own.contentType,
    metrics: () => (running?.metrics ?? own).metrics(),
  }
  const waiting = awaitingConfiguration('the configuration from the control plane')
  const operations = await operationsListener(
    options.operations,
    {
      metrics: metricsRoutes(metrics, () => running?.store.current.config.observability.metrics),
      readiness: () => running?.readiness() ?? waiting,
    },
    bootLogger
  )
  try {
    return await runDataPlane(options, bootLogger, operations, (r) => (running = r))
  } catch (err) {
    await operations?.close()
    throw err
  }
}

async function runDataPlane(
  options: DataPlaneOptions,
  bootLogger: Logger,
  operations: OperationsListener | undefined,
  started: (running: RunningConfig) => void
): Promise<RunningNode> {
  const agent = new DataPlaneAgent({
    controlPlane: options.controlPlane.replace(/\/+$/, ''),
    token: options.token,
    id: options.id ?? `${hostname()}-${process.pid}`,
    cacheFile: options.cacheFile,
    intervalMs: options.pollIntervalMs,
    fetchInit: controlPlaneTls(options.tls),
    logger: bootLogger,
  })
  const fetched = await agent.initial(options.bootDeadlineMs)
  const first = localized(fetched.raw, options.listenerPorts)
  const config = validateConfigObject(first, `configuration from ${fetched.from}`)
  checkRunnable(config)
  const logger = nodeLogger(config)
  const doc: ConfigDocument = { raw: first, config }
  const running = await (options.run ?? inProcess)(doc, logger, fetched.from)
  const { store } = running
  started(running)
  agent.start(
    fetched,
    async (raw) => {
      await store.apply(localized(raw, options.listenerPorts), 'control-plane')
    },
    () => ({
      health: 'ok',
      generation: store.current.version.generation,
      listeners: running.listeners(),
    })
  )
  const named = new Set(config.listeners.map((l) => l.name))
  const unknown = Object.keys(options.listenerPorts ?? {}).filter((name) => !named.has(name))
  if (unknown.length > 0) {
    logger.warn({ listeners: unknown }, 'listener ports given for listeners the document lacks')
  }
  logger.info({ controlPlane: options.controlPlane, from: fetched.from }, 'data plane started')
  return {
    logger,
    urls: [...running.urls, ...operationsUrls(operations)],
    async stop() {
      agent.stop()
      // Last: /readyz says "shutting down" while the gateway drains.
      const result = await running.stop()
      await operations?.close()
      return result
    },
  }
}
