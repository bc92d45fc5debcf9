// http-produce's latency at half load: the HTTP paths (Weir and its peers) and the direct path
// driven at one common offered rate by an open-loop load (bench/open-loop.ts), so the latency a
// gateway adds is read against the direct path's at the same rate, and a direct p99 far above
// its usual shows a machine too busy for the figures to mean much.
import { randomBytes } from 'node:crypto'
import { Partitioners, type Kafka, type Message } from 'kafkajs'
import { Pool } from 'undici'
import { describeErrors, errorCount, runHttpLoad } from '../http-load.ts'
import { freshTopic, recordsIn } from '../kafka.ts'
import { lingering } from '../linger.ts'
import { openLoop, type OpenLoopResult } from '../open-loop.ts'
import { figureId, type BenchContext, type Figure } from '../scenario.ts'
import { percentile } from '../stats.ts'
import { recordBytes } from './direct-produce.ts'
import type { Variant } from './http-events.ts'
import type { HttpTarget } from './http-measure.ts'

export const halfLoad = {
  /**
   * A fresh server's warm-up at full speed (closed loop, as the full-speed runs'): at half load
   * alone, a fresh Weir took 4 to 6 s to stop queueing (JIT), the bridge 2 to 4 s.
   */
  fullSpeedWarmUpSeconds: 3,
  /** Then open loop at the rate before the measured part, to settle at it. */
  warmUpSeconds: 2,
  seconds: 5,
  /** A direct p99 above this at half load means the machine, not the path, set the latency. */
  saturatedP99Ms: 50,
  /** A path that answered less than this share of the offered rate did not keep up. */
  keptUpShare: 0.95,
}

/**
 * The direct path's linger, as the naive bridge's: kafkajs has none, and without one it cannot
 * keep up at all (see directAtRate). Weir's producer needs none (it batches while one is in flight).
 */
const lingerMs = 2

interface AtRate {
  /** `direct ` for the direct path, else the target's figurePrefix (Weir's: empty). */
  prefix: string
  label: string
  result: OpenLoopResult
}

/**
 * Warm-up, then the measured open-loop run; checks that every success, and the `before` events
 * accepted earlier, landed in `topic`.
 */
async function measured(
  ctx: BenchContext,
  kafka: Kafka,
  label: string,
  run: { topic: string; rate: number; before?: number },
  send: () => Promise<boolean>
): Promise<OpenLoopResult> {
  const { topic, rate } = run
  ctx.log(`half load: ${label} at ${Math.round(rate)} requests/s on ${topic}`)
  const warm = await openLoop(rate, halfLoad.warmUpSeconds, send)
  const result = await openLoop(rate, halfLoad.seconds, send)
  const failed = warm.failed + result.failed
  if (failed > 0) ctx.problem(`half load: ${label} failed ${failed} sends`)
  const landed = await recordsIn(kafka, topic)
  const accepted = (run.before ?? 0) + warm.ok + result.ok
  if (landed < accepted) {
    ctx.problem(`half load: ${label} accepted ${accepted} events but ${landed} are in ${topic}`)
  }
  return result
}

/** `event`, one per POST, through a fresh server of `target`. */
async function httpAtRate(
  ctx: BenchContext,
  kafka: Kafka,
  target: HttpTarget,
  run: { variant: Variant; event: Record<string, unknown>; topic: string; rate: number }
): Promise<OpenLoopResult> {
  const { variant, topic, rate } = run
  const body = target.body([run.event], variant)
  const server = await target.start()
  // As many connections as the closed-loop run; a request finding them all busy waits its turn.
  const pool = new Pool(server.url, { connections: variant.connections, pipelining: 1 })
  try {
    const { path, headers } = target.request(topic, variant)
    ctx.log(`half load: warming up ${target.label} at full speed`)
    const warm = await runHttpLoad({
      url: `${server.url}${path}`,
      headers,
      body,
      connections: variant.connections,
      seconds: halfLoad.fullSpeedWarmUpSeconds,
      okStatus: target.okStatus,
    })
    if (errorCount(warm) > 0) {
      ctx.problem(`half load: ${target.label} failed warm-up requests (${describeErrors(warm)})`)
    }
    return await measured(ctx, kafka, target.label, { topic, rate, before: warm.ok }, async () => {
      const res = await pool.request({ path, method: 'POST', headers, body })
      await res.body.dump()
      return res.statusCode === target.okStatus
    })
  } finally {
    await pool.close()
    await server.stop()
  }
}

