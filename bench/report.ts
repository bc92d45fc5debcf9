// Writes a run's figures twice: RESULTS.md for people, results.json for tools and later diffs.
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Machine, Versions } from './environment.ts'
import type { ReportedFigure } from './plan.ts'
import { round } from './stats.ts'

export interface RunReport {
  date: string
  machine: Machine
  versions: Versions
  /** 1-minute load averages when the run started and ended: how busy the machine was otherwise. */
  load: { start: number; end: number }
  scenarios: {
    name: string
    description: string
    /** Remarks the scenario made for the report. */
    notes: string[]
    /** What went wrong without failing the scenario (also in `problems`, with its name). */
    problems: string[]
    error?: string
  }[]
  figures: ReportedFigure[]
  /** Baselines that could not be resolved. */
  problems: string[]
}

const number = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 })

function ratioCell(f: ReportedFigure): string {
  if (f.ratio === null) return f.baseline ? 'n/a' : ''
  return f.ratio.toFixed(2)
}

function aimCell(f: ReportedFigure): string {
  if (f.aim === null) return ''
  const bound = `${f.better === 'lower' ? '<=' : '>='} ${f.aim.ratio.toFixed(2)}`
  if (f.aim.met === null) return bound
  return `${bound} ${f.aim.met ? 'met' : '**missed**'}`
}

function scenarioSection(report: RunReport, scenario: RunReport['scenarios'][number]): string[] {
  const lines = [`## ${scenario.name}`, '', scenario.description, '']
  const remarks = [
    ...scenario.problems.map((p) => `- **Problem:** ${p}`),
    ...scenario.notes.map((n) => `- ${n}`),
  ]
  if (scenario.error !== undefined) {
    return [
      ...lines,
      `**Failed:** ${scenario.error}`,
      '',
      ...remarks,
      ...(remarks.length ? [''] : []),
    ]
  }
  const figures = report.figures.filter((x) => x.scenario === scenario.name)
  if (figures.length === 0) return [...lines, ...remarks, '']
  lines.push(
    '| Metric | Value | Unit | Better | Baseline | Ratio | Aim |',
    '| --- | ---: | --- | --- | --- | ---: | --- |'
  )
  for (const f of figures) {
    const cells = [
      f.metric,
      number.format(f.value),
      f.unit,
      f.better ?? '',
      f.baseline ?? '',
      ratioCell(f),
      aimCell(f),
    ]
    lines.push(`| ${cells.join(' | ')} |`)
  }
  lines.push('')
  if (remarks.length > 0) lines.push(...remarks, '')
  return lines
}

export function renderMarkdown(report: RunReport): string {
  const { machine, versions } = report
  const lines = [
    '# Weir benchmark results',
    '',
    `Date: ${report.date}`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB memory`,
    '',
    `Versions: Node.js ${versions.node}, kafkajs ${versions.kafkajs}, Apache Kafka ${versions.kafka}, ${versions.os}`,
    '',
    `Load average (1 min): ${report.load.start.toFixed(2)} when the run started, ${report.load.end.toFixed(2)} when it ended` +
      ` (on ${machine.cores} cores; what runs besides the bench shows up in every figure).`,
    '',
    // Why the figures are best read as ratios: the absolute ones depend on everything sharing the box.
    'The client, the broker (a single local KRaft node) and, for gateway scenarios, Weir all run on',
    'this one machine, so absolute figures are modest and vary with it. The ratio column compares a',
    'figure with its baseline measured in the same run (value / baseline): above 1 is better for',
    '"higher" figures, worse for "lower" ones such as latency. The direct path is its own baseline.',
    '',
  ]
  for (const scenario of report.scenarios) lines.push(...scenarioSection(report, scenario))
  if (report.problems.length > 0) {
    lines.push('## Problems', '', ...report.problems.map((p) => `- ${p}`), '')
  }
  lines.push(
    '## Reproduce',
    '',
    'Run `npm run bench` for every scenario, or `npm run bench -- direct-produce` for named ones',
    '(their baselines run too). It starts a fresh local Kafka on random ports and stops it afterwards;',
    'set `WEIR_BENCH_BOOTSTRAP` (and `WEIR_BENCH_REGISTRY`) to measure against running ones instead.',
    'Each run overwrites this file and `bench/results.json`.',
    '',
    'For the HTTP scenarios: `WEIR_BENCH_HTTP_VARIANTS=json-single,avro-batch` measures only those',
    'variants; `WEIR_BENCH_WEIR_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` profiles the Weir',
    'process (read the profile with `node bench/profile-summary.ts FILE`);',
    '`WEIR_BENCH_WEIR_ROOT=/path/to/other/checkout` runs the Weir of another worktree, to compare a',
    'change; `WEIR_BENCH_STRIMZI_LIB` points at the jars of the Strimzi Kafka Bridge when Maven',
    'Central cannot provide them.',
    ''
  )
  return lines.join('\n')
}

export function writeReport(dir: string, report: RunReport): void {
  const json = {
    date: report.date,
    machine: report.machine,
    versions: report.versions,
    load: report.load,
    figures: report.figures.map((f) => ({
      ...f,
      value: round(f.value),
      ratio: f.ratio === null ? null : round(f.ratio, 3),
    })),
    failures: report.scenarios.flatMap((s) =>
      s.error === undefined ? [] : [{ scenario: s.name, error: s.error }]
    ),
    notes: report.scenarios.flatMap((s) => s.notes.map((note) => ({ scenario: s.name, note }))),
    problems: report.problems,
  }
  writeFileSync(path.join(dir, 'results.json'), `${JSON.stringify(json, null, 2)}\n`)
  writeFileSync(path.join(dir, 'RESULTS.md'), renderMarkdown(report))
}
