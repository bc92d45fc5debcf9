// A worker process of `weir start --workers N`: runs the gateway on the configuration the primary
// sends, applies every change it sends (same generation on every worker), answers its questions
// (metrics, backend probes), and drains when told to, or when the primary is gone.
import cluster from 'node:cluster'
import { validateConfigObject } from '../../config/index.ts'
import { startGateway, type Gateway } from '../../gateway.ts'
import { createLogger, type Logger } from '../../observability/logger.ts'
import { nodeMetrics } from '../../observability/metrics/gateway-metrics.ts'
import { routeProcessWarnings } from '../../observability/process-warnings.ts'
import { isWeirMessage, type FromWorker, type Question, type ToWorker } from './messages.ts'

const send = (message: FromWorker) => process.send?.(message)

async function answer(gateway: Gateway, question: Question): Promise<unknown> {
  if (question.kind === 'metrics') return nodeMetrics().registry.getMetricsAsJSON()
  return gateway.readiness.probe(question.backendCluster)
}

/** Runs until drained; resolves with the exit code. */
export function runWorker(): Promise<number> {
  // Signals are the primary's to handle (a Ctrl-C reaches the whole process group): a worker
  // drains when the primary says so.
  process.on('SIGINT', () => undefined)
  process.on('SIGTERM', () => undefined)
  // The slot (0..N-1) the primary restarts it in, as its logs and metrics name it.
  const workerId = Number(process.env.WEIR_WORKER_SLOT ?? cluster.worker?.id)
  return new Promise((resolve) => {
    let gateway: Gateway | undefined
    let logger: Logger | undefined
    let generation = 0
    let draining: Promise<void> | undefined
    const drain = () => {
      draining ??= (async () => {
        const result = (await gateway?.stop()) ?? { undelivered: 0 }
        logger?.info({ worker: workerId, ...result }, 'worker drained')
        send({ type: 'weir:drained', undelivered: result.undelivered })
        resolve(result.undelivered > 0 ? 1 : 0)
      })()
    }
    // The primary is gone (killed): nothing will tell this worker to stop, so it drains now.
    process.on('disconnect', drain)
    process.on('message', (message: unknown) => {
      if (!isWeirMessage(message)) return
      const m = message as ToWorker
      if (m.type === 'weir:run') {
        const config = validateConfigObject(m.raw, 'configuration from the primary')
        logger = createLogger({ level: config.logging.level }).child({ worker: workerId })
        routeProcessWarnings(logger)
        startGateway(config, logger, { configDir: m.configDir }).then(
          (started) => {
            gateway = started
            generation = m.generation
            send({ type: 'weir:running', generation })
          },
          (err: unknown) => {
            send({ type: 'weir:start-failed', error: (err as Error).message })
            resolve(1)
          }
        )
      } else if (m.type === 'weir:apply' && gateway !== undefined) {
        const running = gateway
        Promise.resolve()
          .then(() => running.reload(validateConfigObject(m.raw, 'candidate')))
          .then(
            (result) => {
              generation = m.generation
              logger?.info({ generation }, 'worker applied the configuration')
              send({ type: 'weir:applied', id: m.id, generation, result })
            },
            (err: unknown) =>
              send({ type: 'weir:applied', id: m.id, generation, error: (err as Error).message })
          )
      } else if (m.type === 'weir:ask' && gateway !== undefined) {
        answer(gateway, m.question).then(
          (value) => send({ type: 'weir:answer', id: m.id, value }),
          (err: unknown) => send({ type: 'weir:answer', id: m.id, error: (err as Error).message })
        )
      } else if (m.type === 'weir:drain') {
        drain()
      }
    })
  })
}
