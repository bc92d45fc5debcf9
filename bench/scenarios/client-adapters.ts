// The two Kafka client libraries Weir can use (backendClusters[].client) side by side, interleaved
// in one run: the library straight to the broker (the direct-produce load), Weir's client port
// as a producer lane uses it (idempotent, acks=all, one batch in flight), and HTTP produce through
// Weir on each. Every @platformatic/kafka figure is a ratio to the kafkajs one of the same run.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Producer, ProduceAcks } from '@platformatic/kafka'
import { Partitioners } from 'kafkajs'
import { BackendCluster } from '../../src/config/schema/clusters.ts'
import { kafkaJsClient } from '../../src/kafka/kafkajs/client.ts'
import { platformaticClient } from '../../src/kafka/platformatic/client.ts'
import type { OutgoingRecord } from '../../src/kafka/producer/record.ts'
import { createLogger } from '../../src/observability/logger.ts'
import { benchKafka, benchPartitions, freshTopic, recordsIn } from '../kafka.ts'
import { drive, type LoadPlan } from '../load.ts'
import { figureId, type BenchContext, type Figure, type Scenario } from '../scenario.ts'
import { producePlan, recordBytes, warmUpPlan } from './direct-produce.ts'
import { chosenVariants, variants } from './http-events.ts'
import { measureVariant, type HttpTarget } from './http-measure.ts'
import { startWeir, weirConfig } from './http-produce.ts'

const name = 'client-adapters'
const libraries = ['kafkajs', 'platformatic'] as const
type Library = (typeof libraries)[number]
/** Each path is measured this many times per library, the libraries alternating. */
const rounds = 2

/** What a lane of Weir's producer pool does: one batch of 500 in flight, acks=all, idempotent. */
const lanePlan: LoadPlan = { ...producePlan, inFlight: 1 }

type Send = (count: number) => Promise<void>

/** The library's own producer, as direct-produce drives kafkajs: acks=all, not idempotent. */
async function directSender(ctx: BenchContext, library: Library, topic: string) {
  const value = randomBytes(recordBytes)
  if (library === 'kafkajs') {
    const producer = benchKafka(ctx, 'weir-bench-adapters').producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    })
    await producer.connect()
    const send: Send = async (count) => {
      const messages = Array.from({ length: count }, () => ({ value }))
      await producer.send({ topic, acks: -1, messages })
    }
    return { send, close: () => producer.disconnect() }
  }
  const producer = new Producer({
    clientId: 'weir-bench-adapters',
    bootstrapBrokers: [ctx.bootstrap],
  })
  const send: Send = async (count) => {
    const messages = Array.from({ length: count }, () => ({ topic, value }))
    await producer.send({ messages, acks: ProduceAcks.ALL })
  }
  return { send, close: () => producer.close(true) }
}

/** Weir's client port on `library`, as a producer lane sends. */
async function portSender(ctx: BenchContext, library: Library, topic: string) {
  const cluster = BackendCluster.parse({
    name: 'bench',
    bootstrapServers: ctx.bootstrap,
    client: library,
  })
  const client = (library === 'kafkajs' ? kafkaJsClient : platformaticClient)(
    cluster,
    createLogger({ level: 'warn', pretty: false })
  )
  const producer = client.producer({ idempotent: true, retries: 5, retryBackoffMs: 100 })
  await producer.connect()
  const value = randomBytes(recordBytes)
  const send: Send = async (count) => {
    const records = Array.from({ length: count }, (): OutgoingRecord => ({
      topic,
      key: null,
      value,
      headers: {},
    }))
    await producer.send(records, { acks: 'all', compression: 'none' })
  }
  return { send, close: () => producer.disconnect() }
}

interface Totals {
  records: number
  seconds: number
  cpuMicros: number
}

/** Warms up and measures one path on a fresh topic; adds to `totals`. */
async function measureSends(
  ctx: BenchContext,
  label: string,
  plan: LoadPlan,
  open: (topic: string) => Promise<{ send: Send; close: () => Promise<void> }>,
  totals: Totals
): Promise<void> {
  const kafka = benchKafka(ctx, 'weir-bench-adapters-admin')
  const { topic, remove } = await freshTopic(kafka, `${name}`)
  const sender = await open(topic)
  try {
    ctx.log(`${label}: warming up on ${topic}`)
    const warm = await drive({ ...warmUpPlan, inFlight: plan.inFlight }, sender.send)
    const before = process.cpuUsage()
    const result = await drive(plan, sender.send)
    const cpu = process.cpuUsage(before)
    // A fast path that lost records measured nothing: every acknowledged record is in the topic.
    const landed = await recordsIn(kafka, topic)
    if (landed < warm.records + result.records) {
      ctx.problem(
        `${label}: ${warm.records + result.records} records acknowledged, ${landed} in ${topic}`
      )
    }
    ctx.log(`${label}: ${Math.round(result.records / (result.elapsedMs / 1000))} records/s`)
    totals.records += result.records
    totals.seconds += result.elapsedMs / 1000
    totals.cpuMicros += cpu.user + cpu.system
  } finally {
    await sender.close()
    await remove().catch((err: unknown) => ctx.log(`could not delete ${topic}: ${String(err)}`))
  }
}

