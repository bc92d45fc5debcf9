// node bench/http-produce-profile.ts [--variants json-single,json-batch] [--rounds R] [--seconds S]
//   [--roots DIR,DIR...] [--client kafkajs|platformatic] [--peers bridge,platformatic-bridge,floor]
// A short HTTP produce load for comparing Weir source trees (say a `git archive` of main and this
// checkout): the http-produce scenario's variants, events and connections, against one Weir per
// tree in `--roots` (default: this one), interleaved round by round so a loaded machine weighs on
// every tree alike. Prints each run's events/s and Weir's CPU per event (its process's user +
// system time over the measured seconds: the figure the machine's other load moves least), then
// each tree's median per variant. `--peers` adds the naive bridge (bench/peers/naive-bridge/) on
// kafkajs or @platformatic/kafka and the bare node:http floor (bench/peers/http-floor/) to the
// rounds, for the JSON variants. To profile Weir:
//   WEIR_BENCH_WEIR_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/http-produce-profile.ts
// then `node bench/profile-summary.ts /tmp/prof/<file>.cpuprofile`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { freePort } from '../scripts/local-stack/ports.ts'
import { repoRoot, startServer, type ServerProcess } from './gateway-process.ts'
import { errorCount, runHttpLoad } from './http-load.ts'
import { benchKafka, benchPartitions } from './kafka.ts'
import { startHttpFloor } from './peers/http-floor.ts'
import { startNaiveBridge } from './peers/naive-bridge.ts'
import type { BenchContext } from './scenario.ts'
import { benchEvent, benchEventAvro, variants, type Variant } from './scenarios/http-events.ts'
import { percentile } from './stats.ts'

const { values } = parseArgs({
  options: {
    variants: { type: 'string', default: 'json-single,json-batch' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '8' },
    roots: { type: 'string', default: repoRoot },
    client: { type: 'string', default: 'kafkajs' },
    peers: { type: 'string', default: '' },
  },
})
const chosen = (values.variants as string).split(',')
const runs: Variant[] = variants.filter((v) => chosen.includes(v.id))
const rounds = Number(values.rounds)
const seconds = Number(values.seconds)
const roots = (values.roots as string).split(',').map((r) => path.resolve(r))
const bootstrap = process.env.WEIR_BENCH_BOOTSTRAP ?? process.env.WEIR_TEST_BOOTSTRAP
const registry = process.env.WEIR_BENCH_REGISTRY ?? process.env.WEIR_TEST_REGISTRY_URL
if (!bootstrap) throw new Error('set WEIR_BENCH_BOOTSTRAP (or WEIR_TEST_BOOTSTRAP) to a broker')
if (runs.some((v) => v.format === 'avro') && !registry)
  throw new Error('the avro variants need WEIR_BENCH_REGISTRY (a Confluent-compatible registry)')

// The http-produce scenario's configuration: product defaults, an Avro schema policy.
const weirConfig = (port: number): string => `backendClusters:
  - name: bench
    bootstrapServers: ${bootstrap}
    client: ${values.client}
${registry ? `schemaRegistries:\n  - name: registry\n    url: ${registry}\n` : ''}virtualClusters:
  - name: bench
    backendCluster: bench
${registry ? '    schemaRegistry: registry\n' : ''}    policies: [bench-avro]
policies:
  - name: bench-avro
    kind: schema
    topics: ['hpp-avro-*']
    value: { format: avro }
listeners:
  - name: bench
    kind: http
    host: 127.0.0.1
    port: ${port}
    topicsEndpoint:
      virtualCluster: bench
      allowed: ['hpp-*']
logging:
  level: warn
`

const nodeArgs = (process.env.WEIR_BENCH_WEIR_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)
const dir = mkdtempSync(path.join(os.tmpdir(), 'weir-http-produce-profile-'))

async function startWeir(root: string, i: number): Promise<ServerProcess> {
  const port = await freePort()
  const config = path.join(dir, `weir-${i}.yaml`)
  writeFileSync(config, weirConfig(port))
  return startServer({
    name: `weir-${i}`,
    command: process.execPath,
    args: [...nodeArgs, path.join(root, 'src/cli.ts'), 'start', '-c', config],
    cwd: root,
    url: `http://127.0.0.1:${port}`,
    readyPath: '/readyz',
  })
}

