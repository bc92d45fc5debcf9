// One live step of the fan-out scenario: open the subscribers, produce numbered records at a fixed
// rate, wait for every subscriber to have every record (or stop waiting), and turn what the
// subscriber process and the direct consumer saw into figures and problems.
import os from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Producer } from 'kafkajs'
import { cpuBetween, describeCpu, sampleCpu, type CpuSample } from '../cpu-sample.ts'
import type { ServerProcess } from '../gateway-process.ts'
import { now, producePaced, type DirectConsumer } from '../fanout-kafka.ts'
import type { Counts, KindReport, OpenResult, SubscriberProcess } from '../fanout-protocol.ts'
import { figureId, type BenchContext, type Figure } from '../scenario.ts'

export interface LivePlan {
  ctx: BenchContext
  weir: ServerProcess
  subscribers: SubscriberProcess
  direct: DirectConsumer
  producer: Producer
  topic: string
  wsUrl: string
  sseUrl: string
  valueBytes: number
  warmUpSeconds: number
}

export interface LiveStep {
  /** Prefix of the step's figures, e.g. `live` or `ramp 2000`. */
  prefix: string
  /** Subscribers: half WebSocket (rounded up), half SSE. */
  count: number
  /** Records per second the producer sends. */
  rate: number
  measureSeconds: number
  /** All figures (per protocol, CPU, memory); the ramp's steps report the essentials. */
  detailed: boolean
}

/** The produce-to-client p99 the product aims for at 1,000 subscribers. */
export const p99TargetMs = 50

/** How many subscribers one node should keep up with at 20 records/s, and at what p99. */
export const rampTarget = { subscribers: 6000, p99Ms: 100 }

/** A step keeps up when everyone connected, every record arrived, and p99 stayed below this. */
export const keptUpP99Ms = 1000

export interface StepResult {
  figures: Figure[]
  keptUp: boolean
}

interface Mark {
  at: number
  cpu: CpuSample
  counts: Promise<Counts>
}

const delivered = (c: Counts): number => c.ws + c.sse

function describeOpen(kind: string, result: OpenResult): string {
  const errors = Object.entries(result.errors)
    .map(([why, n]) => `${n} × ${why}`)
    .join('; ')
  return `${result.failed} ${kind} subscribers failed to connect (${errors})`
}

/** How waiting for the last deliveries ended. */
type Drain = 'complete' | 'stalled' | 'still arriving'
/** The longest wait for deliveries after the last record was sent. */
const drainMs = 30_000
/** Deliveries stopped: nothing arrived for this long. */
const stallMs = 5000

function kindProblems(kind: string, r: KindReport, drain: Drain): string[] {
  const problems: string[] = []
  // Late is not lost: say which it was.
  const when =
    drain === 'still arriving'
      ? `${drainMs / 1000} s after the last record was sent, while deliveries were still arriving (Weir was behind)`
      : `when deliveries stopped (nothing for ${stallMs / 1000} s)`
  if (r.missing > 0)
    problems.push(
      `${kind}: ${r.missing} deliveries missing ${when}, on ${r.subscribersMissing} of ` +
        `${r.subscribers} subscribers`
    )
  if (r.duplicates > 0) problems.push(`${kind}: ${r.duplicates} records delivered twice`)
  if (r.unexpected > 0) problems.push(`${kind}: ${r.unexpected} records not from this step`)
  if (r.gaps > 0) problems.push(`${kind}: ${r.gaps} gap notices (records dropped)`)
  for (const [type, n] of Object.entries(r.other)) problems.push(`${kind}: ${n} "${type}" frames`)
  for (const [why, n] of Object.entries(r.closed))
    problems.push(`${kind}: ${n} connections ended (${why})`)
  return problems
}

