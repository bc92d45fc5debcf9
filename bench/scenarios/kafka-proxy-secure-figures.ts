// kafka-proxy-secure's figures: each path's throughput against the direct path of the same
// concurrency (aggregate and per tenant), and Weir's CPU for what it carried.
import type { ConsumerRun, ProducerRun } from '../kafka-perf.ts'
import { figureId, type Figure } from '../scenario.ts'
import { clientRounds, rateOf, sum, type Measured, type Path } from './kafka-proxy-secure-runs.ts'
import { secureName as name, securePlan, type TenantAccess } from './kafka-proxy-secure-weir.ts'

const self = (metric: string): string => figureId(name, metric)
export const mib = (records: number): number => (records * securePlan.recordBytes) / 2 ** 20

/** How the figures name each path (the one-client ones as earlier runs named them). */
const figureLabel: Record<Path, string> = {
  direct: 'direct',
  weir: 'Weir (TLS+SNI, SCRAM, schema)',
  'direct-2': 'direct, 2 clients at once:',
  'weir-2': 'Weir, 2 tenants at once:',
}

type Rate = { recordsPerSec: number; mibPerSec: number }

/** A baseline path's figures (its own baseline) and the path compared with it. */
function throughputFigures(
  what: 'produce' | 'consume',
  direct: { label: string; rate: Rate },
  weir: { label: string; rate: Rate }
): Figure[] {
  const d = (metric: string): string => `${direct.label} ${what} ${metric}`
  const w = (metric: string): string => `${weir.label} ${what} ${metric}`
  const figure = (metric: string, value: number, unit: string, base: string): Figure => ({
    metric,
    value,
    unit,
    better: 'higher',
    baseline: self(base),
  })
  return [
    figure(d('throughput'), direct.rate.recordsPerSec, 'records/s', d('throughput')),
    figure(d('payload throughput'), direct.rate.mibPerSec, 'MiB/s', d('payload throughput')),
    figure(w('throughput'), weir.rate.recordsPerSec, 'records/s', d('throughput')),
    figure(w('payload throughput'), weir.rate.mibPerSec, 'MiB/s', d('payload throughput')),
  ]
}

/** One client against one client, two at once against two at once, and each tenant's share. */
export function phaseFigures<R extends { records: number }>(
  what: 'produce' | 'consume',
  measured: Measured<R>,
  mibOf: (run: R) => number,
  tenants: readonly TenantAccess[]
): Figure[] {
  const { rounds } = measured
  const of = (p: Path, k?: number): Rate =>
    rateOf(k === undefined ? rounds[p] : clientRounds(rounds[p], k), mibOf)
  const figures = [
    ...throughputFigures(
      what,
      { label: figureLabel.direct, rate: of('direct') },
      { label: figureLabel.weir, rate: of('weir') }
    ),
    ...throughputFigures(
      what,
      { label: figureLabel['direct-2'], rate: of('direct-2') },
      { label: figureLabel['weir-2'], rate: of('weir-2') }
    ),
  ]
  for (const [k, tenant] of tenants.entries()) {
    const vc = tenant.plan.virtualCluster
    figures.push(
      ...throughputFigures(
        what,
        { label: `direct, 2 clients at once, ${vc}'s topic:`, rate: of('direct-2', k) },
        { label: `Weir, 2 tenants at once, ${vc}:`, rate: of('weir-2', k) }
      )
    )
  }
  return figures
}

/** Weir's CPU for what it carried: per record and per MiB, one tenant and two at once. */
export function cpuFigures(
  produced: Measured<ProducerRun>,
  consumed: Measured<ConsumerRun>,
  records: number
): Figure[] {
  const carried = <R extends { records: number }>(m: Measured<R>, p: Path): number =>
    sum(m.rounds[p].flatMap((r) => r.runs.map((run) => run.records)))
  const perMiB = <R extends { records: number }>(m: Measured<R>, p: Path): number =>
    (m.cpu[p].weir * 1000) / mib(carried(m, p))
  const fullSpeedCores = (p: Path): number =>
    produced.cpu[p].weir / sum(produced.rounds[p].map((r) => r.seconds))
  const two = figureLabel['weir-2']
  return [
    {
      metric: 'Weir CPU per produced record',
      value: (produced.cpu.weir.weir * 1e6) / carried(produced, 'weir'),
      unit: 'µs',
      better: 'lower',
    },
    {
      metric: 'Weir CPU per consumed record',
      value: (consumed.cpu.weir.weir * 1e6) / carried(consumed, 'weir'),
      unit: 'µs',
      better: 'lower',
    },
    {
      metric: 'Weir CPU at full-speed produce',
      value: fullSpeedCores('weir'),
      unit: 'cores',
      better: 'lower',
    },
    ...(['produced', 'consumed'] as const).flatMap((what): Figure[] => {
      const of = (p: Path): number =>
        what === 'produced' ? perMiB(produced, p) : perMiB(consumed, p)
      const one = `Weir CPU per ${what} MiB`
      return [
        { metric: one, value: of('weir'), unit: 'ms', better: 'lower', baseline: self(one) },
        {
          metric: `${two} CPU per ${what} MiB`,
          value: of('weir-2'),
          unit: 'ms',
          better: 'lower',
          baseline: self(one),
        },
      ]
    }),
    {
      metric: `${two} CPU at full-speed produce`,
      value: fullSpeedCores('weir-2'),
      unit: 'cores',
      better: 'lower',
    },
    { metric: 'full-speed records per run', value: records, unit: 'records' },
    { metric: 'consumed records per run', value: 4 * records, unit: 'records' },
  ]
}
