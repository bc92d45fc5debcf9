// What the workers tests do to see work spread over `weir start --workers N`: clients with
// connections of their own (node:cluster hands a port's connections to the workers in turn),
// and the workers that said they drained on SIGTERM.
import type { Kafka } from 'kafkajs'
import type { LogLine } from '../../support/weir-process.ts'

/** Four producers of `kafka`, each on its own connections, each producing `${tag}-${i}`. */
export async function produceFromFourClients(kafka: Kafka, topic: string, tag: string) {
  const producers = Array.from({ length: 4 }, () => kafka.producer())
  try {
    await Promise.all(
      producers.map(async (producer, i) => {
        await producer.connect()
        await producer.send({ topic, messages: [{ value: `${tag}-${i}` }] })
      })
    )
  } finally {
    await Promise.all(producers.map((p) => p.disconnect()))
  }
}

/** The workers that logged `worker drained`, in order. */
export function drainedWorkers(logs: readonly LogLine[]): unknown[] {
  return logs
    .filter((l) => l.msg === 'worker drained')
    .map((l) => l.worker)
    .sort()
}
