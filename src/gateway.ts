// The composition root: turns a validated configuration into running listeners over one set of
// shared services, reloads it live (see control/reload-plan.ts for what each change touches), and stops it.
import type { ListenerConfig, WeirConfig } from './config/index.ts'
import { planReload, type ReloadPlan } from './control/reload-plan.ts'
import type { ReadinessSource } from './http/health.ts'
import type { Logger } from './observability/logger.ts'
import { PolicyEngine } from './policy/index.ts'
import { buildServices, type Services } from './runtime/services.ts'
import { startHttpRuntime, type HttpRuntime } from './runtime/http-runtime.ts'
import {
  checkKafkaListeners,
  startKafkaRuntime,
  type KafkaRuntime,
} from './runtime/kafka-runtime.ts'

export interface ReloadResult {
  plan: ReloadPlan
  /** Listeners that failed to start again (each keeps trying nothing: the error says why). */
  failed: { listener: string; error: string }[]
}

export interface Gateway {
  /** The http listeners running now. */
  readonly listeners: readonly HttpRuntime[]
  /** The Kafka listeners running now. */
  readonly kafkaListeners: readonly KafkaRuntime[]
  /** The configuration being served. */
  readonly config: WeirConfig
  /** What /readyz answers from (the services in use now, across restarts of every door). */
  readonly readiness: ReadinessSource
  /** Stream sessions and consumers of this node. */
  streamStats(): ReturnType<Services['streamService']['stats']>
  /**
   * Takes a new, validated configuration. Throws, changing nothing, when it cannot be applied
   * (policies that do not compile, a Kafka listener with policies it cannot enforce).
   */
  reload(next: WeirConfig): Promise<ReloadResult>
  /**
   * Graceful: readiness fails first, in-flight work finishes, buffers drain, then connections
   * close. Resolves with the number of accepted records that could not be delivered in time.
   */
  stop(): Promise<{ undelivered: number }>
}

export interface GatewayOptions {
  /** Where relative file paths in the config (schema files) start: the config file's folder. */
  configDir?: string
}

type Runtime = HttpRuntime | KafkaRuntime

/** Whether a config can run at all, before anything is started or replaced. Throws if not. */
export function checkRunnable(config: WeirConfig): void {
  checkKafkaListeners(config)
  // Key material (JWT keys, password hashes) is only parsed when the engine compiles it.
  new PolicyEngine(config)
}