const kafka = benchKafka({ bootstrap } as BenchContext, 'http-produce-profile')
const admin = kafka.admin()
await admin.connect()
const topics = new Map(runs.map((v) => [v.id, `hpp-${v.format}-${v.id}-${Date.now()}`]))
await admin.createTopics({
  topics: [...topics.values()].map((topic) => ({ topic, numPartitions: benchPartitions })),
  waitForLeaders: true,
})
for (const [, topic] of topics) {
  if (!topic.startsWith('hpp-avro-') || !registry) continue
  const res = await fetch(`${registry}/subjects/${topic}-value/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType: 'AVRO', schema: JSON.stringify(benchEventAvro) }),
  })
  if (!res.ok) throw new Error(`registering ${topic}-value failed: ${res.status}`)
}

const event = benchEvent()
const tally = new Map<string, { eventsPerSec: number[]; cpuUsPerEvent: number[] }>()
const peers = (values.peers as string).split(',').filter(Boolean)
const targets: { name: string; server: ServerProcess; jsonOnly: boolean }[] = []
for (const [i, root] of roots.entries()) {
  targets.push({ name: root, server: await startWeir(root, i), jsonOnly: false })
}
const bridges = { bridge: 'kafkajs', 'platformatic-bridge': 'platformatic' } as const
for (const [peer, client] of Object.entries(bridges)) {
  if (!peers.includes(peer)) continue
  const server = await startNaiveBridge(bootstrap, path.join(dir, `bridge-${client}.log`), client)
  targets.push({ name: `naive bridge (${client})`, server, jsonOnly: true })
}
if (peers.includes('floor')) {
  const server = await startHttpFloor(path.join(dir, 'floor.log'))
  targets.push({ name: 'bare node:http', server, jsonOnly: true })
}
try {
  console.log(`load average ${os.loadavg()[0]?.toFixed(2)} at the start`)
  for (let round = 1; round <= rounds; round++) {
    for (const variant of runs) {
      const body = JSON.stringify(variant.events === 1 ? event : Array(variant.events).fill(event))
      for (const { name, server: weir, jsonOnly } of targets) {
        if (jsonOnly && variant.format !== 'json') continue
        const plan = {
          url: `${weir.url}/topics/${topics.get(variant.id)}`,
          headers: { 'content-type': 'application/json' },
          body,
          connections: variant.connections,
          okStatus: 202,
        }
        await runHttpLoad({ ...plan, seconds: 2 }) // warm-up
        const cpu0 = weir.cpuSeconds()
        const result = await runHttpLoad({ ...plan, seconds })
        const cpu = weir.cpuSeconds() - cpu0
        const events = result.ok * variant.events
        const key = `${name} ${variant.id}`
        const t = tally.get(key) ?? { eventsPerSec: [], cpuUsPerEvent: [] }
        tally.set(key, t)
        t.eventsPerSec.push(events / (result.elapsedMs / 1000))
        t.cpuUsPerEvent.push((cpu * 1e6) / events)
        console.log(
          `round ${round} ${key}: ${Math.round(events / (result.elapsedMs / 1000))} events/s, ` +
            `${((cpu * 1e6) / events).toFixed(1)} µs CPU/event, ${errorCount(result)} errors, ` +
            `load ${os.loadavg()[0]?.toFixed(2)}`
        )
      }
    }
  }
  console.log(`load average ${os.loadavg()[0]?.toFixed(2)} at the end; medians:`)
  for (const [key, t] of tally) {
    const eps = Math.round(percentile(t.eventsPerSec, 50))
    console.log(
      `${key}: ${eps} events/s, ${percentile(t.cpuUsPerEvent, 50).toFixed(1)} µs CPU/event`
    )
  }
} finally {
  await Promise.all(targets.map((t) => t.server.stop()))
  await admin.deleteTopics({ topics: [...topics.values()] }).catch(() => undefined)
  await admin.disconnect()
  rmSync(dir, { recursive: true, force: true })
}