/** Throughput and client CPU per record of `path` on each library, platformatic as a ratio. */
function sendFigures(pathName: string, totals: Record<Library, Totals>): Figure[] {
  const id = (library: Library, what: string) => `${pathName} ${library} ${what}`
  return libraries.flatMap((library) => {
    const t = totals[library]
    return [
      {
        metric: id(library, 'throughput'),
        value: t.records / t.seconds,
        unit: 'records/s',
        better: 'higher' as const,
        baseline: figureId(name, id('kafkajs', 'throughput')),
      },
      {
        metric: id(library, 'client CPU per record'),
        value: t.cpuMicros / t.records,
        unit: 'µs',
        better: 'lower' as const,
        baseline: figureId(name, id('kafkajs', 'client CPU per record')),
      },
    ]
  })
}

/** HTTP produce through Weir with `client: library`, each variant on a fresh topic. */
async function measureWeir(
  ctx: BenchContext,
  dir: string,
  library: Library,
  variant: (typeof variants)[number]
): Promise<Figure[]> {
  const kafka = benchKafka(ctx, 'weir-bench-adapters-http')
  const { topic, remove } = await freshTopic(kafka, `${name}-${variant.id}`)
  const target: HttpTarget = {
    label: `Weir (${library})`,
    start: () => startWeir(dir, (port) => weirConfig(ctx, port, library)),
    request: (t) => ({ path: `/topics/${t}`, headers: { 'content-type': 'application/json' } }),
    body: (events, v) => JSON.stringify(v.events === 1 ? events[0] : events),
    okStatus: 202,
  }
  try {
    return await measureVariant(ctx, kafka, target, variant, topic)
  } finally {
    await remove().catch((err: unknown) => ctx.log(`could not delete ${topic}: ${String(err)}`))
  }
}

const weirMetrics = ['throughput', 'request p99', 'server CPU per event'] as const

export const clientAdapters: Scenario = {
  name,
  description:
    `kafkajs and @platformatic/kafka (backendClusters[].client), alternating, ${rounds} rounds ` +
    `each, ${recordBytes}-byte records to fresh ${benchPartitions}-partition topics. direct: the ` +
    `library's own producer, acks=all, ${producePlan.batchSize} per send, ${producePlan.inFlight} ` +
    `in flight (the direct-produce load). port: Weir's client port as a producer lane uses it ` +
    `(idempotent, acks=all, ${lanePlan.batchSize} per send, one in flight). Weir: HTTP produce ` +
    `through \`weir start\` with the cluster on each library (the http-produce variants; ` +
    `WEIR_BENCH_HTTP_VARIANTS limits them). Values are means over the rounds; ratios are to ` +
    `kafkajs on the same path.`,
  needs: { registry: true },
  async run(ctx) {
    const zero = (): Totals => ({ records: 0, seconds: 0, cpuMicros: 0 })
    const direct = { kafkajs: zero(), platformatic: zero() }
    const port = { kafkajs: zero(), platformatic: zero() }
    const weir = new Map<string, number[]>()
    const dir = mkdtempSync(path.join(os.tmpdir(), 'weir-bench-adapters-'))
    try {
      for (let round = 0; round < rounds; round++) {
        // Alternate which library goes first, so neither always gets the fresher machine.
        const order = round % 2 === 0 ? libraries : [...libraries].reverse()
        for (const library of order) {
          await measureSends(
            ctx,
            `direct ${library}`,
            producePlan,
            (topic) => directSender(ctx, library, topic),
            direct[library]
          )
        }
        for (const library of order) {
          await measureSends(
            ctx,
            `port ${library}`,
            lanePlan,
            (topic) => portSender(ctx, library, topic),
            port[library]
          )
        }
        for (const variant of chosenVariants(variants).filter((v) => v.format === 'json')) {
          for (const library of order) {
            for (const f of await measureWeir(ctx, dir, library, variant)) {
              const key = `${f.metric}|${library}|${f.unit}`
              weir.set(key, [...(weir.get(key) ?? []), f.value])
            }
          }
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    const weirFigures: Figure[] = []
    for (const [key, values] of weir) {
      const [metric = '', library = '', unit = ''] = key.split('|')
      const [variant, ...what] = metric.split(' ')
      if (!weirMetrics.includes(what.join(' ') as (typeof weirMetrics)[number])) continue
      const id = (lib: string) => `Weir ${variant} ${lib} ${what.join(' ')}`
      weirFigures.push({
        metric: id(library),
        value: values.reduce((a, b) => a + b, 0) / values.length,
        unit,
        better: what.join(' ') === 'throughput' ? 'higher' : 'lower',
        baseline: figureId(name, id('kafkajs')),
      })
    }
    return [...sendFigures('direct', direct), ...sendFigures('port', port), ...weirFigures]
  },
}
