// The Kafka-native listener as a transparent proxy: the same producer and consumer load straight
// to the broker and through Weir (its own process, `weir start`, a kafka listener with port
// mapping) in one run, with Kafka's own ProducerPerformance and ConsumerPerformance. The paths
// alternate direct, Weir, Weir, direct in every phase, so a machine that gets busier or quieter
// during the run (the broker warming up, other work on the box) weighs on both alike.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Kafka } from 'kafkajs'
import { versions } from '../../scripts/local-stack/paths.ts'
import { freePort } from '../../scripts/local-stack/ports.ts'
import { startWeirServer, type ServerProcess } from '../gateway-process.ts'
import { benchKafka, benchPartitions, freshTopic } from '../kafka.ts'
import {
  consumerPerformance,
  perfTools,
  producerPerformance,
  type ConsumerRun,
  type PerfTools,
  type ProducerRun,
} from '../kafka-perf.ts'
import { figureId, type BenchContext, type Figure, type Scenario } from '../scenario.ts'
import { loggedMessages } from './fanout-weir.ts'

const name = 'kafka-proxy'

type Path = 'direct' | 'weir'

export const plan = {
  recordBytes: 1024,
  /** Direct, before anything is measured: warms the broker and sizes the runs. */
  warmUpRecords: 30_000,
  /** Through Weir, before anything is measured: its connections, its JIT. */
  weirWarmUpRecords: 15_000,
  /** Every phase runs the paths in this order, all to the phase's own topic. */
  order: ['direct', 'weir', 'weir', 'direct'] as const satisfies readonly Path[],
  /**
   * Seconds one full-speed run should take direct at the warm-up's rate, which a cold broker and
   * JVM keep below the measured one: runs of 6 to 10 s, long enough that the producer's 32 MiB
   * buffer is not most of the run, short enough for a whole scenario of about 3 minutes.
   */
  fullSpeedSeconds: 10,
  halfLoadSeconds: 8,
  /** Bounds on the records per full-speed run, whatever the warm-up's rate said. */
  minRecords: 20_000,
  maxRecords: 1_500_000,
  /** The aims: throughput ratios, and p99 added at half load. */
  throughputAim: 0.95,
  addedP99AimMs: 1,
  /** A direct p99 at half load above this means the machine, not the path, set the latency. */
  saturatedP99Ms: 50,
}

const self = (metric: string): string => figureId(name, metric)

/**
 * What a scenario adds to kafka-proxy's Weir: lines of the virtual cluster (its policies, say)
 * and top-level sections (policies, kms), as YAML indented to fit.
 */
export interface WeirExtras {
  virtualCluster?: string
  topLevel?: string
}

/** Weir with a kafka listener in front of the broker, and an http listener for /readyz only. */
function weirConfig(
  bootstrap: string,
  port: number,
  brokerPortBase: number,
  health: number,
  extras: WeirExtras
) {
  // The kafka listener comes first: Weir starts listeners in order, so /readyz answering means
  // its ports are bound.
  return `backendClusters:
  - name: bench
    bootstrapServers: ${bootstrap}
virtualClusters:
  - name: bench
    backendCluster: bench
${extras.virtualCluster ?? ''}${extras.topLevel ?? ''}listeners:
  - name: kafka
    kind: kafka
    virtualCluster: bench
    host: 127.0.0.1
    port: ${port}
    brokerPortBase: ${brokerPortBase}
  - name: health
    kind: http
    host: 127.0.0.1
    port: ${health}
logging:
  level: warn
`
}

export async function startWeir(
  ctx: BenchContext,
  kafka: Kafka,
  dir: string,
  extras: WeirExtras = {}
): Promise<{ weir: ServerProcess; bootstrap: string }> {
  // Broker N is served on brokerPortBase + N. A free port for the lowest node id; with more
  // brokers (an external cluster), the ports after it are taken on trust.
  const admin = kafka.admin()
  await admin.connect()
  const { brokers } = await admin.describeCluster().finally(() => admin.disconnect())
  const lowest = Math.min(...brokers.map((b) => b.nodeId))
  const port = await freePort()
  const brokerPortBase = (await freePort()) - lowest
  const health = await freePort()
  const config = path.join(dir, 'weir.yaml')
  writeFileSync(config, weirConfig(ctx.bootstrap, port, brokerPortBase, health, extras))
  const weir = await startWeirServer(
    config,
    path.join(dir, 'weir.log'),
    `http://127.0.0.1:${health}`
  )
  return { weir, bootstrap: `127.0.0.1:${port}` }
}

