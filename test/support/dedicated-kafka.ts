// A Kafka broker of a test's own, for tests that stop and restart it: the shared test broker must
// stay up for everyone else. It lives in .cache/stack/<name>-<pid>/ on ports the OS picked, and a
// restart reuses the same folder (so the topics and their records survive) and the same ports.
import { existsSync, readFileSync, rmSync } from 'node:fs'
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
  /** Freezes the broker process (SIGSTOP): connections stay open, nothing answers. */
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
  const signal = (name: NodeJS.Signals) => {
    const pidFile = path.join(kafkaDir, 'kafka.pid')
    if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8')), name)
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
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    async destroy() {
      signal('SIGCONT') // a paused broker would not stop on SIGTERM
      await stopKafka(kafkaDir)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
