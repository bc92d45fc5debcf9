// `weir start --workers 2` as an operator runs it: one port served by both workers, /metrics summed
// over them, a reload that reaches both, a killed worker replaced, and SIGTERM draining every
// worker with no accepted record lost.
import { writeFileSync } from 'node:fs'
import { Kafka, logLevel } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { freePort } from '../../../scripts/local-stack/ports.ts'
import { createTopic, stack, testKafka } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'
import { idSource, postEvents, readTopicIds, type Attempt } from '../../support/load.ts'
import { startWeir, type LogLine } from '../../support/weir-process.ts'
import { drainedWorkers, produceFromFourClients } from './workers-clients.ts'

function weirConfig(routes: { path: string; topic: string }[], kafkaPort?: number): string {
  return `backendClusters:
  - name: main
    bootstrapServers: ${stack().bootstrap}
    producer: { lingerMs: 5, maxBatchRecords: 20 }
virtualClusters:
  - name: vc
    backendCluster: main
listeners:
  - name: public
    kind: http
    port: \${PORT}
    routes:
${routes.map((r) => `      - { path: ${r.path}, virtualCluster: vc, topic: ${r.topic}, delivery: { mode: async } }`).join('\n')}
${kafkaPort === undefined ? '' : `  - { name: kafka, kind: kafka, virtualCluster: vc, port: ${kafkaPort} }`}
`
}

async function startWorkers(yaml: string) {
  const metricsPort = await freePort()
  const weir = await startWeir({
    yaml,
    args: ['--workers', '2', '--metrics-port', String(metricsPort)],
  })
  // /healthz answers as soon as one worker listens; "weir started" once both run.
  await weir.waitForLog((l) => l.msg === 'weir started', 20_000)
  const metrics = async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
    return res.text()
  }
  return { ...weir, metrics }
}

/** The values of `name` in a Prometheus text, by their label text. */
function samples(text: string, name: string): Map<string, number> {
  const found = new Map<string, number>()
  for (const match of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))) {
    found.set(match[1] ?? '', Number(match[2]))
  }
  return found
}
const total = (values: Map<string, number>) => [...values.values()].reduce((a, b) => a + b, 0)

/** `count` requests of one event, `concurrency` at a time (several connections). */
async function post(url: string, count: number, nextId: () => string): Promise<Attempt[]> {
  const attempts: Attempt[] = []
  let next = 0
  const client = async () => {
    while (next++ < count) {
      attempts.push(await postEvents(url, [nextId()], { batch: false, timeoutMs: 10_000 }))
    }
  }
  await Promise.all(Array.from({ length: 8 }, client))
  return attempts
}
const statuses = (attempts: Attempt[]) => attempts.map((a) => a.status)
const running = (worker: number) => (l: LogLine) =>
  l.msg === 'worker running' && l.worker === worker

describe('weir start --workers 2', () => {
  it('serves one port from both workers, sums /metrics over them, and reloads both', async () => {
    const [first, second] = [await createTopic('workers-a', 2), await createTopic('workers-b', 2)]
    const weir = await startWorkers(weirConfig([{ path: '/a', topic: first }]))
    const nextId = idSource('workers')
    const attempts = await post(`${weir.url}/a`, 40, nextId)
    expect(new Set(statuses(attempts)), weir.tail()).toEqual(new Set([202]))

    const text = await weir.metrics()
    const perWorker = samples(text, 'weir_worker_requests')
    expect(perWorker.get('{worker="0"}'), text).toBeGreaterThan(0)
    expect(perWorker.get('{worker="1"}'), text).toBeGreaterThan(0)
    expect(total(samples(text, 'weir_requests_total')), text).toBe(40)

    writeFileSync(
      weir.file as string,
      weirConfig([
        { path: '/a', topic: first },
        { path: '/b', topic: second },
      ])
    )
    await weir.waitForLog((l) => l.msg === 'configuration applied', 20_000)
    const generations = samples(await weir.metrics(), 'weir_worker_config_generation')
    expect(Object.fromEntries(generations)).toEqual({ '{worker="0"}': 2, '{worker="1"}': 2 })
    // A worker left on the old generation would answer 404 for the new route.
    expect(new Set(statuses(await post(`${weir.url}/b`, 24, nextId)))).toEqual(new Set([202]))
  })

  it('serves the Kafka listener bootstrap and broker ports from both workers', async () => {
    const topic = await createTopic('workers-kafka', 2)
    const kafkaPort = await freePortRange(3)
    const weir = await startWorkers(weirConfig([{ path: '/a', topic }], kafkaPort))
    const kafka = new Kafka({
      clientId: 'workers',
      brokers: [`127.0.0.1:${kafkaPort}`],
      logLevel: logLevel.NOTHING,
    })
    // Four clients, each with its own bootstrap and broker connections: round-robin spreads them.
    await produceFromFourClients(kafka, topic, 'from')
    const values = (await readTopicIds(testKafka(), topic)).length
    expect(values).toBe(4)
    const perWorker = samples(await weir.metrics(), 'weir_worker_requests')
    expect(perWorker.get('{worker="0"}'), weir.tail()).toBeGreaterThan(0)
    expect(perWorker.get('{worker="1"}'), weir.tail()).toBeGreaterThan(0)
  })

  it('replaces a worker that dies, and keeps serving', async () => {
    const topic = await createTopic('workers-kill', 2)
    const weir = await startWorkers(weirConfig([{ path: '/a', topic }]))
    const victim = (await weir.waitForLog(running(1), 1000)).pid as number
    process.kill(victim, 'SIGKILL')
    await weir.waitForLog((l) => l.msg === 'worker died unexpectedly: restarting it', 10_000)
    const replaced = await weir.waitForLog((l) => running(1)(l) && l.pid !== victim, 20_000)
    expect(replaced.generation).toBe(1)
    const attempts = await post(`${weir.url}/a`, 24, idSource('workers-kill'))
    expect(new Set(statuses(attempts)), weir.tail()).toEqual(new Set([202]))
    const perWorker = samples(await weir.metrics(), 'weir_worker_requests')
    expect(perWorker.get('{worker="1"}')).toBeGreaterThan(0)
  })

  it('drains every worker on SIGTERM: exits 0 and every 202 is in the topic', async () => {
    const topic = await createTopic('workers-drain', 3)
    const weir = await startWorkers(weirConfig([{ path: '/a', topic }]))
    const url = `${weir.url}/a`
    const nextId = idSource('workers-drain')
    const attempts: Attempt[] = []
    const client = async () => {
      for (;;) {
        const attempt = await postEvents(url, [nextId(), nextId()], {
          batch: true,
          timeoutMs: 10_000,
        })
        attempts.push(attempt)
        if (attempts.length === 100) weir.child.kill('SIGTERM')
        if (attempt.status !== 202) return
      }
    }
    await Promise.all(Array.from({ length: 8 }, client))
    expect(await weir.exited, weir.tail()).toBe(0)
    expect(drainedWorkers(weir.logs)).toEqual([0, 1])

    const inTopic = new Set(await readTopicIds(testKafka(), topic))
    const accepted = attempts.filter((a) => a.status === 202)
    expect(accepted.length).toBeGreaterThanOrEqual(100)
    const lost = accepted.flatMap((a) => a.ids.filter((id) => !inTopic.has(id)))
    expect(lost).toEqual([])
  })
})