export async function measureLive(plan: LivePlan, step: LiveStep): Promise<StepResult> {
  const { ctx, weir, subscribers, direct } = plan
  const { rate } = step
  const p = (metric: string): string => `${step.prefix} ${metric}`
  const loadBefore = os.loadavg()[0] ?? 0
  const wsCount = Math.ceil(step.count / 2)
  // Opened side by side, so both protocols are spread alike over the shared consumer's fan-out,
  // which hands each record to its subscribers one after another in the order they joined.
  const [ws, sse] = await Promise.all([
    subscribers.open('ws', plan.wsUrl, wsCount, 32),
    subscribers.open('sse', plan.sseUrl, step.count - wsCount, 32),
  ])
  if (ws.failed > 0) ctx.problem(p(describeOpen('WebSocket', ws)))
  if (sse.failed > 0) ctx.problem(p(describeOpen('SSE', sse)))
  const open = ws.opened + sse.opened
  ctx.log(
    `${step.prefix}: ${ws.opened} WebSocket + ${sse.opened} SSE subscribers in ` +
      `${(Math.max(ws.ms, sse.ms) / 1000).toFixed(1)} s; producing ${rate} records/s`
  )

  const warm = Math.round(rate * plan.warmUpSeconds)
  const records = warm + Math.round(rate * step.measureSeconds)
  await subscribers.expect(records, warm)
  direct.expect(records, warm)
  const mark = (): Mark => ({
    at: now(),
    cpu: sampleCpu(weir, subscribers.pid),
    counts: subscribers.count(),
  })
  let start: Mark | undefined
  const produced = await producePaced(plan.producer, plan.topic, {
    from: 0,
    to: records,
    rate,
    valueBytes: plan.valueBytes,
    at: (seq) => {
      if (seq === warm) start = mark()
    },
  })
  const end = mark()
  if (start === undefined) throw new Error('the measurement window never started')
  const seconds = (end.at - start.at) / 1000
  const inWindow = delivered(await end.counts) - delivered(await start.counts)
  if (produced.errors > 0) ctx.problem(p(`${produced.errors} records failed to produce`))

  // Wait for the stragglers: every subscriber should get every record, some just later.
  const want = records * open
  let last = -1
  let still = now()
  let drain: Drain = 'still arriving'
  for (const deadline = now() + drainMs; now() < deadline;) {
    const got = delivered(await subscribers.count())
    if (got >= want && direct.delivered >= records) {
      drain = 'complete'
      break
    }
    if (got !== last) {
      last = got
      still = now()
    } else if (now() - still > stallMs) {
      drain = 'stalled'
      break
    }
    await sleep(200)
  }
  const rssMiB = weir.rssBytes() / 2 ** 20
  const report = await subscribers.report()
  const base = direct.report()
  await subscribers.closeAll()

  for (const problem of [
    ...kindProblems('WebSocket', report.ws, drain),
    ...kindProblems('SSE', report.sse, drain),
  ])
    ctx.problem(p(problem))
  if (base.missing > 0) ctx.problem(p(`the direct consumer missed ${base.missing} records`))

  // The machine is shared: what else ran shows in every figure of the step.
  const cpu = cpuBetween(start.cpu, end.cpu, seconds)
  ctx.note(
    `${step.prefix}: load average (1 min) ${loadBefore.toFixed(2)} before, ` +
      `${(os.loadavg()[0] ?? 0).toFixed(2)} after; ${describeCpu(cpu)}; subscriber event-loop ` +
      `delay p99 ${report.loopDelay.p99.toFixed(1)} ms, max ${report.loopDelay.max.toFixed(1)} ms`
  )
  const all = report.all
  const expected = ((records - warm) * open) / seconds
  const missing = report.ws.missing + report.sse.missing
  ctx.log(
    `${step.prefix}: ${Math.round(inWindow / seconds)} deliveries/s of ${Math.round(expected)}; ` +
      `p50 ${all.p50.toFixed(1)} ms, p99 ${all.p99.toFixed(1)} ms (direct ${base.latency.p99.toFixed(1)}); ` +
      `missing ${missing}; Weir ${cpu.weir.toFixed(2)} cores`
  )
  const self = (metric: string): string => figureId('fanout', p(metric))
  const figures: Figure[] = [
    { metric: p('subscribers'), value: open, unit: 'connections' },
    {
      metric: p('expected deliveries/s'),
      value: expected,
      unit: 'messages/s',
      baseline: self('expected deliveries/s'),
    },
    {
      metric: p('delivered/s'),
      value: inWindow / seconds,
      unit: 'messages/s',
      better: 'higher',
      baseline: self('expected deliveries/s'),
    },
    {
      metric: p('p50'),
      value: all.p50,
      unit: 'ms',
      better: 'lower',
      baseline: self('direct p50'),
    },
    {
      metric: p('p99'),
      value: all.p99,
      unit: 'ms',
      better: 'lower',
      baseline: self('direct p99'),
      target:
        step.count === 1000
          ? p99TargetMs
          : step.count === rampTarget.subscribers
            ? rampTarget.p99Ms
            : undefined,
    },
  ]
  if (step.detailed) {
    for (const [label, r] of [
      ['WebSocket', report.ws],
      ['SSE', report.sse],
    ] as const) {
      figures.push(
        {
          metric: p(`${label} p50`),
          value: r.latency.p50,
          unit: 'ms',
          better: 'lower',
          baseline: self('direct p50'),
        },
        {
          metric: p(`${label} p99`),
          value: r.latency.p99,
          unit: 'ms',
          better: 'lower',
          baseline: self('direct p99'),
        },
        { metric: p(`${label} max`), value: r.latency.max, unit: 'ms', better: 'lower' }
      )
    }
  }
  figures.push(
    {
      metric: p('direct p50'),
      value: base.latency.p50,
      unit: 'ms',
      better: 'lower',
      baseline: self('direct p50'),
    },
    {
      metric: p('direct p99'),
      value: base.latency.p99,
      unit: 'ms',
      better: 'lower',
      baseline: self('direct p99'),
    },
    {
      metric: p('missing deliveries'),
      value: missing,
      unit: 'messages',
      better: 'lower',
      target: 0,
    },
    { metric: p('Weir CPU'), value: cpu.weir, unit: 'cores', better: 'lower' },
    {
      metric: p('Weir CPU per delivery'),
      value: (cpu.weir * seconds * 1e6) / inWindow,
      unit: 'µs',
      better: 'lower',
    },
    {
      metric: p('subscriber process CPU'),
      value: cpu.subscribers,
      unit: 'cores',
      better: 'lower',
    },
    { metric: p('Weir RSS'), value: rssMiB, unit: 'MiB', better: 'lower' }
  )
  if (step.detailed) {
    figures.push({
      metric: p('subscriber loop delay p99'),
      value: report.loopDelay.p99,
      unit: 'ms',
      better: 'lower',
    })
  }
  const keptUp =
    ws.failed + sse.failed === 0 && missing === 0 && base.missing === 0 && all.p99 < keptUpP99Ms
  return { figures, keptUp }
}
