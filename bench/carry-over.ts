// A run of some scenarios (`npm run bench -- fanout`) must not wipe the figures of the others from
// the report: it keeps each scenario it did not run as the last results.json has it, marked with
// the date of the run that measured it. Scenarios no longer in the bench are dropped.
import { existsSync, readFileSync } from 'node:fs'
import type { ReportedFigure } from './plan.ts'
import type { RunInfo, RunReport, ScenarioOutcome } from './report.ts'

/** results.json as writeReport writes it; `scenarios` is missing from files written before it. */
export interface StoredResults extends RunInfo {
  figures: ReportedFigure[]
  failures?: { scenario: string; error: string }[]
  notes?: { scenario: string; note: string }[]
  problems?: string[]
  scenarios?: ({ name: string; description: string } & RunInfo)[]
}

/** The results a file holds, or undefined when there is none or it cannot be read. */
export function readStoredResults(file: string): StoredResults | undefined {
  if (!existsSync(file)) return undefined
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredResults
    return Array.isArray(stored.figures) && typeof stored.date === 'string' ? stored : undefined
  } catch {
    return undefined
  }
}

/** The stored run's problems that belong to `name` (its own, and its figures' baselines). */
const problemsOf = (stored: StoredResults, name: string): string[] =>
  (stored.problems ?? []).filter((p) => p.startsWith(`${name}: `) || p.startsWith(`${name}/`))

/**
 * `report` plus, for every scenario of `stored` that `report` did not run and `known` still has,
 * its figures, notes, problems and failure, in the order of `known`.
 */
export function carryOver(
  report: RunReport,
  stored: StoredResults | undefined,
  known: readonly { name: string; description: string }[]
): RunReport {
  if (stored === undefined) return report
  const ran = new Set(report.scenarios.map((s) => s.name))
  const storedNames = new Set([
    ...(stored.scenarios ?? []).map((s) => s.name),
    ...stored.figures.map((f) => f.scenario),
    ...(stored.failures ?? []).map((f) => f.scenario),
    // A scenario may have measured nothing and only said why (a peer it could not get).
    ...(stored.notes ?? []).map((n) => n.scenario),
  ])
  const carried: ScenarioOutcome[] = []
  const figures: ReportedFigure[] = []
  const problems: string[] = []
  for (const name of storedNames) {
    const scenario = known.find((s) => s.name === name)
    if (ran.has(name) || scenario === undefined) continue
    const info = stored.scenarios?.find((s) => s.name === name)
    const run: RunInfo = {
      date: info?.date ?? stored.date,
      machine: info?.machine ?? stored.machine,
      versions: info?.versions ?? stored.versions,
      load: info?.load ?? stored.load,
    }
    const prefix = `${name}: `
    const own = problemsOf(stored, name)
    carried.push({
      name,
      description: info?.description ?? scenario.description,
      notes: (stored.notes ?? []).filter((n) => n.scenario === name).map((n) => n.note),
      problems: own.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length)),
      error: stored.failures?.find((f) => f.scenario === name)?.error,
      carried: run,
    })
    figures.push(...stored.figures.filter((f) => f.scenario === name))
    problems.push(
      ...own.map((p) => (p.endsWith(`(run of ${run.date})`) ? p : `${p} (run of ${run.date})`))
    )
  }
  if (carried.length === 0) return report
  const order = (name: string): number => {
    const index = known.findIndex((s) => s.name === name)
    return index < 0 ? known.length : index
  }
  const scenarios = [...report.scenarios, ...carried].sort((a, b) => order(a.name) - order(b.name))
  return {
    ...report,
    scenarios,
    figures: [...report.figures, ...figures].sort((a, b) => order(a.scenario) - order(b.scenario)),
    problems: [...report.problems, ...problems],
  }
}