export async function recordsIn(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const offsets = await admin.fetchTopicOffsets(topic)
    return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0)
  } finally {
    await admin.disconnect()
  }
}

export const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0)
const mean = (xs: readonly number[]): number => sum(xs) / xs.length

/** A path's runs of a phase as one: throughput over their summed time, latencies averaged. */
export function producedBy(runs: readonly ProducerRun[]) {
  const records = sum(runs.map((r) => r.records))
  const seconds = sum(runs.map((r) => r.seconds))
  return {
    recordsPerSec: records / seconds,
    mibPerSec: (records * plan.recordBytes) / seconds / 2 ** 20,
    p50: mean(runs.map((r) => r.latencyMs.p50)),
    p99: mean(runs.map((r) => r.latencyMs.p99)),
    avg: mean(runs.map((r) => r.latencyMs.avg)),
  }
}

export function consumedBy(runs: readonly ConsumerRun[]) {
  const records = sum(runs.map((r) => r.records))
  const seconds = sum(runs.map((r) => r.fetchMs)) / 1000
  return {
    recordsPerSec: records / seconds,
    mibPerSec: sum(runs.map((r) => r.mib)) / seconds,
    rebalanceMs: mean(runs.map((r) => r.rebalanceMs)),
  }
}

/** The client warnings of every run, by path and message, for the report. */
export type Warnings = Map<string, number>

export function addWarnings(into: Warnings, label: string, from: Map<string, number>): void {
  for (const [message, n] of from) {
    const key = `${label}: ${message}`
    into.set(key, (into.get(key) ?? 0) + n)
  }
}

/** What a Kafka-proxy scenario's run holds until its end, measured or failed. */
export interface ProxyRun {
  tools: PerfTools
  /** Straight to the broker. */
  kafka: Kafka
  /** Scratch: Weir's config and log, payload files. */
  dir: string
  warnings: Warnings
  /** Every topic the run made, to delete at its end. */
  made: { topic: string; remove: () => Promise<void> }[]
  weir?: ServerProcess
}

export async function openRun(ctx: BenchContext, scenario: string): Promise<ProxyRun> {
  ctx.log(`getting kafka-tools and Java 17`)
  return {
    tools: await perfTools(),
    kafka: benchKafka(ctx, `weir-bench-${scenario}`),
    dir: mkdtempSync(path.join(os.tmpdir(), `weir-bench-${scenario}-`)),
    warnings: new Map(),
    made: [],
  }
}

/**
 * A run's end: Weir stopped, what it logged and the clients' warnings noted for the report, its
 * scratch folder and topics removed.
 */
export async function finishRun(ctx: BenchContext, run: ProxyRun): Promise<void> {
  await run.weir?.stop()
  for (const [message, n] of loggedMessages(path.join(run.dir, 'weir.log'))) {
    ctx.note(`Weir logged ${n} × \`${message}\``)
  }
  for (const [message, n] of run.warnings) ctx.note(`${n} × \`${message}\``)
  rmSync(run.dir, { recursive: true, force: true })
  // Benchmarks write gigabytes; an external broker should not keep them.
  for (const { topic, remove } of run.made) {
    await remove().catch((err: unknown) => ctx.log(`could not delete ${topic}: ${String(err)}`))
  }
}

interface Phase {
  ctx: BenchContext
  kafka: Kafka
  tools: PerfTools
  weir: ServerProcess
  bootstrapOf: Record<Path, string>
  /** Records per second of the direct warm-up, for timeouts. */
  warmUpRate: number
  warnings: Warnings
}

interface ProducePhase {
  runs: Record<Path, ProducerRun[]>
  weirCpuSeconds: number
  /** Records in the topic after the phase: what the consume phase reads. */
  records: number
}

