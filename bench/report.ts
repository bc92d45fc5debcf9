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
  scenarios: { name: string; description: string; error?: string }[]
  figures: ReportedFigure[]
  /** Baselines that could not be resolved. */
  problems: string[]
}

const number = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 })

function ratioCell(f: ReportedFigure): string {
  if (f.ratio === null) return f.baseline ? 'n/a' : ''
  return f.ratio.toFixed(2)
}

function scenarioSection(report: RunReport, scenario: RunReport['scenarios'][number]): string[] {
  const lines = [`## ${scenario.name}`, '', scenario.description, '']
  if (scenario.error !== undefined) {
    return [...lines, `**Failed:** ${scenario.error}`, '']
  }
  lines.push(
    '| Metric | Value | Unit | Better | Baseline | Ratio |',
    '| --- | ---: | --- | --- | --- | ---: |'
  )
  for (const f of report.figures.filter((x) => x.scenario === scenario.name)) {
    const cells = [
      f.metric,
      number.format(f.value),
      f.unit,
      f.better ?? '',
      f.baseline ?? '',
      ratioCell(f),
    ]
    lines.push(`| ${cells.join(' | ')} |`)
  }
  return [...lines, '']
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
    ''
  )
  return lines.join('\n')
}

export function writeReport(dir: string, report: RunReport): void {
  const json = {
    date: report.date,
    machine: report.machine,
    versions: report.versions,
    figures: report.figures.map((f) => ({
      ...f,
      value: round(f.value),
      ratio: f.ratio === null ? null : round(f.ratio, 3),
    })),
    failures: report.scenarios.flatMap((s) =>
      s.error === undefined ? [] : [{ scenario: s.name, error: s.error }]
    ),
    problems: report.problems,
  }
  writeFileSync(path.join(dir, 'results.json'), `${JSON.stringify(json, null, 2)}\n`)
  writeFileSync(path.join(dir, 'RESULTS.md'), renderMarkdown(report))
}
