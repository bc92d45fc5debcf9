// Weir as one process against Weir with `weir start --workers 2`, in one run: HTTP produce of
// single JSON events (http-produce's json-single) and consuming through the Kafka listener
// (kafka-proxy's ConsumerPerformance), the two shapes interleaved, each against the direct path.
// On the 2-core bench machine the broker and the load generators take their share of the same
// two cores, so two workers cannot double anything: the ratio says how much more Weir got done
// with a second process, and Weir's CPU (primary + workers) what that process cost.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { benchKafka, freshTopic } from '../kafka.ts'
import { figureId, type BenchContext, type Figure, type Scenario } from '../scenario.ts'
import { timing, variants } from './http-events.ts'
import { measureVariant, type HttpTarget } from './http-measure.ts'
import { primeIdempotentProducers, startWeir, weirConfig } from './http-produce.ts'
import { consumePlan, measureConsume, shapes, type Shape } from './workers-consume.ts'

const name = 'workers'
const self = (metric: string): string => figureId(name, metric)
const httpOrder: readonly Shape[] = ['one', 'two', 'two', 'one']
const variant = variants.find((v) => v.id === 'json-single') as (typeof variants)[number]

/** http-produce's figures of one variant, as `json-single <what>`. */
const what = (metric: string): string => metric.slice(`${variant.id} `.length)

/**
 * json-single through a fresh Weir per run, in httpOrder; a shape's figures are the mean of its
 * runs (errors: the sum), named `json-single <shape> <what>`, with a 2-workers-against-1-process
 * figure for throughput and CPU per event.
 */
async function measureHttp(ctx: BenchContext): Promise<Figure[]> {
  await primeIdempotentProducers(ctx)
  const kafka = benchKafka(ctx, `weir-bench-${name}`)
  const runs: Record<Shape, Figure[][]> = { one: [], two: [] }
  const logged = new Map<string, Set<string>>()
  for (const shape of httpOrder) {
    const dir = mkdtempSync(path.join(os.tmpdir(), `weir-bench-${name}-`))
    const { topic, remove } = await freshTopic(kafka, `${name}-${variant.id}`)
    const target: HttpTarget = {
      label: `Weir ${shapes[shape].label}`,
      start: () => startWeir(dir, (port) => weirConfig(ctx, port), shapes[shape].workers),
      request: () => ({
        path: `/topics/${topic}`,
        headers: { 'content-type': 'application/json' },
      }),
      body: (events) => JSON.stringify(events[0]),
      okStatus: 202,
    }
    try {
      runs[shape].push(await measureVariant(ctx, kafka, target, variant, topic, logged))
    } finally {
      rmSync(dir, { recursive: true, force: true })
      await remove().catch((err: unknown) => ctx.log(`could not delete ${topic}: ${String(err)}`))
    }
  }
  for (const [message, where] of logged) {
    ctx.note(`Weir logged (${[...where].join(', ')}): \`${message}\``)
  }

  const figures: Figure[] = []
  for (const shape of ['one', 'two'] as const) {
    const [first, ...rest] = runs[shape]
    for (const f of first ?? []) {
      const values = [f, ...rest.map((r) => r.find((g) => g.metric === f.metric))]
        .map((g) => g?.value ?? Number.NaN)
        .reduce((a, b) => a + b, 0)
      const value = what(f.metric) === 'errors' ? values : values / runs[shape].length
      const metric = `${variant.id} ${shapes[shape].label} ${what(f.metric)}`
      figures.push({ ...f, metric, value })
    }
  }
  const of = (shape: Shape, metric: string) =>
    figures.find((f) => f.metric === `${variant.id} ${shapes[shape].label} ${metric}`)
  for (const [metric, better] of [
    ['throughput', 'higher'],
    ['server CPU per event', 'lower'],
  ] as const) {
    figures.push({
      metric: `${variant.id} 2 workers ${metric} against 1 process`,
      value: of('two', metric)?.value ?? Number.NaN,
      unit: of('two', metric)?.unit ?? '',
      better,
      baseline: self(`${variant.id} 1 process ${metric}`),
    })
  }
  return figures
}

export const workers: Scenario = {
  name,
  description:
    `Weir as one process (\`weir start\`) against Weir with \`--workers 2\` (a primary and two ` +
    `worker processes sharing every port), interleaved in one run. (1) HTTP: http-produce's ` +
    `${variant.id} (one 1024-byte JSON event per POST, ${variant.connections} connections, ` +
    `autocannon) through a fresh Weir per run in the order 1 process, 2 workers, 2 workers, 1 ` +
    `process, ${timing.warmUpSeconds} s warm-up and ${timing.measureSeconds} s measured each, ` +
    `a shape's figures the mean of its two runs, against direct-produce. (2) Kafka listener: ` +
    `kafka-proxy's consume, ${consumePlan.clients} ConsumerPerformance clients at once per run ` +
    `(one client fetches over one connection, which stays on one worker; they bootstrap on the ` +
    `broker port, so that their fetch connections alternate between the workers), each reading all ` +
    `${consumePlan.records} ${consumePlan.recordBytes}-byte records of a 3-partition topic as ` +
    `its own group, in the order direct, 1 process, 2 workers, 2 workers, 1 process, direct, ` +
    `after a ${consumePlan.warmUpRecords}-record warm-up through each Weir; throughput over ` +
    `the span from the first client's first fetch to the last client's last record. Weir's CPU ` +
    `is user + system time summed over the primary and its workers (the process tree). Client, ` +
    `broker and Weir share the bench machine's cores: on 2 cores a second worker cannot double ` +
    `anything, as the broker and the load generators need a core of their own.`,
  baselines: ['direct-produce'],
  async run(ctx) {
    return [...(await measureHttp(ctx)), ...(await measureConsume(ctx, name))]
  },
}
