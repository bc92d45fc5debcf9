// `weir start --role data-plane --workers N`: the data plane's primary pulls the configuration
// from the control plane (the agent, the cache, the status it reports) and runs it in N workers
// sharing every port, as a standalone primary runs its file; every change reaches every worker.
import type { DataPlaneRunner } from '../roles.ts'
import { listenerUrls, runOnWorkers } from './primary.ts'

export function onWorkers(count: number): DataPlaneRunner {
  return async (doc, logger, source) => {
    const { pool, store, metrics, readiness } = await runOnWorkers(doc, { count, logger, source })
    let accepting = true
    logger.info({ workers: count, pid: process.pid }, 'workers started')
    return {
      store,
      metrics,
      readiness: () => readiness(() => accepting),
      listeners: () => store.current.config.listeners.map((l) => l.name),
      urls: listenerUrls(doc.config),
      async stop() {
        accepting = false
        // Every worker drains with the same grace as a single process; the primary waits for all.
        return pool.drain()
      },
    }
  }
}
