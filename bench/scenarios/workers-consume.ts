// The workers scenario's Kafka half: ConsumerPerformance straight to the broker, through Weir as
// one process and through Weir with `--workers 2`, interleaved. A Kafka client fetches over one
// connection, and a connection stays on the worker that accepted it, so one consumer can only
// ever use one worker: every run starts several consumers at once, each reading the whole topic
// as its own group, and the figures are over all of them.
import { mkdtempSync } from 'node:fs'
import path from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import type { WeirServer } from '../gateway-process.ts'
import { freshTopic, recordsIn } from '../kafka.ts'
import { consumerPerformance, producerPerformance, type ConsumerRun } from '../kafka-perf.ts'
import { figureId, type BenchContext, type Figure } from '../scenario.ts'
import { loggedMessages } from './fanout-weir.ts'
import { finishRun, openRun, startWeir, type ProxyRun } from './kafka-proxy.ts'
import { addWarnings, consumedBy, sum } from './kafka-proxy-runs.ts'

export const consumePlan = {
  recordBytes: 1024,
  /** In the topic every run reads: at ~500,000 records/s direct, a few seconds per run. */
  records: 600_000,
  /** Read through each Weir before anything is measured: its connections, its JIT. */
  warmUpRecords: 100_000,
  /** Consumers per run, started at once. */
  clients: 2,
  order: ['direct', 'one', 'two', 'two', 'one', 'direct'] as const,
}

export type Shape = 'one' | 'two'
type Path = 'direct' | Shape

/** How Weir runs in each shape (`workers` as in WeirServerSpec) and how the figures name it. */
export const shapes: Record<Shape, { label: string; workers: string | null }> = {
  one: { label: '1 process', workers: null },
  two: { label: '2 workers', workers: '2' },
}
const labelOf = (p: Path): string => (p === 'direct' ? 'direct' : `Weir ${shapes[p].label}`)

/**
 * `clients` ConsumerPerformance runs at once, each reading `records` of `topic` as a new group,
 * as one run: their records and MiB summed, over the time from the first one's first fetch to
 * the last one's last record.
 */
async function consumeTogether(
  run: ProxyRun,
  id: string,
  bootstrap: string,
  topic: string,
  records: number
): Promise<ConsumerRun> {
  const runs = await Promise.all(
    Array.from({ length: consumePlan.clients }, (_, i) =>
      consumerPerformance(run.tools, {
        bootstrap,
        topic,
        records,
        group: `weir-bench-workers-${id}-${i}-${Date.now()}`,
        timeoutMs: 180_000,
      })
    )
  )
  for (const r of runs) addWarnings(run.warnings, `consume ${id}`, r.warnings)
  const first = Math.min(...runs.map((r) => r.endMs - r.fetchMs))
  const fetchMs = Math.max(...runs.map((r) => r.endMs)) - first
  const all = sum(runs.map((r) => r.records))
  const mib = sum(runs.map((r) => r.mib))
  return {
    records: all,
    mib,
    fetchMs,
    rebalanceMs: Math.max(...runs.map((r) => r.rebalanceMs)),
    recordsPerSec: all / (fetchMs / 1000),
    mibPerSec: mib / (fetchMs / 1000),
    endMs: first + fetchMs,
    warnings: new Map(),
  }
}

/**
 * The broker port Weir advertises (one broker on the bench stack), for the clients to bootstrap
 * on. Round-robin hands each new connection of a port to the next worker, and a consumer opens
 * two on the broker port, its coordinator's and then its fetch connection: clients bootstrapping
 * on the bootstrap port would send every fetch connection to the same worker (the first run of
 * this scenario: 93 % of the requests on one worker). A third connection per client, its
 * bootstrap one, on the same port shifts the turn, so the fetch connections alternate.
 */
async function brokerAddress(bootstrap: string): Promise<string> {
  const admin = new Kafka({
    clientId: 'weir-bench-workers',
    brokers: [bootstrap],
    logLevel: logLevel.ERROR,
  }).admin()
  await admin.connect()
  try {
    const { brokers } = await admin.describeCluster()
    if (brokers.length !== 1)
      throw new Error(`the workers scenario needs one broker, not ${brokers.length}`)
    const [broker] = brokers as [(typeof brokers)[number]]
    return `${broker.host}:${broker.port}`
  } finally {
    await admin.disconnect()
  }
}

/** Finished requests per worker so far, from the primary's merged /metrics. */
async function workerRequests(weir: WeirServer): Promise<number[]> {
  const text = await (await fetch(`${weir.operationsUrl}/metrics`)).text()
  const found: number[] = []
  for (const m of text.matchAll(/^weir_worker_requests\{worker="(\d+)"\} (\S+)$/gm)) {
    found[Number(m[1])] = Number(m[2])
  }
  return found
}