const label = (p: Path): string => (p === 'weir' ? 'Weir' : 'direct')

/**
 * Runs ProducerPerformance on each path in plan order, all to the phase's topic, and checks that
 * each run's acknowledged records all landed (the topic's offsets grew by as many).
 */
async function producePhase(
  phase: Phase,
  id: string,
  topic: string,
  records: number,
  throughput: number
): Promise<ProducePhase> {
  const { ctx, kafka, tools, weir } = phase
  const result: ProducePhase = { runs: { direct: [], weir: [] }, weirCpuSeconds: 0, records: 0 }
  // A run that takes six times what the direct warm-up's rate (or the throttle) says it should,
  // and a minute at least, is stuck, not slow.
  const rate = throughput > 0 ? throughput : phase.warmUpRate
  const timeoutMs = Math.max(60_000, ((6 * records) / Math.max(rate, 100)) * 1000)
  let before = await recordsIn(kafka, topic)
  for (const [i, p] of plan.order.entries()) {
    ctx.log(`${id} ${i + 1}/${plan.order.length}: ${label(p)}, ${records} records to ${topic}`)
    const cpuBefore = weir.cpuSeconds()
    const run = await producerPerformance(tools, {
      bootstrap: phase.bootstrapOf[p],
      topic,
      records,
      recordBytes: plan.recordBytes,
      throughput,
      timeoutMs,
    })
    if (p === 'weir') result.weirCpuSeconds += weir.cpuSeconds() - cpuBefore
    result.runs[p].push(run)
    addWarnings(phase.warnings, `${id} ${label(p)} producer`, run.warnings)
    ctx.log(
      `${id} ${label(p)}: ${run.recordsPerSec.toFixed(0)} records/s, p50 ${run.latencyMs.p50} ms, ` +
        `p99 ${run.latencyMs.p99} ms, avg ${run.latencyMs.avg} ms`
    )
    if (run.records < records) {
      ctx.problem(`${id} ${label(p)}: ${records - run.records} of ${records} sends failed`)
    }
    const after = await recordsIn(kafka, topic)
    if (after - before !== run.records) {
      ctx.problem(
        `${id} ${label(p)}: ${run.records} records acknowledged but ${after - before} landed in ${topic}`
      )
    }
    before = after
  }
  result.records = before
  return result
}

/** Reads the same topic with ConsumerPerformance on each path in plan order, a new group each. */
async function consumePhase(
  phase: Phase,
  topic: string,
  records: number
): Promise<{ runs: Record<Path, ConsumerRun[]>; weirCpuSeconds: number }> {
  const { ctx, tools, weir } = phase
  const runs: Record<Path, ConsumerRun[]> = { direct: [], weir: [] }
  let weirCpuSeconds = 0
  for (const [i, p] of plan.order.entries()) {
    ctx.log(`consume ${i + 1}/${plan.order.length}: ${label(p)}, ${records} records of ${topic}`)
    const cpuBefore = weir.cpuSeconds()
    const run = await consumerPerformance(tools, {
      bootstrap: phase.bootstrapOf[p],
      topic,
      records,
      group: `weir-bench-${name}-${p}-${i}-${randomBytes(3).toString('hex')}`,
      timeoutMs: 120_000,
    })
    if (p === 'weir') weirCpuSeconds += weir.cpuSeconds() - cpuBefore
    runs[p].push(run)
    addWarnings(phase.warnings, `consume ${label(p)} consumer`, run.warnings)
    ctx.log(
      `consume ${label(p)}: ${run.recordsPerSec.toFixed(0)} records/s over ${run.fetchMs} ms ` +
        `(group join ${run.rebalanceMs} ms)`
    )
    if (run.records !== records) {
      ctx.problem(`consume ${label(p)}: read ${run.records} of the ${records} records in ${topic}`)
    }
  }
  return { runs, weirCpuSeconds }
}