/**
 * A kafkajs producer straight to the broker (acks=all, as direct-produce), one record per event,
 * with the 2 ms linger the bridge has: a record per send() is a Produce
 * request each, which the broker handles one at a time per connection, so that queues at about
 * 1,000 records/s on the 2-core bench machine while Weir sustains several times that.
 */
async function directAtRate(
  ctx: BenchContext,
  kafka: Kafka,
  topic: string,
  rate: number
): Promise<OpenLoopResult> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  const value = randomBytes(recordBytes)
  await producer.connect()
  try {
    const send = lingering<Message>(lingerMs, (messages) =>
      producer.send({ topic, acks: -1, messages })
    )
    return await measured(ctx, kafka, 'direct', { topic, rate }, () =>
      send({ value }).then(() => true)
    )
  } finally {
    await producer.disconnect()
  }
}

/**
 * The direct path, then every target, at `rate` events/s of `variant` (single events: `event`
 * per POST), each on a fresh topic; their p50 and p99 against the direct path's, and what each
 * added to it.
 */
export async function halfLoadFigures(
  ctx: BenchContext,
  kafka: Kafka,
  prefix: string,
  targets: readonly HttpTarget[],
  load: { variant: Variant; event: Record<string, unknown>; rate: number }
): Promise<Figure[]> {
  const { variant, rate } = load
  const runs: AtRate[] = []
  const onTopic = async (tag: string, run: (topic: string) => Promise<OpenLoopResult>) => {
    const { topic, remove } = await freshTopic(kafka, `${prefix}-half-${tag}${variant.id}`)
    try {
      return await run(topic)
    } finally {
      await remove().catch((err: unknown) => ctx.log(`could not delete ${topic}: ${String(err)}`))
    }
  }
  runs.push({
    prefix: 'direct ',
    label: 'direct',
    result: await onTopic('direct-', (topic) => directAtRate(ctx, kafka, topic, rate)),
  })
  for (const target of targets) {
    const prefix = target.figurePrefix ?? ''
    const tag = prefix.trim().replaceAll(' ', '-')
    const result = await onTopic(tag ? `${tag}-` : '', (topic) =>
      httpAtRate(ctx, kafka, target, { ...load, topic })
    )
    runs.push({ prefix, label: target.label, result })
  }
  return figuresOf(ctx, runs, variant, rate, (metric) => figureId(prefix, metric))
}

/** `self` names a figure of the scenario as a baseline. */
function figuresOf(
  ctx: BenchContext,
  runs: AtRate[],
  variant: Variant,
  rate: number,
  self: (metric: string) => string
): Figure[] {
  const id = (what: string, prefix = ''): string => `${prefix}${variant.id} half-load ${what}`
  const p = (run: AtRate, n: number): number => percentile(run.result.latenciesMs, n)
  const achieved = (run: AtRate): number => run.result.ok / (run.result.elapsedMs / 1000)
  const [direct] = runs
  if (!direct) return []
  const figures: Figure[] = [{ metric: id('rate'), value: rate, unit: 'records/s' }]
  for (const run of runs) {
    figures.push(
      {
        metric: id('achieved rate', run.prefix),
        value: achieved(run),
        unit: 'records/s',
        better: 'higher',
        baseline: self(id('rate')),
      },
      ...[50, 99].map((n) => ({
        metric: id(`p${n}`, run.prefix),
        value: p(run, n),
        unit: 'ms',
        better: 'lower' as const,
        baseline: self(id(`p${n}`, direct.prefix)),
      }))
    )
  }
  for (const run of runs.slice(1)) {
    for (const n of [50, 99]) {
      figures.push({
        metric: `${run.prefix}${variant.id} added p${n} at half load`,
        value: p(run, n) - p(direct, n),
        unit: 'ms',
        better: 'lower',
      })
    }
  }
  if (p(direct, 99) > halfLoad.saturatedP99Ms) {
    // Half the rate a gateway just sustained should not queue straight to the broker: if the
    // direct path's own p99 does, the machine is short of CPU and the added latency is noise.
    ctx.note(
      `At half load the direct path's own p99 was ${p(direct, 99).toFixed(1)} ms (over ` +
        `${halfLoad.saturatedP99Ms} ms): the machine was saturated, so the added-latency ` +
        'figures of this run say little about the paths.'
    )
  }
  for (const run of runs) {
    if (achieved(run) < rate * halfLoad.keptUpShare) {
      ctx.note(
        `At half load ${run.label} answered ${Math.round(achieved(run))} of the ` +
          `${Math.round(rate)} requests/s offered: it did not keep up, so its latency is a queue's.`
      )
    }
  }
  return figures
}
