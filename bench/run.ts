// npm run bench [-- scenario ...]
// Runs the named scenarios (all when none are named) and their baselines against a fresh local
// stack, then writes bench/RESULTS.md and bench/results.json, keeping the last figures of the
// scenarios not run. Exits non-zero when the stack cannot start or any scenario fails; figures
// of the scenarios that succeeded are still written.
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { carryOver, readStoredResults } from './carry-over.ts'
import { machine, softwareVersions } from './environment.ts'
import { acquireInfra } from './infra.ts'
import { compareFigures, planRun } from './plan.ts'
import { writeReport, type RunReport } from './report.ts'
import type { BenchContext, Figure } from './scenario.ts'
import { scenarios } from './scenarios/index.ts'

const benchDir = path.dirname(fileURLToPath(import.meta.url))

const log = (message: string): void => {
  process.stderr.write(`weir bench: ${message}\n`)
}

/** An error and its causes on one line, for the report (the log gets the stack). */
function describe(err: unknown): string {
  const parts: string[] = []
  let e: unknown = err
  // kafkajs wraps the error that matters (a refused connection, say) in one that says little.
  while (e instanceof Error && parts.length < 5) {
    parts.push(`${e.name}: ${e.message}`)
    e = e.cause
  }
  if (e !== undefined && !(e instanceof Error)) parts.push(String(e))
  return parts.join(' <- ')
}

async function main(names: string[]): Promise<number> {
  const plan = planRun(scenarios, names)
  const date = new Date().toISOString()
  const loadAtStart = os.loadavg()[0] ?? 0
  const infra = await acquireInfra({ registry: plan.some((s) => s.needs?.registry === true) }, log)
  const measured = new Map<string, Figure[]>()
  const outcomes: RunReport['scenarios'] = []
  try {
    for (const scenario of plan) {
      log(`${scenario.name}: ${scenario.description}`)
      const notes: string[] = []
      const problems: string[] = []
      const ctx: BenchContext = {
        bootstrap: infra.bootstrap,
        registryUrl: infra.registryUrl,
        log: (m) => log(`${scenario.name}: ${m}`),
        note: (m) => {
          log(`${scenario.name}: note: ${m}`)
          notes.push(m)
        },
        problem: (m) => {
          log(`${scenario.name}: PROBLEM: ${m}`)
          problems.push(m)
        },
      }
      try {
        const figures = await scenario.run(ctx)
        measured.set(scenario.name, figures)
        outcomes.push({ name: scenario.name, description: scenario.description, notes, problems })
        for (const f of figures) {
          log(`${scenario.name}: ${f.metric} = ${f.value.toFixed(2)} ${f.unit}`)
        }
      } catch (err) {
        // One failed scenario should not cost the figures of the others; the exit code says it failed.
        log(
          `${scenario.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`
        )
        outcomes.push({
          name: scenario.name,
          description: scenario.description,
          notes,
          problems,
          error: describe(err),
        })
      }
    }
  } finally {
    await infra.release()
  }
  const failed = outcomes.some((o) => o.error !== undefined)
  if (measured.size === 0) {
    // Nothing measured: keep the last good results rather than replace them with a list of failures.
    log('no scenario succeeded; RESULTS.md and results.json left as they were')
    return 1
  }
  const compared = compareFigures(measured)
  for (const p of compared.problems) log(p)
  const { figures } = compared
  const problems = [
    ...outcomes.flatMap((o) => o.problems.map((p) => `${o.name}: ${p}`)),
    ...compared.problems,
  ]
  const report: RunReport = {
    date,
    machine: machine(),
    versions: softwareVersions(infra.externalBroker),
    load: { start: loadAtStart, end: os.loadavg()[0] ?? 0 },
    scenarios: outcomes,
    figures,
    problems,
  }
  // Scenarios not run this time keep their last figures, marked as such.
  const stored = readStoredResults(path.join(benchDir, 'results.json'))
  writeReport(benchDir, carryOver(report, stored, scenarios))
  log(`wrote ${path.join(benchDir, 'RESULTS.md')} and results.json`)
  return failed ? 1 : 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err)
    process.exit(1)
  }
)