export async function startGateway(
  initial: WeirConfig,
  logger: Logger,
  options: GatewayOptions = {}
): Promise<Gateway> {
  checkKafkaListeners(initial)
  let accepting = true
  const servicesOptions = { configDir: options.configDir, accepting: () => accepting }
  let config = initial
  let services = buildServices(config, logger, servicesOptions)
  const runtimes = new Map<string, Runtime>()
  /** Reloads run one at a time, in the order they were asked for. */
  let reloading: Promise<unknown> = Promise.resolve()

  const start = async (listener: ListenerConfig): Promise<Runtime> => {
    const runtime =
      listener.kind === 'kafka'
        ? await startKafkaRuntime(listener, config, services, logger)
        : await startHttpRuntime(listener, config, services, logger)
    runtimes.set(listener.name, runtime)
    if (runtime.kind === 'kafka') {
      logger.info(
        { listener: listener.name, bootstrap: runtime.bootstrap },
        'kafka listener started'
      )
    } else {
      logger.info({ listener: listener.name, url: runtime.url }, 'http listener started')
    }
    return runtime
  }
  const stopRuntime = async (runtime: Runtime): Promise<void> => {
    runtimes.delete(runtime.name)
    if (runtime.kind === 'http') runtime.closeStreams()
    await runtime.close()
  }

  try {
    for (const listener of config.listeners) await start(listener)
  } catch (err) {
    await Promise.allSettled([...runtimes.values()].map(stopRuntime))
    await services.stop()
    throw err
  }

  const apply = async (next: WeirConfig): Promise<ReloadResult> => {
    checkRunnable(next)
    const plan = planReload(config, next)
    const failed: ReloadResult['failed'] = []
    if (plan.unchanged) return { plan, failed }
    const previous = config
    if (plan.logging) logger.level = next.logging.level
    if (plan.restartAll !== undefined) {
      // Every door shares the services: stop them all, retire them, and start again on new ones.
      await Promise.allSettled([...runtimes.values()].map(stopRuntime))
      await services.stop()
      config = next
      services = buildServices(next, logger, {
        ...servicesOptions,
        previousPolicies: services.policies,
      })
      for (const listener of next.listeners) {
        await start(listener).catch((err: unknown) =>
          failed.push({ listener: listener.name, error: (err as Error).message })
        )
      }
      return { plan, failed }
    }
    services.update(next)
    config = next
    for (const action of plan.listeners) {
      const old = runtimes.get(action.listener)
      const listener = next.listeners.find((l) => l.name === action.listener)
      try {
        if (action.kind === 'update' && old?.kind === 'http' && listener?.kind === 'http') {
          old.update(listener, next)
          continue
        }
        if (action.kind === 'update' && old?.kind === 'kafka' && listener?.kind === 'kafka') {
          // A virtual cluster that cannot join keeps the others serving: reported, not restored.
          for (const { virtualCluster, error } of await old.update(listener, next)) {
            failed.push({
              listener: action.listener,
              error: `virtual cluster "${virtualCluster}": ${error}`,
            })
          }
          continue
        }
        if (old !== undefined) await stopRuntime(old)
        if (listener !== undefined && action.kind !== 'stop') await start(listener)
      } catch (err) {
        failed.push({ listener: action.listener, error: (err as Error).message })
        // A listener that cannot start on its new settings comes back on its old ones.
        const before = previous.listeners.find((l) => l.name === action.listener)
        if (before !== undefined && !runtimes.has(action.listener)) {
          const restored = { ...next, listeners: [before] }
          await (
            before.kind === 'kafka'
              ? startKafkaRuntime(before, restored, services, logger)
              : startHttpRuntime(before, restored, services, logger)
          ).then(
            (runtime) => runtimes.set(before.name, runtime),
            (e: unknown) => logger.error({ err: e, listener: before.name }, 'listener not restored')
          )
        }
      }
    }
    return { plan, failed }
  }

  const kinds = <K extends Runtime['kind']>(kind: K) =>
    [...runtimes.values()].filter((r): r is Extract<Runtime, { kind: K }> => r.kind === kind)

  return {
    get listeners() {
      return kinds('http')
    },
    get kafkaListeners() {
      return kinds('kafka')
    },
    get config() {
      return config
    },
    readiness: {
      accepting: () => services.readiness.accepting(),
      backendClusters: () => services.readiness.backendClusters(),
      probe: (name) => services.readiness.probe(name),
      loading: () => services.readiness.loading?.() ?? [],
    },
    streamStats: () => services.streamService.stats(),
    reload(next) {
      const result = reloading.then(() => apply(next))
      reloading = result.catch(() => undefined)
      return result
    },
    async stop() {
      accepting = false
      const graceMs = config.shutdownGraceMs
      const deadline = Date.now() + graceMs
      const stopping = (async () => {
        await reloading
        // Requests still arriving on open keep-alive connections must not be taken from here on.
        services.stopAccepting()
        // Streams never finish by themselves: end them before waiting for requests to finish.
        const all = [...runtimes.values()]
        for (const runtime of all) if (runtime.kind === 'http') runtime.closeStreams()
        const streamsClosed = services.streamService.close()
        await Promise.allSettled(all.map(stopRuntime))
        await streamsClosed
        return services.stop(deadline)
      })()
      // kafkajs may be retrying sends or connects for longer than anyone can wait: the grace
      // period bounds the whole stop, and what is still running then is abandoned.
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), graceMs)
      })
      const result = await Promise.race([stopping, late]).finally(() => clearTimeout(timer))
      if (result === undefined) {
        const undelivered = services.buffered()
        logger.error(
          { shutdownGraceMs: graceMs, undelivered },
          'shutdown grace period passed: stopping with work unfinished'
        )
        return { undelivered }
      }
      logger.info('gateway stopped')
      return result
    },
  }
}
