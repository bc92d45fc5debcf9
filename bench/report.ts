// Writes a run's figures twice: RESULTS.md for people, results.json for tools and later diffs.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Machine, Versions } from './environment.ts'
import type { ReportedFigure } from './plan.ts'
import { round } from './stats.ts'

/** When and where figures were measured. */
export interface RunInfo {
  date: string
  machine: Machine
  versions: Versions
  /** 1-minute load averages when the run started and ended: how busy the machine was otherwise. */
  load: { start: number; end: number }
}

export interface ScenarioOutcome {
  name: string
  description: string
  /** Remarks the scenario made for the report. */
  notes: string[]
  /** What went wrong without failing the scenario (also in `problems`, with its name). */
  problems: string[]
  error?: string
  /** Not run this time: its figures come from this earlier run (see carry-over.ts). */
  carried?: RunInfo
}

export interface RunReport extends RunInfo {
  scenarios: ScenarioOutcome[]
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
  const cells: string[] = []
  const sign = f.better === 'lower' ? '<=' : '>='
  const judged = (bound: string, met: boolean | null): string =>
    met === null ? bound : `${bound} ${met ? 'met' : '**missed**'}`
  if (f.aim) cells.push(judged(`${sign} ${f.aim.ratio.toFixed(2)}`, f.aim.met))
  // An absolute aim is a value in the figure's unit, not a ratio.
  if (f.target)
    cells.push(judged(`${sign} ${number.format(f.target.value)} ${f.unit}`, f.target.met))
  return cells.join('; ')
}

/** Says that a section's figures are an earlier run's, and what differed about that run. */
function carriedLine(report: RunReport, run: RunInfo): string {
  const { versions: v, machine: m } = run
  const others: string[] = []
  if (JSON.stringify(v) !== JSON.stringify(report.versions)) {
    others.push(`Node.js ${v.node}, kafkajs ${v.kafkajs}, Apache Kafka ${v.kafka}, ${v.os}`)
  }
  if (JSON.stringify(m) !== JSON.stringify(report.machine)) {
    others.push(`${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB memory`)
  }
  return (
    `_Not run this time: figures of the run of ${run.date} (load average ` +
    `${run.load.start.toFixed(2)} at its start, ${run.load.end.toFixed(2)} at its end` +
    `${others.length ? `; ${others.join('; ')}` : ''})._`
  )
}

function scenarioSection(report: RunReport, scenario: ScenarioOutcome): string[] {
  const lines = [`## ${scenario.name}`, '', scenario.description, '']
  if (scenario.carried) lines.push(carriedLine(report, scenario.carried), '')
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
    'Each run rewrites this file and `bench/results.json`; scenarios it did not run keep the figures',
    'of their last run, marked with its date.',
    '',
    'For the HTTP scenarios: `WEIR_BENCH_HTTP_VARIANTS=json-single,avro-batch` measures only those',
    'variants; `WEIR_BENCH_WEIR_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` profiles the Weir',
    'process (read the profile with `node bench/profile-summary.ts FILE`);',
    '`WEIR_BENCH_WEIR_ROOT=/path/to/other/checkout` runs the Weir of another worktree, to compare a',
    'change; `WEIR_BENCH_STRIMZI_LIB` points at the jars of the Strimzi Kafka Bridge when Maven',
    'Central cannot provide them; `WEIR_BENCH_BRIDGE_LINGER_MS=0` runs the naive bridge without',
    "its 2 ms linger. Weir's own CPU per produce request, in process and without sockets (to",
    'compare source trees to half a microsecond): `node bench/http-produce-inprocess.ts --roots',
    "DIR,DIR` (add `--bootstrap HOST:PORT` for real Kafka beside the naive bridge's producer).",
    '',
    'For fanout: `WEIR_BENCH_FANOUT_IDLE`, `WEIR_BENCH_FANOUT_LIVE`, `WEIR_BENCH_FANOUT_RATE`,',
    '`WEIR_BENCH_FANOUT_RAMP` (e.g. `2000,4000`) and `WEIR_BENCH_FANOUT_RAMP_RATE` change the idle',
    'and live subscriber counts and the record rates, and `WEIR_BENCH_FANOUT_WORKERS=2` runs Weir',
    'with `--workers 2`, for exploring.',
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
    // When and where each scenario's figures were measured, so a later run of other scenarios
    // can keep them (see carry-over.ts).
    scenarios: report.scenarios.map((s) => {
      const run = s.carried ?? report
      return {
        name: s.name,
        description: s.description,
        date: run.date,
        load: run.load,
        machine: run.machine,
        versions: run.versions,
      }
    }),
  }
  writeFileSync(path.join(dir, 'results.json'), `${JSON.stringify(json, null, 2)}\n`)
  const markdown = path.join(dir, 'RESULTS.md')
  const notes = existsSync(markdown) ? handWrittenNotes(readFileSync(markdown, 'utf8')) : ''
  writeFileSync(markdown, `${renderMarkdown(report)}\n${notesMarker}\n\n${notes}`)
}

/**
 * Where the generated part of RESULTS.md ends. What follows it is written by people (before and
 * after comparisons, runs of other trees, what a figure means) and each run keeps it as it is.
 */
export const notesMarker = '<!-- Notes below are written by hand; `npm run bench` keeps them. -->'

/** The hand-written notes of a RESULTS.md: after the marker, or (older files) from the first "## Issue". */
export function handWrittenNotes(markdown: string): string {
  const marker = markdown.indexOf(notesMarker)
  if (marker >= 0) return markdown.slice(marker + notesMarker.length).replace(/^\n+/, '')
  const issue = markdown.search(/^## Issue /m)
  return issue >= 0 ? markdown.slice(issue) : ''
}
