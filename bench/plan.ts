// Which scenarios run, in which order, and how their figures relate to their baselines. Pure
// functions, so the rules are easy to read and to test.
import { figureId, type Better, type Figure, type Scenario } from './scenario.ts'

/**
 * The scenarios named (all when none are), plus the baselines they compare against, ordered so
 * every baseline runs before the scenarios that refer to it. Unknown names are an error.
 */
export function planRun(all: readonly Scenario[], names: readonly string[]): Scenario[] {
  const byName = new Map(all.map((s) => [s.name, s]))
  const unknown = names.filter((n) => !byName.has(n))
  if (unknown.length > 0) {
    throw new Error(
      `unknown scenario ${unknown.join(', ')}; known: ${[...byName.keys()].join(', ')}`
    )
  }
  const ordered: Scenario[] = []
  const visiting = new Set<string>()
  const visit = (name: string, from: string): void => {
    const scenario = byName.get(name)
    if (!scenario) throw new Error(`${from} names baseline ${name}, which is no known scenario`)
    if (ordered.includes(scenario)) return
    if (visiting.has(name)) throw new Error(`baselines form a cycle through ${name}`)
    visiting.add(name)
    for (const baseline of scenario.baselines ?? []) visit(baseline, name)
    visiting.delete(name)
    ordered.push(scenario)
  }
  for (const scenario of names.length > 0 ? names : all.map((s) => s.name))
    visit(scenario, 'command line')
  return ordered
}

/** A figure as reported: which scenario measured it and how it compares to its baseline. */
export interface ReportedFigure {
  scenario: string
  metric: string
  value: number
  unit: string
  better: Better | null
  baseline: string | null
  /** value / baseline value; read with `better` (a latency ratio above 1 is worse). */
  ratio: number | null
  /** The ratio aimed for, if any, and whether this run reached it (null: no ratio to judge). */
  aim: { ratio: number; met: boolean | null } | null
  /** The absolute value aimed for, if any (see Figure.target), and whether this run reached it. */
  target?: { value: number; met: boolean } | null
}

/**
 * Resolves every figure's baseline among the figures of the same run. A missing baseline (its
 * scenario failed) or one in another unit leaves the ratio empty and says why in `problems`.
 */
export function compareFigures(measured: ReadonlyMap<string, readonly Figure[]>): {
  figures: ReportedFigure[]
  problems: string[]
} {
  const index = new Map<string, Figure>()
  for (const [scenario, figures] of measured) {
    for (const f of figures) index.set(figureId(scenario, f.metric), f)
  }
  const problems: string[] = []
  const figures: ReportedFigure[] = []
  for (const [scenario, list] of measured) {
    for (const f of list) {
      const id = figureId(scenario, f.metric)
      let ratio: number | null = null
      if (f.baseline !== undefined) {
        const base = index.get(f.baseline)
        if (!base) problems.push(`${id}: baseline ${f.baseline} was not measured in this run`)
        else if (base.unit !== f.unit)
          problems.push(`${id}: unit ${f.unit} differs from ${f.baseline}'s ${base.unit}`)
        else ratio = base.value === 0 ? null : f.value / base.value
      }
      figures.push({
        scenario,
        metric: f.metric,
        value: f.value,
        unit: f.unit,
        better: f.better ?? null,
        baseline: f.baseline ?? null,
        ratio,
        aim:
          f.aim === undefined
            ? null
            : {
                ratio: f.aim,
                met: ratio === null ? null : f.better === 'lower' ? ratio <= f.aim : ratio >= f.aim,
              },
        target:
          f.target === undefined
            ? null
            : {
                value: f.target,
                met: f.better === 'lower' ? f.value <= f.target : f.value >= f.target,
              },
      })
    }
  }
  return { figures, problems }
}
