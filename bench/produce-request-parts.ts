// Weir's own CPU for the parts of an HTTP produce request that differ between Avro and JSON, in
// process, per source tree (say a `git archive` of main and this checkout), interleaved round by
// round: serializing one 1 KiB bench event through the Avro schema policy (the schema cached, as
// on every request but a topic's first), the same event on a topic without a policy (JSON: its
// bytes as they came), and the metrics' observation of one request. CPU time (user + system) of
// this process per call, the median of the rounds. A shared machine moves these far less than an
// end-to-end run, where a few microseconds per event drown in the load's noise.
//   node bench/produce-request-parts.ts [--roots DIR,DIR...] [--rounds R]
import path from 'node:path'
import { parseArgs } from 'node:util'
import { MemoryRegistry } from '../test/support/memory-registry.ts'
import { repoRoot } from './gateway-process.ts'
import { benchEvent, benchEventAvro } from './scenarios/http-events.ts'
import { percentile } from './stats.ts'

const { values } = parseArgs({
  options: {
    roots: { type: 'string', default: repoRoot },
    rounds: { type: 'string', default: '7' },
  },
})
const roots = (values.roots as string).split(',').map((r) => path.resolve(r))
const rounds = Number(values.rounds)
const calls = 100_000

const event: unknown = JSON.parse(JSON.stringify(benchEvent()))
const raw = Buffer.from(JSON.stringify(event))
const observation = {
  door: 'http',
  kind: 'request',
  outcome: 'accepted',
  status: 202,
  records: 1,
  bytesIn: raw.length,
  bytesOut: 110,
  route: 'bench',
  virtualCluster: 'bench',
  topic: 'hpp-json-json-single',
  principal: 'anonymous',
  durationMs: 3.2,
  backendMs: 2.5,
  startedAt: Date.now(),
}

interface Part {
  name: string
  run(): unknown
}

async function partsOf(root: string): Promise<Part[]> {
  const at = (file: string) => import(path.join(root, file))
  const { PolicyEngine } = await at('src/policy/engine.ts')
  const { SchemaValidator } = await at('src/policy/schema/index.ts')
  const { SchemaCatalog } = await at('src/schema/schemas.ts')
  const { GatewayMetrics } = await at('src/observability/metrics/gateway-metrics.ts')
  const { config } = await at('test/policy/fixtures.ts')
  const registry = new MemoryRegistry()
  registry.add('avro-value', benchEventAvro)
  const engine = new PolicyEngine(
    config({
      policies: [{ name: 'avro', kind: 'schema', topics: ['avro'], value: { format: 'avro' } }],
      virtualClusters: [{ name: 'vc', schemaRegistry: 'main', policies: ['avro'] }],
    })
  )
  const schemas = new SchemaCatalog(
    [{ name: 'main', url: registry.url, cacheTtlMs: 3_600_000, requestTimeoutMs: 1000 }],
    { transport: registry.transport }
  )
  const validator = new SchemaValidator(engine, schemas)
  const metrics = new GatewayMetrics()
  const serialize = (topic: string) => async () => {
    const target = { virtualCluster: 'vc', topic, registry: 'main' }
    // As the produce service calls it (awaited), with a record as the HTTP door parses it.
    await validator.serialize(target, [
      { key: { kind: 'null' }, value: { kind: 'json', value: event, raw } },
    ])
  }
  await serialize('avro')() // resolves and compiles the schema: not what a request pays
  return [
    { name: 'serialize, Avro policy', run: serialize('avro') },
    { name: 'serialize, no policy (JSON)', run: serialize('json') },
    { name: 'metrics observation', run: () => metrics.observe(observation) },
  ]
}

const trees = await Promise.all(roots.map(async (root) => ({ root, parts: await partsOf(root) })))
const samples = new Map<string, number[]>()
for (let round = 0; round < rounds; round++) {
  for (const { root, parts } of trees) {
    for (const part of parts) {
      const start = process.cpuUsage()
      for (let i = 0; i < calls; i++) await part.run()
      const used = process.cpuUsage(start)
      const key = `${root}\t${part.name}`
      samples.set(key, [...(samples.get(key) ?? []), (used.user + used.system) / calls])
    }
  }
}
for (const [key, us] of samples) {
  const [root, name] = key.split('\t')
  console.log(
    `${root} ${name}: ${percentile(us, 50).toFixed(2)} µs (${us.map((u) => u.toFixed(2)).join(', ')})`
  )
}
