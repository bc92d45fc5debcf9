// The runs of kafka-proxy-secure: every path of a phase in plan order, one client or two at once,
// with where the machine's CPU went while each ran.
import { performance } from 'node:perf_hooks'
import type { Kafka } from 'kafkajs'
import { endedChildrenCpuSeconds, machineBusySeconds } from '../cpu-sample.ts'
import type { ServerProcess } from '../gateway-process.ts'
import type { PerfTools } from '../kafka-perf.ts'
import type { BenchContext } from '../scenario.ts'
import { addWarnings, type Warnings } from './kafka-proxy.ts'
import type { TenantAccess } from './kafka-proxy-secure-weir.ts'

/**
 * Who sends or reads in a run: one client, or two at once each on its own topic (one per tenant),
 * straight to the broker's PLAINTEXT listener or through Weir.
 */
export type Path = 'direct' | 'weir' | 'direct-2' | 'weir-2'

export const paths: readonly Path[] = ['direct', 'weir', 'direct-2', 'weir-2']

export const label = (p: Path): string =>
  ({
    direct: 'direct',
    weir: 'Weir',
    'direct-2': 'direct, 2 clients at once',
    'weir-2': 'Weir, 2 tenants at once',
  })[p]

/** A topic as each path names it, and the tenant whose namespace holds it. */
export interface Topic {
  backend: string
  /** The name the tenant sees: without its namespace. */
  client: string
  tenant: TenantAccess
}

export interface Phase {
  ctx: BenchContext
  kafka: Kafka
  tools: PerfTools
  weir: ServerProcess
  /** The one-client paths' topic, and the two-client paths' two (one per tenant). */
  topics: { single: Topic; pair: readonly [Topic, Topic] }
  warnings: Warnings
}

/** Where a path's client connects, the topic as it names it, and how it logs in. */
export function side(ctx: BenchContext, p: Path, topic: Topic) {
  return p === 'weir' || p === 'weir-2'
    ? { bootstrap: topic.tenant.bootstrap, topic: topic.client, ...topic.tenant.client }
    : { bootstrap: ctx.bootstrap, topic: topic.backend }
}

export const topicsOf = (phase: Phase, p: Path): readonly Topic[] =>
  p === 'direct' || p === 'weir' ? [phase.topics.single] : phase.topics.pair

/** CPU seconds over one or more runs' wall time. */
export interface CpuUse {
  wall: number
  /** All cores, busy with anything: the clients, Weir, the broker, other work on the machine. */
  machine: number
  weir: number
  /** The client JVMs (this process's children that ended during the runs). */
  clients: number
}

export const noCpu: CpuUse = { wall: 0, machine: 0, weir: 0, clients: 0 }

export function cpuNow(weir: ServerProcess): CpuUse {
  return {
    wall: performance.now() / 1000,
    machine: machineBusySeconds(),
    weir: weir.cpuSeconds(),
    clients: endedChildrenCpuSeconds(),
  }
}

export const cpuPlus = (a: CpuUse, b: CpuUse, sign = 1): CpuUse => ({
  wall: a.wall + sign * b.wall,
  machine: a.machine + sign * b.machine,
  weir: a.weir + sign * b.weir,
  clients: a.clients + sign * b.clients,
})

/** For a note: cores busy over the runs (JVM start-up included), and who took them. */
export function describeCpu(cpu: CpuUse): string {
  const cores = (s: number): string => (s / cpu.wall).toFixed(2)
  const rest = Math.max(0, cpu.machine - cpu.weir - cpu.clients)
  return (
    `${cores(cpu.machine)} cores busy (Weir ${cores(cpu.weir)}, client JVMs ` +
    `${cores(cpu.clients)}, broker and everything else ${cores(rest)})`
  )
}

/** The clients of one run, started together. */
export interface Round<R> {
  runs: R[]
  /** Each client's own measured time. */
  spans: number[]
  /**
   * From the earliest client's first send (or fetch) to the latest one's last: each client's
   * start is put at its exit less its own measured time, so JVM start-up and exit are left out
   * of every client alike.
   */
  seconds: number
}

/** The clients' runs as one round, from each run and when (in seconds) its client exited. */
export function roundOf<R>(
  ended: readonly { run: R; at: number }[],
  secondsOf: (run: R) => number
): Round<R> {
  const spans = ended.map((e) => secondsOf(e.run))
  const start = Math.min(...ended.map((e, k) => e.at - (spans[k] ?? 0)))
  return {
    runs: ended.map((e) => e.run),
    spans,
    seconds: Math.max(...ended.map((e) => e.at)) - start,
  }
}

export interface Measured<R> {
  rounds: Record<Path, Round<R>[]>
  cpu: Record<Path, CpuUse>
}

interface ToolRun {
  records: number
  warnings: Map<string, number>
}

/**
 * Runs every path of a phase in plan order, each client of a path at once; `check` looks at each
 * round's outcome (records sent, landed, read).
 */
export async function phaseRuns<R extends ToolRun>(
  phase: Phase,
  what: 'produce' | 'consume',
  order: readonly Path[],
  client: (p: Path, topic: Topic, i: number) => Promise<R>,
  secondsOf: (run: R) => number,
  check: (p: Path, topics: readonly Topic[], round: Round<R>) => Promise<void>
): Promise<Measured<R>> {
  const { ctx, weir } = phase
  const rounds = Object.fromEntries(paths.map((p) => [p, []])) as unknown as Measured<R>['rounds']
  const cpu = Object.fromEntries(paths.map((p) => [p, noCpu])) as Measured<R>['cpu']
  for (const [i, p] of order.entries()) {
    const topics = topicsOf(phase, p)
    ctx.log(`${what} ${i + 1}/${order.length}: ${label(p)} (${topics.length} client(s))`)
    const before = cpuNow(weir)
    const ended = await Promise.all(
      topics.map(async (topic) => {
        const run = await client(p, topic, i)
        return { run, at: performance.now() / 1000 }
      })
    )
    cpu[p] = cpuPlus(cpu[p], cpuPlus(cpuNow(weir), before, -1))
    const round = roundOf(ended, secondsOf)
    const { spans } = round
    rounds[p].push(round)
    for (const [k, run] of round.runs.entries()) {
      const who = `${label(p)}${topics.length > 1 ? ` client ${k + 1}` : ''}`
      addWarnings(phase.warnings, `${what} ${who}`, run.warnings)
      ctx.log(
        `${what} ${who}: ${run.records} records, ${(run.records / (spans[k] ?? NaN)).toFixed(0)} records/s`
      )
    }
    await check(p, topics, round)
  }
  return { rounds, cpu }
}

export const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0)

/** Throughput of a path's rounds: all their records over their summed spans. */
export function rateOf<R extends { records: number }>(
  rounds: readonly Round<R>[],
  mibOf: (run: R) => number
): { recordsPerSec: number; mibPerSec: number } {
  const seconds = sum(rounds.map((r) => r.seconds))
  return {
    recordsPerSec: sum(rounds.flatMap((r) => r.runs.map((run) => run.records))) / seconds,
    mibPerSec: sum(rounds.flatMap((r) => r.runs.map(mibOf))) / seconds,
  }
}

/** Client `k`'s share of a path's rounds, as rounds of its own. */
export const clientRounds = <R>(rounds: readonly Round<R>[], k: number): Round<R>[] =>
  rounds.flatMap((r) => {
    const run = r.runs[k]
    const span = r.spans[k]
    return run === undefined || span === undefined
      ? []
      : [{ runs: [run], spans: [span], seconds: span }]
  })
