// What a benchmark scenario is and what it reports. A scenario measures one path (a direct kafkajs
// producer, HTTP produce through Weir, ...) and returns figures; a figure may name a baseline
// figure, usually the direct path's, so the report can say how far the gateway is from it.

/** Which direction of a figure is an improvement, so a ratio reads right (latency: lower). */
export type Better = 'higher' | 'lower'

export interface Figure {
  /** Short, stable identifier within the scenario, e.g. 'records/s' or 'send p99'. */
  metric: string
  value: number
  unit: string
  better?: Better
  /**
   * The figure this one is compared against, as 'scenario/metric' (see figureId). The direct path's
   * figures name themselves, so they read as ratio 1.0 next to the gateway's.
   */
  baseline?: string
  /** The ratio to the baseline the product aims for (at least, or at most for 'lower' figures). */
  aim?: number
  /**
   * A value the product aims for in absolute terms (at most for 'lower' figures, at least
   * otherwise), where the aim is a number rather than a distance from a baseline: 30 KiB of
   * memory per idle connection, say.
   */
  target?: number
}

/** Where the scenarios find the infrastructure they run against. */
export interface BenchContext {
  /** PLAINTEXT bootstrap address of the broker. */
  bootstrap: string
  /** Confluent-compatible Schema Registry base URL, when a scenario asked for one. */
  registryUrl?: string
  /** Progress output; goes to stderr so it never mixes with anything a scenario prints. */
  log(message: string): void
  /** A remark for the report, printed under the scenario's figures (a peer not measured, say). */
  note(message: string): void
  /**
   * Something wrong with the figures that did not stop the scenario (failed requests, records
   * missing from the topic): listed under the scenario and in the report's Problems section.
   */
  problem(message: string): void
}

export interface Scenario {
  name: string
  /** One sentence for the report: what is sent, how, and how much. */
  description: string
  /**
   * Names of the scenarios whose figures this one's baselines refer to. The runner runs them first,
   * in the same run (and adds them when they were not asked for), so ratios compare like with like.
   */
  baselines?: readonly string[]
  /** Services beyond the broker that the scenario needs. */
  needs?: { registry?: boolean }
  run(ctx: BenchContext): Promise<Figure[]>
}

/** The identifier a baseline uses to name a figure. */
export function figureId(scenario: string, metric: string): string {
  return `${scenario}/${metric}`
}
