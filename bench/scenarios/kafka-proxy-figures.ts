// kafka-proxy's figures: each proxy's throughput and half-load latency against the direct path of
// the same run, and Weir's against Kroxylicious's, the peer measured beside it.
import type { ConsumerRun, ProducerRun } from '../kafka-perf.ts'
import type { Figure } from '../scenario.ts'
import {
  consumedBy,
  label,
  producedBy,
  sum,
  type Path,
  type Proxy,
  type Runs,
} from './kafka-proxy-runs.ts'

type Produced = ReturnType<typeof producedBy>
type Throughput = { recordsPerSec: number; mibPerSec: number }

export interface FigureAims {
  /** Throughput of Weir as a share of the direct path's. */
  throughput: number
  /** Consume throughput of Weir as a multiple of Kroxylicious's. */
  consumeVsPeer: number
  addedP99Ms: number
  /** Weir's CPU per MiB fetched. */
  consumeCpuMsPerMiB: number
}

export interface ProxyOutcome {
  full: { runs: Runs<ProducerRun>; cpuSeconds: Record<Proxy, number> }
  half: { runs: Runs<ProducerRun> }
  consumed: { runs: Runs<ConsumerRun>; cpuSeconds: Record<Proxy, number> }
  recordBytes: number
}

const paths: readonly Path[] = ['direct', 'weir', 'kroxylicious']
const proxies: readonly Proxy[] = ['weir', 'kroxylicious']

/** Builds the figures; `self` names a figure of this scenario as a baseline. */
export function proxyFigures(
  outcome: ProxyOutcome,
  aims: FigureAims,
  self: (metric: string) => string
): Figure[] {
  const produced = byPath((p) => producedBy(outcome.full.runs[p], outcome.recordBytes))
  const half = byPath((p) => producedBy(outcome.half.runs[p], outcome.recordBytes))
  const consumed = byPath((p) => consumedBy(outcome.consumed.runs[p]))
  return [
    ...throughputFigures('produce', produced, undefined, aims.throughput, self),
    ...latencyFigures(half, aims.addedP99Ms, self),
    ...throughputFigures('consume', consumed, aims.consumeVsPeer, aims.throughput, self),
    ...cpuFigures(outcome, aims, self),
    ...paths.map((p): Figure => ({
      metric: `${label(p)} consume group join`,
      value: consumed[p].rebalanceMs,
      unit: 'ms',
      better: 'lower',
      baseline: self('direct consume group join'),
    })),
  ]
}

function byPath<T>(f: (p: Path) => T): Record<Path, T> {
  return { direct: f('direct'), weir: f('weir'), kroxylicious: f('kroxylicious') }
}

/**
 * Every path's records/s and MiB/s against the direct path's, then Weir's against
 * Kroxylicious's (the same values, another baseline).
 */
function throughputFigures(
  what: 'produce' | 'consume',
  of: Record<Path, Throughput>,
  vsPeerAim: number | undefined,
  aim: number,
  self: (metric: string) => string
): Figure[] {
  const figures: Figure[] = []
  const units = [
    ['throughput', 'records/s', 'recordsPerSec'],
    ['payload throughput', 'MiB/s', 'mibPerSec'],
  ] as const
  for (const p of paths) {
    for (const [metric, unit, key] of units) {
      figures.push({
        metric: `${label(p)} ${what} ${metric}`,
        value: of[p][key],
        unit,
        better: 'higher',
        baseline: self(`direct ${what} ${metric}`),
        ...(p === 'weir' ? { aim } : {}),
      })
    }
  }
  figures.push({
    metric: `Weir ${what} throughput against Kroxylicious`,
    value: of.weir.recordsPerSec,
    unit: 'records/s',
    better: 'higher',
    baseline: self(`Kroxylicious ${what} throughput`),
    ...(vsPeerAim === undefined ? {} : { aim: vsPeerAim }),
  })
  return figures
}

function latencyFigures(
  of: Record<Path, Produced>,
  addedP99Ms: number,
  self: (metric: string) => string
): Figure[] {
  const figures: Figure[] = []
  const kinds = [
    ['p50', 'produce p50'],
    ['p99', 'produce p99'],
    ['avg', 'produce average latency'],
  ] as const
  for (const [key, metric] of kinds) {
    for (const p of paths) {
      figures.push({
        metric: `${label(p)} half-load ${metric}`,
        value: of[p][key],
        unit: 'ms',
        better: 'lower',
        baseline: self(`direct half-load ${metric}`),
      })
    }
  }
  for (const p of proxies) {
    // Weir's keep the names they had before Kroxylicious was measured beside it.
    const who = p === 'weir' ? '' : `${label(p)}: `
    figures.push(
      {
        metric: `${who}added produce p99 at half load`,
        value: of[p].p99 - of.direct.p99,
        unit: 'ms',
        better: 'lower',
        ...(p === 'weir' ? { target: addedP99Ms } : {}),
      },
      {
        metric: `${who}added produce average latency at half load`,
        value: of[p].avg - of.direct.avg,
        unit: 'ms',
        better: 'lower',
      }
    )
  }
  return figures
}

/**
 * Each proxy's CPU per record, per MiB and in cores; Weir's against Kroxylicious's for the same
 * work, Kroxylicious's its own baseline.
 */
function cpuFigures(outcome: ProxyOutcome, aims: FigureAims, self: (m: string) => string) {
  const figures: Figure[] = []
  const { full, consumed, recordBytes } = outcome
  for (const p of proxies) {
    const produced = sum(full.runs[p].map((r) => r.records))
    const read = sum(consumed.runs[p].map((r) => r.records))
    const readMiB = sum(consumed.runs[p].map((r) => r.mib))
    const cpu = (metric: string, value: number, unit: string, target?: number): Figure => ({
      metric: `${label(p)} CPU ${metric}`,
      value,
      unit,
      better: 'lower',
      baseline: self(`Kroxylicious CPU ${metric}`),
      ...(p === 'weir' && target !== undefined ? { target } : {}),
    })
    figures.push(
      cpu('per produced record', (full.cpuSeconds[p] * 1e6) / produced, 'µs'),
      cpu('per consumed record', (consumed.cpuSeconds[p] * 1e6) / read, 'µs'),
      cpu(
        'per produced MiB',
        (full.cpuSeconds[p] * 1e3) / ((produced * recordBytes) / 2 ** 20),
        'ms'
      ),
      cpu(
        'per consumed MiB',
        (consumed.cpuSeconds[p] * 1e3) / readMiB,
        'ms',
        aims.consumeCpuMsPerMiB
      ),
      cpu(
        'at full-speed produce',
        full.cpuSeconds[p] / sum(full.runs[p].map((r) => r.seconds)),
        'cores'
      )
    )
  }
  return figures
}