function throughputFigures(
  what: 'produce' | 'consume',
  direct: { recordsPerSec: number; mibPerSec: number },
  weir: { recordsPerSec: number; mibPerSec: number }
): Figure[] {
  const d = (metric: string): string => `direct ${what} ${metric}`
  const w = (metric: string): string => `Weir ${what} ${metric}`
  return [
    {
      metric: d('throughput'),
      value: direct.recordsPerSec,
      unit: 'records/s',
      better: 'higher',
      baseline: self(d('throughput')),
    },
    {
      metric: d('payload throughput'),
      value: direct.mibPerSec,
      unit: 'MiB/s',
      better: 'higher',
      baseline: self(d('payload throughput')),
    },
    {
      metric: w('throughput'),
      value: weir.recordsPerSec,
      unit: 'records/s',
      better: 'higher',
      baseline: self(d('throughput')),
      aim: plan.throughputAim,
    },
    {
      metric: w('payload throughput'),
      value: weir.mibPerSec,
      unit: 'MiB/s',
      better: 'higher',
      baseline: self(d('payload throughput')),
      aim: plan.throughputAim,
    },
  ]
}

function latencyFigures(direct: ReturnType<typeof producedBy>, weir: typeof direct): Figure[] {
  const d = (metric: string): string => `direct half-load ${metric}`
  const w = (metric: string): string => `Weir half-load ${metric}`
  const figures: Figure[] = []
  for (const [key, metric] of [
    ['p50', 'produce p50'],
    ['p99', 'produce p99'],
    ['avg', 'produce average latency'],
  ] as const) {
    figures.push(
      {
        metric: d(metric),
        value: direct[key],
        unit: 'ms',
        better: 'lower',
        baseline: self(d(metric)),
      },
      {
        metric: w(metric),
        value: weir[key],
        unit: 'ms',
        better: 'lower',
        baseline: self(d(metric)),
      }
    )
  }
  figures.push(
    {
      metric: 'added produce p99 at half load',
      value: weir.p99 - direct.p99,
      unit: 'ms',
      better: 'lower',
      target: plan.addedP99AimMs,
    },
    {
      metric: 'added produce average latency at half load',
      value: weir.avg - direct.avg,
      unit: 'ms',
      better: 'lower',
    }
  )
  return figures
}

