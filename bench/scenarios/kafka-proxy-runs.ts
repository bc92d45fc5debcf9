// kafka-proxy's phases: Kafka's ProducerPerformance or ConsumerPerformance on each path (direct,
// Weir, Kroxylicious) in the plan's interleaved order, the runs checked against the topic, and
// each proxy's CPU time while it carried its own runs.
import { randomBytes } from 'node:crypto'
import type { Kafka } from 'kafkajs'
import type { ServerProcess } from '../gateway-process.ts'
import { recordsIn } from '../kafka.ts'
import {
  consumerPerformance,
  producerPerformance,
  type ConsumerRun,
  type PerfTools,
  type ProducerRun,
} from '../kafka-perf.ts'
import type { BenchContext } from '../scenario.ts'

/** The paths a run can take: straight to the broker, or through one of the proxies. */
export type Path = 'direct' | Proxy
export type Proxy = 'weir' | 'kroxylicious'

const labels: Record<Path, string> = {
  direct: 'direct',
  weir: 'Weir',
  kroxylicious: 'Kroxylicious',
}
export const label = (p: Path): string => labels[p]

export const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0)
const mean = (xs: readonly number[]): number => sum(xs) / xs.length

/** A path's runs of a phase as one: throughput over their summed time, latencies averaged. */
export function producedBy(runs: readonly ProducerRun[], recordBytes: number) {
  const records = sum(runs.map((r) => r.records))
  const seconds = sum(runs.map((r) => r.seconds))
  return {
    recordsPerSec: records / seconds,
    mibPerSec: (records * recordBytes) / seconds / 2 ** 20,
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

export interface Phase {
  ctx: BenchContext
  kafka: Kafka
  tools: PerfTools
  /** Every phase runs the paths in this order. */
  order: readonly Path[]
  recordBytes: number
  proxies: Record<Proxy, ServerProcess>
  bootstrapOf: Record<Path, string>
  /** Records per second of the direct warm-up, for timeouts. */
  warmUpRate: number
  warnings: Warnings
}

export type Runs<R> = Record<Path, R[]>

interface PhaseResult<R> {
  runs: Runs<R>
  /** Each proxy's CPU time (user + system) while it carried its own runs. */
  cpuSeconds: Record<Proxy, number>
}

/**
 * Runs `one` on each path in the phase's order, adding a proxy's CPU time over the run to its
 * tally, so the CPU of a proxy idling through the others' runs is left out.
 */
async function eachPath<R>(
  phase: Phase,
  one: (p: Path, i: number) => Promise<R>
): Promise<PhaseResult<R>> {
  const result: PhaseResult<R> = {
    runs: { direct: [], weir: [], kroxylicious: [] },
    cpuSeconds: { weir: 0, kroxylicious: 0 },
  }
  for (const [i, p] of phase.order.entries()) {
    const proxy = p === 'direct' ? undefined : { p, process: phase.proxies[p] }
    const cpuBefore = proxy?.process.cpuSeconds() ?? 0
    const run = await one(p, i)
    if (proxy) result.cpuSeconds[proxy.p] += proxy.process.cpuSeconds() - cpuBefore
    result.runs[p].push(run)
  }
  return result
}

export interface ProducePhase extends PhaseResult<ProducerRun> {
  /** Records in the topic after the phase: what the consume phase reads. */
  records: number
}

/**
 * Runs ProducerPerformance on each path in plan order, all to the phase's topic, and checks that
 * each run's acknowledged records all landed (the topic's offsets grew by as many).
 */
export async function producePhase(
  phase: Phase,
  id: string,
  topic: string,
  records: number,
  throughput: number
): Promise<ProducePhase> {
  const { ctx, kafka, tools, order } = phase
  // A run that takes six times what the direct warm-up's rate (or the throttle) says it should,
  // and a minute at least, is stuck, not slow.
  const rate = throughput > 0 ? throughput : phase.warmUpRate
  const timeoutMs = Math.max(60_000, ((6 * records) / Math.max(rate, 100)) * 1000)
  let before = await recordsIn(kafka, topic)
  const result = await eachPath(phase, async (p, i) => {
    ctx.log(`${id} ${i + 1}/${order.length}: ${label(p)}, ${records} records to ${topic}`)
    const run = await producerPerformance(tools, {
      bootstrap: phase.bootstrapOf[p],
      topic,
      records,
      recordBytes: phase.recordBytes,
      throughput,
      timeoutMs,
    })
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
    return run
  })
  return { ...result, records: before }
}

/** Reads the same topic with ConsumerPerformance on each path in plan order, a new group each. */
export function consumePhase(
  phase: Phase,
  topic: string,
  records: number,
  groupPrefix: string
): Promise<PhaseResult<ConsumerRun>> {
  const { ctx, tools, order } = phase
  return eachPath(phase, async (p, i) => {
    ctx.log(`consume ${i + 1}/${order.length}: ${label(p)}, ${records} records of ${topic}`)
    const run = await consumerPerformance(tools, {
      bootstrap: phase.bootstrapOf[p],
      topic,
      records,
      group: `${groupPrefix}-${p}-${i}-${randomBytes(3).toString('hex')}`,
      timeoutMs: 120_000,
    })
    addWarnings(phase.warnings, `consume ${label(p)} consumer`, run.warnings)
    ctx.log(
      `consume ${label(p)}: ${run.recordsPerSec.toFixed(0)} records/s over ${run.fetchMs} ms ` +
        `(group join ${run.rebalanceMs} ms)`
    )
    if (run.records !== records) {
      ctx.problem(`consume ${label(p)}: read ${run.records} of the ${records} records in ${topic}`)
    }
    return run
  })
}
