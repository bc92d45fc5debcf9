// Measures HTTP produce targets (Weir, a peer) under a closed-loop load: warm-up, measured
// seconds, server CPU and peak RSS, and a check that every accepted event landed in Kafka.
import type { Kafka } from 'kafkajs'
import type { ServerProcess } from '../gateway-process.ts'
import { describeErrors, errorCount, runHttpLoad, type HttpLoadResult } from '../http-load.ts'
import { benchKafka, freshTopic, recordsIn } from '../kafka.ts'
import { logMessages } from '../server-log.ts'
import { figureId, type BenchContext, type Figure } from '../scenario.ts'
import { percentile } from '../stats.ts'
import { recordBytes } from './direct-produce.ts'
import { benchEvent, timing, type Variant } from './http-events.ts'

const direct = (metric: string): string => figureId('direct-produce', metric)

/** What a path under test needs to say how to reach it and how it answers. */
export interface HttpTarget {
  /** Shown in logs and problems, e.g. `Weir`. */
  label: string
  start(): Promise<ServerProcess>
  request(topic: string, variant: Variant): { path: string; headers: Record<string, string> }
  /** The request body carrying `events`. */
  body(events: readonly Record<string, unknown>[], variant: Variant): string
  okStatus: number
  /** Put before its figures' names, e.g. `naive bridge ` (a peer's); Weir's have none. */
  figurePrefix?: string
  /** Whether it takes the variant (a peer without a schema registry takes no Avro); all if absent. */
  takes?(variant: Variant): boolean
  /** A reference that writes nothing to Kafka (the bare node:http floor): no landing check. */
  writesNothing?: boolean
}

/** What a server logged (at warning level or above), by message, with the variants it did so in. */
type Logged = Map<string, Set<string>>

function collectLog(file: string, variant: Variant, logged: Logged): void {
  for (const message of logMessages(file)) {
    logged.set(message, (logged.get(message) ?? new Set()).add(variant.id))
  }
}

/** Warms up, measures, checks that every accepted event landed, and returns the variant's figures. */
export async function measureVariant(
  ctx: BenchContext,
  kafka: Kafka,
  target: HttpTarget,
  variant: Variant,
  topic: string,
  logged: Logged = new Map()
): Promise<Figure[]> {
  const event = benchEvent()
  const body = target.body(
    Array.from({ length: variant.events }, () => event),
    variant
  )
  const server = await target.start()
  let warm: HttpLoadResult
  let measured: HttpLoadResult
  let peakRss: number
  let serverCpu: number
  let loadGeneratorCpu: number
  try {
    const { path: urlPath, headers } = target.request(topic, variant)
    const plan = {
      url: `${server.url}${urlPath}`,
      headers,
      body,
      connections: variant.connections,
      okStatus: target.okStatus,
    }
    ctx.log(`${variant.id}: warming up ${target.label} on ${topic}`)
    warm = await runHttpLoad({ ...plan, seconds: timing.warmUpSeconds })
    ctx.log(`${variant.id}: measuring, ${variant.connections} connections`)
    const serverCpuBefore = server.cpuSeconds()
    const loadCpuBefore = process.cpuUsage()
    measured = await runHttpLoad({ ...plan, seconds: timing.measureSeconds })
    const loadCpu = process.cpuUsage(loadCpuBefore)
    serverCpu = server.cpuSeconds() - serverCpuBefore
    loadGeneratorCpu = (loadCpu.user + loadCpu.system) / 1e6
    peakRss = server.peakRssBytes()
  } finally {
    await server.stop()
    collectLog(server.logFile, variant, logged)
  }

  const p = (what: string): string => `${variant.id}: ${target.label} ${what}`
  const warmErrors = errorCount(warm)
  if (warmErrors > 0)
    ctx.problem(p(`failed ${warmErrors} warm-up requests (${describeErrors(warm)})`))
  const errors = errorCount(measured)
  if (errors > 0) ctx.problem(p(`failed ${errors} requests (${describeErrors(measured)})`))
  const accepted = (warm.ok + measured.ok) * variant.events
  const landed = target.writesNothing ? accepted : await recordsIn(kafka, topic)
  if (landed < accepted) ctx.problem(p(`accepted ${accepted} events but ${landed} are in ${topic}`))

  const seconds = measured.elapsedMs / 1000
  const events = measured.ok * variant.events
  const metric = (what: string): string => `${target.figurePrefix ?? ''}${variant.id} ${what}`
  return [
    {
      metric: metric('throughput'),
      value: events / seconds,
      unit: 'records/s',
      better: 'higher',
      baseline: direct('throughput'),
      // The aims are Weir's.
      aim: target.figurePrefix === undefined ? variant.aim : undefined,
    },
    {
      metric: metric('payload throughput'),
      value: (events * recordBytes) / seconds / 2 ** 20,
      unit: 'MiB/s',
      better: 'higher',
      baseline: direct('payload throughput'),
    },
    {
      metric: metric('request p50'),
      value: percentile(measured.latenciesMs, 50),
      unit: 'ms',
      better: 'lower',
      baseline: direct('send p50'),
    },
    {
      metric: metric('request p99'),
      value: percentile(measured.latenciesMs, 99),
      unit: 'ms',
      better: 'lower',
      baseline: direct('send p99'),
    },
    {
      // Robust to whatever else runs on the machine: the cost, not the speed, of the path.
      metric: metric('server CPU per event'),
      value: (serverCpu * 1e6) / events,
      unit: 'µs',
      better: 'lower',
      baseline: direct('client CPU per record'),
    },
    { metric: metric('server CPU'), value: serverCpu / seconds, unit: 'cores', better: 'lower' },
    {
      metric: metric('load generator CPU'),
      value: loadGeneratorCpu / seconds,
      unit: 'cores',
      better: 'lower',
    },
    { metric: metric('errors'), value: errors, unit: 'requests', better: 'lower' },
    { metric: metric('peak RSS'), value: peakRss / 2 ** 20, unit: 'MiB', better: 'lower' },
  ]
}