export const kafkaProxy: Scenario = {
  name,
  description:
    `Kafka's own ProducerPerformance and ConsumerPerformance (kafka-tools ${versions.kafka}, ` +
    `Java 17, one JVM per run, Kafka's client defaults otherwise: idempotent producer, 5 ms ` +
    `linger, no compression) straight to the broker and through Weir's kafka listener (its own ` +
    `process, \`weir start\`, port mapping), in one run. ${plan.recordBytes}-byte records, ` +
    `acks=all, a fresh ${benchPartitions}-partition topic per phase. Every phase runs direct, ` +
    `Weir, Weir, direct, and a path's figures are over both its runs. After a direct warm-up of ` +
    `${plan.warmUpRecords} records (whose rate sizes the runs: about ${plan.fullSpeedSeconds} s ` +
    `each direct) and one of ${plan.weirWarmUpRecords} through Weir: (1) produce at full speed; ` +
    `(2) produce at half the direct full-speed rate (ProducerPerformance --throughput) for about ` +
    `${plan.halfLoadSeconds} s per run: latency from send() to acknowledgement, percentiles in ` +
    `whole milliseconds as the tool prints them (the average to a hundredth), averaged over a ` +
    `path's runs; (3) consume all of (1)'s topic from the earliest offset, a new group per run: ` +
    `throughput over the fetch time, group join left out. Every produce run's acknowledged ` +
    `records are checked against the topic's offsets, every consume run's count against the ` +
    `topic's. Weir CPU is its process's user + system time while it carried the runs.`,
  async run(ctx) {
    const run = await openRun(ctx, name)
    const { tools, kafka, dir, warnings } = run
    const fresh = async (id: string): Promise<string> => {
      const made = await freshTopic(kafka, `${name}-${id}`)
      run.made.push(made)
      return made.topic
    }
    try {
      const started = await startWeir(ctx, kafka, dir)
      const weir = started.weir
      run.weir = weir

      const warm = await fresh('warm-up')
      ctx.log(`warming up direct on ${warm}`)
      const warmUp = await producerPerformance(tools, {
        bootstrap: ctx.bootstrap,
        topic: warm,
        records: plan.warmUpRecords,
        recordBytes: plan.recordBytes,
        throughput: -1,
        timeoutMs: 180_000,
      })
      ctx.log(`warming up through Weir (direct warm-up: ${warmUp.recordsPerSec} records/s)`)
      await producerPerformance(tools, {
        bootstrap: started.bootstrap,
        topic: warm,
        records: plan.weirWarmUpRecords,
        recordBytes: plan.recordBytes,
        throughput: -1,
        timeoutMs: 180_000,
      })
      const sized = Math.round((warmUp.recordsPerSec * plan.fullSpeedSeconds) / 1000) * 1000
      const records = Math.min(plan.maxRecords, Math.max(plan.minRecords, sized))
      const phase: Phase = {
        ctx,
        kafka,
        tools,
        weir,
        bootstrapOf: { direct: ctx.bootstrap, weir: started.bootstrap },
        warmUpRate: warmUp.recordsPerSec,
        warnings,
      }

      const fullTopic = await fresh('full-speed')
      const full = await producePhase(phase, 'full-speed', fullTopic, records, -1)
      const fullDirect = producedBy(full.runs.direct)
      const fullWeir = producedBy(full.runs.weir)

      const halfRate = Math.max(1, Math.round(fullDirect.recordsPerSec / 2))
      const halfRecords = Math.max(1000, Math.round(halfRate * plan.halfLoadSeconds))
      const halfTopic = await fresh('half-load')
      const half = await producePhase(phase, 'half-load', halfTopic, halfRecords, halfRate)
      const halfDirect = producedBy(half.runs.direct)
      const halfWeir = producedBy(half.runs.weir)
      if (halfDirect.p99 > plan.saturatedP99Ms) {
        // Half the rate the broker just sustained should not queue: if the direct path's own
        // p99 does, the machine is short of CPU and the added latency is noise, either sign.
        ctx.note(
          `At half load the direct path's own p99 was ${halfDirect.p99} ms (over ` +
            `${plan.saturatedP99Ms} ms): sends queued even without Weir, so the machine was ` +
            `saturated and the added-latency figures of this run say little about Weir.`
        )
      }

      const consumed = await consumePhase(phase, fullTopic, full.records)
      const consumeDirect = consumedBy(consumed.runs.direct)
      const consumeWeir = consumedBy(consumed.runs.weir)

      const weirProduced = sum(full.runs.weir.map((r) => r.records))
      const weirConsumed = sum(consumed.runs.weir.map((r) => r.records))
      return [
        ...throughputFigures('produce', fullDirect, fullWeir),
        ...latencyFigures(halfDirect, halfWeir),
        ...throughputFigures('consume', consumeDirect, consumeWeir),
        {
          metric: 'Weir CPU per produced record',
          value: (full.weirCpuSeconds * 1e6) / weirProduced,
          unit: 'µs',
          better: 'lower',
        },
        {
          metric: 'Weir CPU per consumed record',
          value: (consumed.weirCpuSeconds * 1e6) / weirConsumed,
          unit: 'µs',
          better: 'lower',
        },
        {
          metric: 'Weir CPU at full-speed produce',
          value: full.weirCpuSeconds / sum(full.runs.weir.map((r) => r.seconds)),
          unit: 'cores',
          better: 'lower',
        },
        { metric: 'half-load rate', value: halfRate, unit: 'records/s' },
        { metric: 'full-speed records per run', value: records, unit: 'records' },
        { metric: 'consumed records per run', value: full.records, unit: 'records' },
        { metric: 'half-load records per run', value: halfRecords, unit: 'records' },
        {
          metric: 'direct consume group join',
          value: consumeDirect.rebalanceMs,
          unit: 'ms',
          better: 'lower',
          baseline: self('direct consume group join'),
        },
        {
          metric: 'Weir consume group join',
          value: consumeWeir.rebalanceMs,
          unit: 'ms',
          better: 'lower',
          baseline: self('direct consume group join'),
        },
      ]
    } finally {
      await finishRun(ctx, run)
    }
  },
}
