// The broker (and registry) the scenarios run against: the ones named in WEIR_BENCH_BOOTSTRAP and
// WEIR_BENCH_REGISTRY, or a fresh local stack started here. What this starts, it stops, also when
// the run fails, is interrupted, or crashes: the stack's processes are detached and would outlive us.
import path from 'node:path'
import { stacksDir } from '../scripts/local-stack/paths.ts'
import { randomPorts, startStack, stopStack } from '../scripts/local-stack/stack.ts'

export interface Infra {
  bootstrap: string
  registryUrl?: string
  /** The broker address when it was given rather than started. */
  externalBroker?: string
  /** Stops whatever was started; safe to call more than once. */
  release(): Promise<void>
}

export const benchStackDir = path.join(stacksDir, 'bench')

/**
 * Stops the stack on a signal or crash, then exits with the conventional code. A second Ctrl-C
 * while the broker shuts down waits for the same stop instead of killing us half-way through it.
 */
function guard(stop: () => Promise<void>, log: (m: string) => void): () => void {
  let exiting = false
  const exitAfterStop = (code: number) => () => {
    if (exiting) return
    exiting = true
    log('interrupted; stopping the stack')
    void stop().finally(() => process.exit(code))
  }
  const onInt = exitAfterStop(130)
  const onTerm = exitAfterStop(143)
  const onCrash = (err: unknown): void => {
    console.error(err)
    exitAfterStop(1)()
  }
  process.on('SIGINT', onInt)
  process.on('SIGTERM', onTerm)
  process.on('uncaughtException', onCrash)
  process.on('unhandledRejection', onCrash)
  return () => {
    process.off('SIGINT', onInt)
    process.off('SIGTERM', onTerm)
    process.off('uncaughtException', onCrash)
    process.off('unhandledRejection', onCrash)
  }
}

export async function acquireInfra(
  needs: { registry: boolean },
  log: (m: string) => void
): Promise<Infra> {
  const givenBroker = process.env.WEIR_BENCH_BOOTSTRAP || undefined
  const givenRegistry = process.env.WEIR_BENCH_REGISTRY || undefined
  const services = { kafka: !givenBroker, registry: needs.registry && !givenRegistry }
  if (!services.kafka && !services.registry) {
    return {
      bootstrap: givenBroker ?? '',
      registryUrl: givenRegistry,
      externalBroker: givenBroker,
      release: async () => {},
    }
  }

  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => (stopping ??= stopStack(benchStackDir))
  // Guarded from before the start, so an interrupt while the broker boots does not orphan it.
  const unguard = guard(stop, log)
  const release = async (): Promise<void> => {
    log('stopping the stack')
    await stop()
    unguard()
  }
  try {
    log(`starting ${services.registry ? 'Kafka and the registry' : 'Kafka'} in ${benchStackDir}`)
    const info = await startStack({
      dir: benchStackDir,
      ports: await randomPorts(),
      fresh: true,
      services,
    })
    const bootstrap = givenBroker ?? info.bootstrap
    if (!bootstrap) throw new Error('the stack started without a broker address')
    return {
      bootstrap,
      registryUrl: givenRegistry ?? info.registryUrl,
      externalBroker: givenBroker,
      release,
    }
  } catch (err) {
    await release()
    throw err
  }
}