/**
 * Runs every chosen variant on a fresh topic per target, deleting the topics afterwards. With
 * several targets, each variant runs on every target that takes it, in the given order for the
 * first variant and reversed for the next (A B, B A, ...), so a machine that gets busier or
 * quieter during the run weighs on all alike.
 */
export async function measureVariants(
  ctx: BenchContext,
  prefix: string,
  chosen: readonly Variant[],
  targets: HttpTarget | readonly HttpTarget[],
  prepare: (topic: string, variant: Variant) => Promise<void> = async () => {}
): Promise<Figure[]> {
  const all = Array.isArray(targets) ? targets : [targets as HttpTarget]
  const kafka = benchKafka(ctx, `weir-bench-${prefix}`)
  const figures: Figure[] = []
  const logged = new Map(all.map((t): [HttpTarget, Logged] => [t, new Map()]))
  try {
    for (const [index, variant] of chosen.entries()) {
      const taking = all.filter((t) => t.takes?.(variant) ?? true)
      for (const target of index % 2 === 0 ? taking : taking.toReversed()) {
        // Kafka topic names take [A-Za-z0-9._-] only.
        const tag = (target.figurePrefix ?? '').trim().replaceAll(/[^A-Za-z0-9._-]+/g, '-')
        const { topic, remove } = await freshTopic(
          kafka,
          `${prefix}-${tag ? `${tag}-` : ''}${variant.id}`
        )
        try {
          await prepare(topic, variant)
          figures.push(
            ...(await measureVariant(ctx, kafka, target, variant, topic, logged.get(target)))
          )
        } finally {
          await remove().catch((err: unknown) =>
            ctx.log(`could not delete ${topic}: ${String(err)}`)
          )
        }
      }
    }
  } finally {
    // Servers here log warnings and errors only, so every distinct message is worth a look.
    for (const [target, messages] of logged) {
      for (const [message, where] of messages) {
        ctx.note(`${target.label} logged (${[...where].join(', ')}): \`${message}\``)
      }
    }
  }
  return figures
}
