// A Kafka broker of a test's own, for tests that stop and restart it: the shared test broker must
// stay up for everyone else. It lives in .cache/stack/<name>-<pid>/ on ports the OS picked, and a
// restart reuses the same folder (so the topics and their records survive) and the same ports.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { startKafka, stopKafka, type KafkaPorts } from '../../scripts/local-stack/kafka.ts'
import { stacksDir } from '../../scripts/local-stack/paths.ts'
import { freePort } from '../../scripts/local-stack/ports.ts'
import { createTopicOn } from './kafka.ts'

export interface DedicatedKafka {
  bootstrap: string
  dir: string
  kafka(clientId?: string): Kafka
  createTopic(prefix: string, partitions?: number): Promise<string>
  /** Stops the broker cleanly (SIGTERM, as an operator's restart would). */
  stop(): Promise<void>
  /** Starts it again on the same folder and ports; resolves once it serves metadata. */
  start(): Promise<void>
  /**
   * Freezes the broker process (SIGSTOP): connections stay open, nothing answers. Returns once
   * every thread of it is stopped, so what the test does next meets a frozen broker.
   */
  pause(): void
  /** Lets a paused broker run again (SIGCONT). */
  resume(): void
  /** Stops it and deletes its folder. */
  destroy(): Promise<void>
}

export async function startDedicatedKafka(name: string): Promise<DedicatedKafka> {
  const dir = path.join(stacksDir, `${name}-${process.pid}`)
  const kafkaDir = path.join(dir, 'kafka')
  await stopKafka(kafkaDir) // a crashed earlier run with the same pid, however unlikely
  rmSync(dir, { recursive: true, force: true })
  const ports: KafkaPorts = {
    plaintext: await freePort(),
    sasl: await freePort(),
    ssl: await freePort(),
    controller: await freePort(),
  }
  const { bootstrap } = await startKafka(kafkaDir, ports)
  const pid = (): number | undefined => {
    const pidFile = path.join(kafkaDir, 'kafka.pid')
    return existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined
  }
  const signal = (name: NodeJS.Signals) => {
    const broker = pid()
    if (broker !== undefined) process.kill(broker, name)
  }
  const kafka = (clientId = 'weir-test') =>
    new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING })
  return {
    bootstrap,
    dir,
    kafka,
    createTopic: (prefix, partitions = 1) =>
      createTopicOn(kafka('weir-test-admin'), prefix, partitions),
    stop: () => stopKafka(kafkaDir),
    async start() {
      await startKafka(kafkaDir, ports)
    },
    pause: () => {
      const broker = pid()
      if (broker === undefined) throw new Error('the broker is not running: nothing to pause')
      process.kill(broker, 'SIGSTOP')
      waitUntilStopped(broker)
    },
    resume: () => signal('SIGCONT'),
    async destroy() {
      signal('SIGCONT') // a paused broker would not stop on SIGTERM
      await stopKafka(kafkaDir)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * SIGSTOP stops a process thread by thread; on a loaded machine a broker thread was seen answering
 * produce requests sent after pause() returned (a fail-fast test's "frozen" records acknowledged).
 * Waits (synchronously: pause() is) until /proc shows every thread stopped.
 */
function waitUntilStopped(pid: number, timeoutMs = 5_000): void {
  const tick = new Int32Array(new SharedArrayBuffer(4))
  const stopped = () =>
    readdirSync(`/proc/${pid}/task`).every((task) => {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8')
      // The state follows the command name, which is in parentheses and may hold spaces.
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
      return state === 'T' || state === 't'
    })
  for (const end = Date.now() + timeoutMs; !stopped();) {
    if (Date.now() > end) throw new Error(`broker ${pid} was sent SIGSTOP but has not stopped`)
    Atomics.wait(tick, 0, 0, 10)
  }
}
