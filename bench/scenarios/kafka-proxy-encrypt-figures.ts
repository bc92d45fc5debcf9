// kafka-proxy-encrypt's figures: each path's throughput, the sealed paths against Weir with
// encryption off (the comparison) and against direct, and Weir's CPU per record.
import type { ConsumerRun, ProducerRun } from '../kafka-perf.ts'
import { figureId, type Figure } from '../scenario.ts'
import { consumedBy, plan, producedBy, sum } from './kafka-proxy.ts'
import type { Measured } from './kafka-proxy-encrypt.ts'
import { encryptName as name, label, type Path } from './kafka-proxy-encrypt-weir.ts'

const self = (metric: string): string => figureId(name, metric)

type Rate = { recordsPerSec: number; mibPerSec: number }

const sealed = ['weir-value', 'weir-field'] as const satisfies readonly Path[]

function throughputFigures(what: 'produce' | 'consume', rate: (p: Path) => Rate): Figure[] {
  const metric = (p: Path, m: string): string => `${label(p)}: ${what} ${m}`
  const figure = (p: Path, m: string, base: string, unit: 'records/s' | 'MiB/s'): Figure => ({
    metric: metric(p, m),
    value: unit === 'records/s' ? rate(p).recordsPerSec : rate(p).mibPerSec,
    unit,
    better: 'higher',
    baseline: self(base),
  })
  const records = (p: Path): string => metric(p, 'throughput')
  const mib = (p: Path): string => metric(p, 'payload throughput')
  return [
    figure('direct', 'throughput', records('direct'), 'records/s'),
    figure('direct', 'payload throughput', mib('direct'), 'MiB/s'),
    figure('weir', 'throughput', records('direct'), 'records/s'),
    figure('weir', 'payload throughput', mib('direct'), 'MiB/s'),
    ...sealed.flatMap((p) => [
      figure(p, 'throughput', records('weir'), 'records/s'),
      figure(p, 'payload throughput', mib('weir'), 'MiB/s'),
      figure(p, 'throughput, against direct', records('direct'), 'records/s'),
    ]),
  ]
}

/** Weir's CPU per record of each Weir path, the sealed ones against encryption off. */
function cpuFigures<R extends { records: number }>(
  what: 'produced' | 'consumed',
  measured: Measured<R>
): Figure[] {
  const metric = (p: Path): string => `${label(p)}: Weir CPU per ${what} record`
  const perRecord = (p: Path): number =>
    (measured.cpu[p].weir * 1e6) / sum(measured.runs[p].map((r) => r.records))
  return (['weir', ...sealed] as const).map((p) => ({
    metric: metric(p),
    value: perRecord(p),
    unit: 'µs',
    better: 'lower',
    baseline: self(metric('weir')),
  }))
}

export function encryptFigures(
  produced: Measured<ProducerRun>,
  consumed: Measured<ConsumerRun>,
  records: number
): Figure[] {
  const producedRate = (p: Path): Rate => producedBy(produced.runs[p], plan.recordBytes)
  const consumedRate = (p: Path): Rate => consumedBy(consumed.runs[p])
  const fullSpeedCores = (p: Path): number =>
    produced.cpu[p].weir / sum(produced.runs[p].map((r) => r.seconds))
  return [
    ...throughputFigures('produce', producedRate),
    ...throughputFigures('consume', consumedRate),
    ...cpuFigures('produced', produced),
    ...cpuFigures('consumed', consumed),
    ...(['weir', ...sealed] as const).map((p): Figure => ({
      metric: `${label(p)}: Weir CPU at full-speed produce`,
      value: fullSpeedCores(p),
      unit: 'cores',
      better: 'lower',
    })),
    { metric: 'full-speed records per run', value: records, unit: 'records' },
    {
      metric: 'consumed records per run',
      value: 2 * records,
      unit: 'records',
    },
  ]
}
