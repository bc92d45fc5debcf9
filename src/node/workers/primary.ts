// `weir start --workers N`: the primary of a standalone node. It loads and validates the
// configuration once, holds the admin API, the watched file and the operations listener, and
// runs the gateway in N worker processes that share every listening port. A change is validated
// here and sent to every worker, which applies the same generation; /metrics merges all workers.
import path from 'node:path'
import { loadConfigDocument, type ConfigDocument, type WeirConfig } from '../../config/index.ts'
import { ConfigStore } from '../../control/config-store.ts'
import { watchConfigFile } from '../../control/file-watch.ts'
import { persistAdminChanges, startingDocument } from '../../control/state-file.ts'
import { checkRunnable } from '../../gateway.ts'
import type { ReadinessSource } from '../../http/health.ts'
import { nodeMetrics } from '../../observability/metrics/gateway-metrics.ts'
import { metricsRoutes } from '../../observability/metrics/metrics-routes.ts'
import { startAdminListener } from '../admin-listener.ts'
import { operationsListener, operationsUrls } from '../operations-listener.ts'
import { countedReloads, nodeLogger, type FileRoleOptions, type RunningNode } from '../roles.ts'
import type { Logger } from '../../observability/logger.ts'
import { mergedMetrics, type MetricsText } from './merged-metrics.ts'
import { WorkerPool, type Running } from './worker-pool.ts'

/**
 * Workers share a port through a handle the primary binds per address and port: two listeners
 * on port 0 in one worker would get the same "random" port, so shared listeners need real ports.
 */
export function checkShareable(config: WeirConfig): void {
  const zero = config.listeners.filter((l) => l.port === 0).map((l) => `"${l.name}"`)
  if (zero.length > 0) {
    throw new Error(
      `listener ${zero.join(', ')}: port 0 cannot be shared by workers; give a port number`
    )
  }
}

function checkForWorkers(config: WeirConfig): void {
  checkRunnable(config)
  checkShareable(config)
}

/** Readiness of the node: ready once every worker runs the current generation. */
function poolReadiness(
  pool: WorkerPool,
  store: ConfigStore,
  accepting: () => boolean
): ReadinessSource {
  return {
    accepting,
    backendClusters: () => store.current.config.backendClusters.map((c) => c.name),
    // Any worker's probe answers: they reach the same clusters.
    probe: async (name) =>
      (await pool.ask({ kind: 'probe', backendCluster: name }))[0]?.value ?? {
        ok: false,
        error: 'no worker answered',
      },
    loading: () => {
      const generation = store.current.version.generation
      return pool
        .generations()
        .filter((w) => w.generation !== generation)
        .map((w) => `worker ${w.worker} (generation ${w.generation || 'starting'})`)
    },
  }
}

/** Where the workers' listeners are, as the primary knows them: from the configuration. */
export function listenerUrls(config: WeirConfig): string[] {
  return config.listeners.map((l) =>
    l.kind === 'kafka' ? `kafka://${l.host}:${l.port}` : `http://${l.host}:${l.port}`
  )
}

/** Workers running a configuration, and the store whose every change reaches all of them. */
export interface WorkersRunning {
  pool: WorkerPool
  store: ConfigStore
  /** The primary's metrics merged with every worker's. */
  metrics: MetricsText
  readiness(accepting: () => boolean): ReadinessSource
}

/**
 * Starts `count` workers on `doc` (checked for workers first) and the store that validates a
 * change here and sends it to every worker: what a standalone primary and a data plane's share.
 */
export async function runOnWorkers(
  doc: ConfigDocument,
  options: { count: number; configDir?: string; logger: Logger; source: string }
): Promise<WorkersRunning> {
  checkForWorkers(doc.config)
  // What a (re)started worker runs: the running document, kept in step with the store below.
  let latest: Running = { raw: doc.raw, generation: 1 }
  const { count, configDir, logger } = options
  const pool = new WorkerPool({ count, configDir, logger, current: () => latest })
  try {
    await pool.start()
  } catch (err) {
    await pool.drain()
    throw err
  }
  const store: ConfigStore = new ConfigStore(doc, {
    ...countedReloads({
      // `raw` is the document as the store validated it; the generation is the next one.
      apply: (_config, raw) =>
        pool.apply({ raw, generation: store.current.version.generation + 1 }),
      check: checkForWorkers,
    }),
    logger: options.logger,
    source: options.source,
  })
  store.onApplied(({ raw, version }) => {
    latest = { raw, generation: version.generation }
    pool.catchUp()
  })
  const primaryMetrics = nodeMetrics()
  primaryMetrics.configApplied(store.current.version.generation)
  store.onApplied(({ version }) => primaryMetrics.configApplied(version.generation))
  return {
    pool,
    store,
    metrics: mergedMetrics(primaryMetrics, pool),
    readiness: (accepting) => poolReadiness(pool, store, accepting),
  }
}

export async function startPrimary(
  options: FileRoleOptions & { workers: number }
): Promise<RunningNode> {
  const fileDoc = await loadConfigDocument(options.file)
  const stateFile = fileDoc.config.admin?.stateFile
  const logger = nodeLogger(fileDoc.config)
  const { doc, source } = await startingDocument(fileDoc, stateFile, logger)
  let accepting = true
  const {
    pool,
    store,
    metrics: merged,
    readiness,
  } = await runOnWorkers(doc, {
    count: options.workers,
    configDir: path.dirname(path.resolve(options.file)),
    logger,
    source: source === 'file' ? options.file : source,
  })
  const state = persistAdminChanges(store, stateFile, fileDoc, logger)
  const metrics = metricsRoutes(merged, () => store.current.config.observability.metrics)
  const admin = await startAdminListener({ store, logger, open: metrics })
  const operations = await operationsListener(
    options.operations,
    {
      metrics,
      readiness: () => readiness(() => accepting),
    },
    logger
  )
  const watch = options.watch ? watchConfigFile(options.file, store, logger) : undefined
  logger.info({ workers: options.workers, pid: process.pid }, 'workers started')
  return {
    logger,
    urls: [
      ...listenerUrls(doc.config),
      ...(admin.url ? [`admin ${admin.url}`] : []),
      ...operationsUrls(operations),
    ],
    async stop() {
      accepting = false
      watch?.close()
      await admin.close()
      await state.saved()
      // Every worker drains with the same grace as a single process; the primary waits for all.
      const result = await pool.drain()
      await operations?.close()
      return result
    },
  }
}