export async function measureConsume(ctx: BenchContext, scenario: string): Promise<Figure[]> {
  const self = (metric: string): string => figureId(scenario, metric)
  const run = await openRun(ctx, scenario)
  const weirs: Partial<Record<Shape, WeirServer>> = {}
  try {
    const made = await freshTopic(run.kafka, `${scenario}-consume`)
    run.made.push(made)
    const { topic } = made
    const { records, recordBytes } = consumePlan
    ctx.log(`writing ${records} records of ${recordBytes} B to ${topic}, direct`)
    await producerPerformance(run.tools, {
      bootstrap: ctx.bootstrap,
      topic,
      records,
      recordBytes,
      throughput: -1,
      timeoutMs: 600_000,
    })
    const landed = await recordsIn(run.kafka, topic)
    if (landed !== records) ctx.problem(`${records} records sent but ${landed} in ${topic}`)

    const bootstrapOf: Record<Path, string> = { direct: ctx.bootstrap, one: '', two: '' }
    for (const shape of ['one', 'two'] as const) {
      const dir = mkdtempSync(path.join(run.dir, `${shape}-`))
      const started = await startWeir(ctx, run.kafka, dir, {}, shapes[shape].workers)
      weirs[shape] = started.weir
      bootstrapOf[shape] = await brokerAddress(started.bootstrap)
      ctx.log(`warming up ${labelOf(shape)}`)
      await consumeTogether(
        run,
        `warm-up ${shape}`,
        started.bootstrap,
        topic,
        consumePlan.warmUpRecords
      )
    }

    const runs: Record<Path, ConsumerRun[]> = { direct: [], one: [], two: [] }
    const cpuSeconds: Record<Shape, number> = { one: 0, two: 0 }
    const spread = new Map<number, number>()
    for (const [i, p] of consumePlan.order.entries()) {
      const weir = p === 'direct' ? undefined : weirs[p]
      ctx.log(`consume ${i + 1}/${consumePlan.order.length}: ${labelOf(p)}`)
      const cpuBefore = weir?.cpuSeconds() ?? 0
      const requestsBefore = weir?.operationsUrl ? await workerRequests(weir) : []
      const result = await consumeTogether(run, `${p}-${i}`, bootstrapOf[p], topic, landed)
      if (weir && p !== 'direct') cpuSeconds[p] += weir.cpuSeconds() - cpuBefore
      if (weir?.operationsUrl) {
        for (const [w, n] of (await workerRequests(weir)).entries()) {
          spread.set(w, (spread.get(w) ?? 0) + n - (requestsBefore[w] ?? 0))
        }
      }
      ctx.log(`consume ${labelOf(p)}: ${result.recordsPerSec.toFixed(0)} records/s`)
      if (result.records !== landed * consumePlan.clients) {
        ctx.problem(
          `consume ${labelOf(p)}: read ${result.records} of ${landed * consumePlan.clients}`
        )
      }
      runs[p].push(result)
    }
    const busiest = Math.max(...spread.values()) / sum([...spread.values()])
    ctx.note(
      `Requests per worker over the 2-worker consume runs: ${[...spread]
        .map(([w, n]) => `worker ${w} ${n}`)
        .join(', ')} (round-robin hands out connections, not load).`
    )
    return consumeFigures(runs, cpuSeconds, busiest, self)
  } finally {
    for (const shape of ['one', 'two'] as const) {
      const weir = weirs[shape]
      if (!weir) continue
      await weir.stop()
      for (const [message, n] of loggedMessages(weir.logFile)) {
        ctx.note(`Weir ${shapes[shape].label} logged ${n} × \`${message}\``)
      }
    }
    await finishRun(ctx, run)
  }
}

function consumeFigures(
  runs: Record<Path, ConsumerRun[]>,
  cpuSeconds: Record<Shape, number>,
  busiestShare: number,
  self: (metric: string) => string
): Figure[] {
  const figures: Figure[] = []
  const of = {
    direct: consumedBy(runs.direct),
    one: consumedBy(runs.one),
    two: consumedBy(runs.two),
  }
  for (const p of ['direct', 'one', 'two'] as const) {
    figures.push(
      {
        metric: `${labelOf(p)} consume throughput`,
        value: of[p].recordsPerSec,
        unit: 'records/s',
        better: 'higher',
        baseline: self('direct consume throughput'),
      },
      {
        metric: `${labelOf(p)} consume payload throughput`,
        value: of[p].mibPerSec,
        unit: 'MiB/s',
        better: 'higher',
        baseline: self('direct consume payload throughput'),
      }
    )
  }
  const one = labelOf('one')
  figures.push({
    metric: `${labelOf('two')} consume throughput against 1 process`,
    value: of.two.recordsPerSec,
    unit: 'records/s',
    better: 'higher',
    baseline: self(`${one} consume throughput`),
  })
  for (const p of ['one', 'two'] as const) {
    const mib = sum(runs[p].map((r) => r.mib))
    const fetchSeconds = sum(runs[p].map((r) => r.fetchMs)) / 1000
    figures.push(
      {
        metric: `${labelOf(p)} CPU per consumed MiB`,
        value: (cpuSeconds[p] * 1e3) / mib,
        unit: 'ms',
        better: 'lower',
        baseline: self(`${one} CPU per consumed MiB`),
      },
      {
        // Over the fetch time; the runs' JVM start and group join add a little Weir CPU to it.
        metric: `${labelOf(p)} CPU while consuming`,
        value: cpuSeconds[p] / fetchSeconds,
        unit: 'cores',
        better: 'lower',
        baseline: self(`${one} CPU while consuming`),
      }
    )
  }
  figures.push({
    metric: `${labelOf('two')}: busiest worker's share of the consume requests`,
    value: busiestShare * 100,
    unit: '%',
  })
  return figures
}
