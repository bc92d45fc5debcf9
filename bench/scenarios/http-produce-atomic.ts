// What `delivery: { atomic: true }` costs: the same batch POSTs through Weir to a plain route and
// to an atomic one (each request its own Kafka transaction), in one run. The plain route is the
// baseline, so the ratio is the price of all-or-nothing.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { benchPartitions } from '../kafka.ts'
import { figureId, type BenchContext, type Figure, type Scenario } from '../scenario.ts'
import { recordBytes } from './direct-produce.ts'
import { timing, type Variant } from './http-events.ts'
import { measureVariants, type HttpTarget } from './http-measure.ts'
import { startWeir } from './http-produce.ts'

const name = 'http-produce-atomic'

/** As http-produce's json-batch: 100 events per request, 4 connections. */
const variants: readonly Variant[] = [
  { id: 'plain-batch', format: 'json', events: 100, connections: 4 },
  { id: 'atomic-batch', format: 'json', events: 100, connections: 4 },
]

function weirConfig(ctx: BenchContext, port: number): string {
  return `backendClusters:
  - name: bench
    bootstrapServers: ${ctx.bootstrap}
virtualClusters:
  - name: bench
    backendCluster: bench
listeners:
  - name: bench
    kind: http
    host: 127.0.0.1
    port: ${port}
    routes:
      - path: /plain/{topic}
        virtualCluster: bench
        topic: { from: path, name: topic, allowed: ['bench-*'] }
      - path: /atomic/{topic}
        virtualCluster: bench
        topic: { from: path, name: topic, allowed: ['bench-*'] }
        delivery: { atomic: true }
logging:
  level: warn
`
}

/** The plain route's figures are their own baseline; the atomic route's name the plain ones. */
function compared(figures: Figure[]): Figure[] {
  return figures.map((f) => {
    if (f.baseline === undefined) return f
    const plain = f.metric.replace(/^atomic-batch /, 'plain-batch ')
    return { ...f, baseline: figureId(name, plain), aim: undefined }
  })
}

export const httpProduceAtomic: Scenario = {
  name,
  description:
    `Batch POSTs of 100 ${recordBytes}-byte JSON events (4 connections, one request in flight ` +
    `each) to Weir running as its own process, to a plain route (product defaults: sync, acks=all, ` +
    `idempotent producer, requests of many connections sharing batches) and to a route with ` +
    `\`delivery: { atomic: true }\` (each request one Kafka transaction: AddPartitionsToTxn, ` +
    `Produce, EndTxn), a fresh ${benchPartitions}-partition topic and a fresh Weir each; ` +
    `${timing.warmUpSeconds} s warm-up, ${timing.measureSeconds} s measured. The atomic figures ` +
    `are compared with the plain ones of the same run.`,
  async run(ctx) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'weir-bench-atomic-'))
    try {
      const target: HttpTarget = {
        label: 'Weir',
        start: () => startWeir(dir, (port) => weirConfig(ctx, port)),
        request: (topic, variant) => ({
          path: `/${variant.id === 'atomic-batch' ? 'atomic' : 'plain'}/${topic}`,
          headers: { 'content-type': 'application/json' },
        }),
        body: (events) => JSON.stringify(events),
        okStatus: 202,
      }
      const loadBefore = os.loadavg()[0] ?? 0
      const figures = compared(await measureVariants(ctx, name, variants, target))
      const throughput = (id: string) =>
        figures.find((f) => f.metric === `${id} throughput`)?.value ?? Number.NaN
      const ratio = throughput('atomic-batch') / throughput('plain-batch')
      ctx.note(
        `atomic / plain throughput: ${ratio.toFixed(2)} (\`npm run bench -- ${name}\`), measured ` +
          `with a 1-min load average of ${loadBefore.toFixed(1)} before and ` +
          `${(os.loadavg()[0] ?? 0).toFixed(1)} after on ${os.cpus().length} cores: ` +
          `${loadBefore > os.cpus().length ? 'under load, so only the ratio means much' : 'a quiet machine'}.`
      )
      return figures
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
