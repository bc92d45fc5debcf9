// The composition root: turns a validated configuration into running listeners, and stops them.
import type { WeirConfig } from './config/index.ts'
import { createHttpApp } from './http/app.ts'
import { startHttpListener, type RunningHttpListener } from './http/http-listener.ts'
import { BackendClusters } from './kafka/backend-clusters.ts'
import type { Logger } from './observability/logger.ts'

export interface Gateway {
  listeners: RunningHttpListener[]
  /** Graceful: readiness fails first, in-flight work finishes, then connections close. */
  stop(): Promise<void>
}

export async function startGateway(config: WeirConfig, logger: Logger): Promise<Gateway> {
  const unsupported = config.listeners.find((l) => l.kind !== 'http')
  if (unsupported) {
    throw new Error(
      `listener "${unsupported.name}": kind "${unsupported.kind}" is not available in this version of Weir yet`
    )
  }

  const backends = new BackendClusters(config.backendClusters, logger)
  const inUse = [...new Set(config.virtualClusters.map((vc) => vc.backendCluster))]
  let accepting = true
  const readiness = {
    accepting: () => accepting,
    backendClusters: () => inUse,
    probe: (name: string) => backends.probe(name),
  }

  const listeners: RunningHttpListener[] = []
  try {
    for (const listener of config.listeners) {
      if (listener.kind !== 'http') continue
      const app = createHttpApp(listener, {
        readiness,
        logger: logger.child({ listener: listener.name }),
      })
      const running = await startHttpListener(listener, app)
      listeners.push(running)
      logger.info({ listener: listener.name, url: running.url }, 'http listener started')
    }
  } catch (err) {
    await Promise.allSettled(listeners.map((l) => l.close()))
    await backends.close()
    throw err
  }

  return {
    listeners,
    async stop() {
      accepting = false
      await Promise.allSettled(listeners.map((l) => l.close()))
      await backends.close()
      logger.info('gateway stopped')
    },
  }
}
