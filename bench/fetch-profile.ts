// node bench/fetch-profile.ts [--records N] [--rounds R] [--namespace] [--roots DIR,DIR...] [--produce]
// A short consume-only load for the Kafka listener's Fetch path: one topic filled once with
// ProducerPerformance (1 KiB records, Kafka's default 16 KiB batches), then ConsumerPerformance
// from the earliest offset straight to the broker and through one Weir per source tree in
// `--roots` (default: this one), interleaved round by round so a loaded machine weighs on every
// path alike. Prints each path's throughput, its ratio to direct, and Weir's CPU per MiB fetched
// (its process's user + system time over its consume runs). `--namespace`: the virtual cluster
// has a namespace (prefix `fp.`), as multi-tenant users nearly always do. To profile Weir:
//   WEIR_BENCH_WEIR_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/fetch-profile.ts
// then `node bench/profile-summary.ts /tmp/prof/<file>.cpuprofile`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { freePort } from '../scripts/local-stack/ports.ts'
import { repoRoot, startServer, type ServerProcess } from './gateway-process.ts'
import { benchKafka, benchPartitions } from './kafka.ts'
import { consumerPerformance, perfTools, producerPerformance } from './kafka-perf.ts'
import type { BenchContext } from './scenario.ts'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '300000' },
    rounds: { type: 'string', default: '2' },
    namespace: { type: 'boolean', default: false },
    roots: { type: 'string', default: repoRoot },
    /** Also produce `records` through each Weir once, for its CPU per MiB produced. */
    produce: { type: 'boolean', default: false },
  },
})
const records = Number(values.records)
const rounds = Number(values.rounds)
const prefix = values.namespace ? 'fp.' : ''
const roots = (values.roots as string).split(',').map((r) => path.resolve(r))
const bootstrap = process.env.WEIR_BENCH_BOOTSTRAP ?? process.env.WEIR_TEST_BOOTSTRAP
if (!bootstrap) throw new Error('set WEIR_BENCH_BOOTSTRAP (or WEIR_TEST_BOOTSTRAP) to a broker')

function weirConfig(port: number, brokerPortBase: number, health: number): string {
  const namespace = prefix ? `\n    namespace: { prefix: '${prefix}' }` : ''
  return `backendClusters:
  - name: bench
    bootstrapServers: ${bootstrap}
virtualClusters:
  - name: bench
    backendCluster: bench${namespace}
listeners:
  - { name: kafka, kind: kafka, virtualCluster: bench, host: 127.0.0.1, port: ${port}, brokerPortBase: ${brokerPortBase} }
  - { name: health, kind: http, host: 127.0.0.1, port: ${health} }
logging:
  level: warn
`
}

async function startWeir(root: string, dir: string, i: number) {
  const [port, base, health] = [await freePort(), await freePort(), await freePort()]
  const config = path.join(dir, `weir-${i}.yaml`)
  // The shared stack's broker is node 1.
  writeFileSync(config, weirConfig(port, base - 1, health))
  const nodeArgs = (process.env.WEIR_BENCH_WEIR_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)
  const weir: ServerProcess = await startServer({
    name: `weir-${i}`,
    command: process.execPath,
    args: [...nodeArgs, path.join(root, 'src/cli.ts'), 'start', '-c', config],
    cwd: root,
    ...(process.env.WEIR_BENCH_WEIR_LOG
      ? { logFile: `${process.env.WEIR_BENCH_WEIR_LOG}-${i}.log` }
      : {}),
    url: `http://127.0.0.1:${health}`,
    readyPath: '/readyz',
  })
  return { root, weir, bootstrap: `127.0.0.1:${port}` }
}

interface Tally {
  recordsPerSec: number[]
  mib: number
  cpuSeconds: number
}

const tools = await perfTools()
const kafka = benchKafka({ bootstrap } as BenchContext, 'fetch-profile')
const backendTopic = `${prefix}fetch-profile-${Date.now()}`
const admin = kafka.admin()
await admin.connect()
await admin.createTopics({
  topics: [{ topic: backendTopic, numPartitions: benchPartitions, replicationFactor: 1 }],
  waitForLeaders: true,
})
const dir = mkdtempSync(path.join(os.tmpdir(), 'weir-fetch-profile-'))
const weirs = await Promise.all(roots.map((root, i) => startWeir(root, dir, i)))
try {
  const load = os.loadavg()[0]?.toFixed(2)
  await producerPerformance(tools, {
    bootstrap,
    topic: backendTopic,
    records,
    throughput: -1,
    recordBytes: 1024,
    timeoutMs: 120_000,
  })
  const paths = ['direct', ...weirs.map((w) => w.root)]
  const tally = new Map<string, Tally>(
    paths.map((p) => [p, { recordsPerSec: [], mib: 0, cpuSeconds: 0 }])
  )
  let group = 0
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? paths : [...paths].reverse()
    for (const p of order) {
      const weir = weirs.find((w) => w.root === p)
      const cpuBefore = weir?.weir.cpuSeconds() ?? 0
      const run = await consumerPerformance(tools, {
        bootstrap: weir?.bootstrap ?? bootstrap,
        topic: weir ? backendTopic.slice(prefix.length) : backendTopic,
        records,
        group: `fetch-profile-${Date.now()}-${group++}`,
        timeoutMs: 180_000,
      })
      if (run.records !== records) throw new Error(`${p}: consumed ${run.records} of ${records}`)
      const t = tally.get(p) as Tally
      t.recordsPerSec.push(run.recordsPerSec)
      t.mib += run.mib
      if (weir) t.cpuSeconds += weir.weir.cpuSeconds() - cpuBefore
      console.log(`round ${round} ${p}: ${Math.round(run.recordsPerSec)} records/s`)
    }
  }
  // The produce side, for comparison: Kafka's default producer through each Weir, in turn.
  for (const weir of values.produce ? weirs : []) {
    const cpuBefore = weir.weir.cpuSeconds()
    const run = await producerPerformance(tools, {
      bootstrap: weir.bootstrap,
      topic: backendTopic.slice(prefix.length),
      records,
      throughput: -1,
      recordBytes: 1024,
      timeoutMs: 180_000,
    })
    const mib = (run.records * 1024) / 2 ** 20
    const cpu = ((weir.weir.cpuSeconds() - cpuBefore) * 1000) / mib
    console.log(`produce through ${weir.root}: Weir CPU ${cpu.toFixed(2)} ms/MiB produced`)
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
  const direct = mean(tally.get('direct')?.recordsPerSec ?? [])
  console.log(
    `\n${records} records of 1 KiB, ${rounds} rounds, namespace ${prefix || 'none'}, ` +
      `load ${load} at start, ${os.loadavg()[0]?.toFixed(2)} at end`
  )
  for (const [p, t] of tally) {
    const rate = mean(t.recordsPerSec)
    const cpu =
      p === 'direct' ? '' : `, Weir CPU ${((t.cpuSeconds * 1000) / t.mib).toFixed(2)} ms/MiB`
    console.log(`${p}: ${Math.round(rate)} records/s (${(rate / direct).toFixed(2)}x direct)${cpu}`)
  }
} finally {
  await Promise.all(weirs.map((w) => w.weir.stop(10_000)))
  await admin.deleteTopics({ topics: [backendTopic] })
  await admin.disconnect()
  rmSync(dir, { recursive: true, force: true })
}
