// Fan-out through Weir's streaming doors: many WebSocket and SSE subscribers on one topic. Weir
// runs as its own process (`weir start`); the subscribers run in another (fanout-client.ts), so
// neither's event loop or CPU is the other's; the producer and the baseline consumer run here.
// Three parts: idle connections (Weir's resident memory per connection), live delivery at 1,000
// subscribers (rate, latency, completeness against a direct kafkajs consumer), and a ramp to more
// subscribers at the same record rate, to see how far one node goes on this machine.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ServerProcess } from '../gateway-process.ts'
import { benchKafka, benchPartitions, freshTopic } from '../kafka.ts'
import { startSubscribers, type SubscriberProcess } from '../fanout-protocol.ts'
import { fanoutProducer, startDirectConsumer, type DirectConsumer } from '../fanout-kafka.ts'
import type { BenchContext, Figure, Scenario } from '../scenario.ts'
import { keptUpP99Ms, measureLive, rampTarget, type LivePlan } from './fanout-live.ts'
import { fileLimit, loggedMessages, startWeir } from './fanout-weir.ts'

const name = 'fanout'

const envNumber = (variable: string, fallback: number): number => {
  const value = Number(process.env[variable])
  return Number.isFinite(value) && value > 0 ? value : fallback
}

/** What the scenario does; WEIR_BENCH_FANOUT_* change it for exploring, not for the report. */
export const plan = {
  /** Idle WebSocket connections for the memory figure (the aim is about 10,000). */
  idle: envNumber('WEIR_BENCH_FANOUT_IDLE', 10_000),
  /** Connections open before and during the idle measurement, so their cost is not counted. */
  idleBase: 100,
  /** Live subscribers, half WebSocket, half SSE. */
  live: envNumber('WEIR_BENCH_FANOUT_LIVE', 1000),
  /**
   * Records per second the producer sends. Every record goes to every subscriber, so 20/s at
   * 1,000 subscribers is 20,000 messages/s: what a 2-core machine shared by the broker, Weir and
   * the subscribers can carry with room to spare, so the latency measured is not a queue's.
   */
  rate: envNumber('WEIR_BENCH_FANOUT_RATE', 20),
  /**
   * Further subscriber counts, while every record still arrives. 6,000 is issue 19's aim: one
   * node keeps up with it at 20 records/s, p99 below 100 ms.
   */
  ramp: (process.env.WEIR_BENCH_FANOUT_RAMP ?? '2000,3000,4000,5000,6000,8000,10000')
    .split(',')
    .map(Number)
    .filter((n) => n > 0),
  /** The ramp's record rate; the live rate unless told otherwise. */
  rampRate: envNumber('WEIR_BENCH_FANOUT_RAMP_RATE', envNumber('WEIR_BENCH_FANOUT_RATE', 20)),
  valueBytes: 256,
  warmUpSeconds: 3,
  measureSeconds: 10,
  rampMeasureSeconds: 5,
}

const KiB = 1024
const MiB = 2 ** 20

/** RSS settles a few seconds after a burst of connections (buffers freed, young garbage gone). */
async function settledRss(weir: ServerProcess): Promise<number> {
  await sleep(3000)
  const samples: number[] = []
  for (let i = 0; i < 5; i++) {
    samples.push(weir.rssBytes())
    await sleep(400)
  }
  return Math.min(...samples)
}

async function measureIdle(
  ctx: BenchContext,
  weir: ServerProcess,
  subscribers: SubscriberProcess,
  url: string,
  count: number
): Promise<Figure[]> {
  // The base starts the shared consumer and warms the code paths; it stays open throughout.
  const base = await subscribers.open('ws', url, plan.idleBase)
  if (base.failed > 0)
    ctx.problem(`idle: ${base.failed} base connections failed ${JSON.stringify(base.errors)}`)
  const before = await settledRss(weir)
  ctx.log(
    `idle: Weir RSS ${(before / MiB).toFixed(1)} MiB with ${base.opened} connections; opening ${count}`
  )
  const opened = await subscribers.open('ws', url, count, 128)
  if (opened.failed > 0) {
    ctx.problem(
      `idle: ${opened.failed} of ${count} WebSocket connections failed: ${JSON.stringify(opened.errors)}`
    )
  }
  const after = await settledRss(weir)
  const idle = opened.opened
  ctx.log(
    `idle: ${idle} connections in ${(opened.ms / 1000).toFixed(1)} s; Weir RSS ${(after / MiB).toFixed(1)} MiB`
  )
  await subscribers.closeAll()
  // Ten thousand sockets closing is work for Weir (and its garbage collector) and the kernel: let
  // it end before the live part measures latency.
  await sleep(5000)
  return [
    {
      metric: 'idle connections',
      value: idle,
      unit: 'connections',
      better: 'higher',
      target: 10_000,
    },
    {
      metric: 'idle RSS per connection',
      value: (after - before) / idle / KiB,
      unit: 'KiB',
      better: 'lower',
      target: 30,
    },
    { metric: 'idle RSS', value: after / MiB, unit: 'MiB', better: 'lower' },
    {
      metric: 'idle connect rate',
      value: idle / (opened.ms / 1000),
      unit: 'connections/s',
      better: 'higher',
    },
  ]
}

export const fanout: Scenario = {
  name,
  description:
    `Subscribers on one stream of Weir (its own process, \`weir start\`; ephemeral group from ` +
    `latest, so every connection shares one consumer) to a fresh ${benchPartitions}-partition ` +
    `topic, from a separate subscriber process (ws for WebSocket weir.v1, node:http for SSE). ` +
    `Idle: ${plan.idle} WebSocket connections opened on top of ${plan.idleBase}; Weir's VmRSS ` +
    `growth per connection, settled. Live: ${plan.live} subscribers (half WebSocket, half SSE, ` +
    `opened interleaved); ` +
    `a kafkajs producer (acks=all) sends ${plan.rate} records/s of ${plan.valueBytes} bytes, each ` +
    `carrying its send time, ${plan.warmUpSeconds} s warm-up then ${plan.measureSeconds} s ` +
    `measured; latency is from just before send() to the subscriber reading the frame; every ` +
    `subscriber must get every record once. Baseline: a kafkajs consumer reading the same records ` +
    `straight from the broker in the same run (its latency), and records produced × subscribers ` +
    `(delivery rate). Ramp: ${plan.ramp.join(', ')} subscribers (half each) at ` +
    `${plan.rampRate} records/s, ${plan.rampMeasureSeconds} s measured each, until a step does ` +
    `not keep up (a subscriber failed to connect, a record did not arrive, or p99 above ` +
    `${keptUpP99Ms} ms). Weir CPU is its process's user + system time; subscriber process CPU ` +
    `likewise; RSS is Weir's VmRSS (in live steps, after the idle part: the heap it grew stays).`,
  async run(ctx) {
    const limit = fileLimit()
    // Each side holds one descriptor per connection, plus what Node, kafkajs and the logs hold.
    const idle = Math.min(plan.idle, limit - plan.idleBase - 500)
    if (idle < plan.idle) {
      ctx.note(`idle: ${idle} connections, not ${plan.idle}: the hard open-file limit is ${limit}`)
    }
    const kafka = benchKafka(ctx, 'weir-bench-fanout')
    const { topic, remove } = await freshTopic(kafka, name)
    const dir = mkdtempSync(path.join(os.tmpdir(), 'weir-bench-fanout-'))
    const producer = fanoutProducer(kafka)
    let weir: ServerProcess | undefined
    let subscribers: SubscriberProcess | undefined
    let direct: DirectConsumer | undefined
    try {
      // The direct consumer also gets a fresh broker's group coordinator ready before Weir's does.
      direct = await startDirectConsumer(kafka, topic)
      await producer.connect()
      weir = await startWeir(ctx, dir, 1_000_000)
      subscribers = startSubscribers(ctx.log)
      const url = `${weir.url.replace('http:', 'ws:')}/streams/${topic}`
      const figures: Figure[] = []
      figures.push(...(await measureIdle(ctx, weir, subscribers, url, idle)))
      const live: LivePlan = {
        ctx,
        weir,
        subscribers,
        direct,
        producer,
        topic,
        wsUrl: url,
        sseUrl: `${weir.url}/streams/${topic}`,
        valueBytes: plan.valueBytes,
        warmUpSeconds: plan.warmUpSeconds,
      }
      const measured = await measureLive(live, {
        prefix: 'live',
        count: plan.live,
        rate: plan.rate,
        measureSeconds: plan.measureSeconds,
        detailed: true,
      })
      figures.push(...measured.figures)
      // How far it goes: more subscribers at the same rate, until a step no longer keeps up.
      let most = measured.keptUp ? plan.live : 0
      if (!measured.keptUp) ctx.note(`ramp: not run, the live step did not keep up`)
      for (const count of measured.keptUp ? plan.ramp : []) {
        if (count + 500 > limit) {
          ctx.note(`ramp: ${count} subscribers skipped: the hard open-file limit is ${limit}`)
          break
        }
        const step = await measureLive(live, {
          prefix: `ramp ${count}`,
          count,
          rate: plan.rampRate,
          measureSeconds: plan.rampMeasureSeconds,
          detailed: false,
        })
        figures.push(...step.figures)
        if (!step.keptUp) {
          ctx.note(`ramp: stopped after ${count} subscribers, which it did not keep up with`)
          break
        }
        most = count
      }
      figures.push({
        metric: `ramp most subscribers kept up with at ${plan.rampRate} records/s`,
        value: most,
        unit: 'connections',
        better: 'higher',
        target: rampTarget.subscribers,
      })
      return figures
    } finally {
      await direct?.stop().catch(() => undefined)
      await subscribers?.stop()
      await weir?.stop()
      for (const [message, n] of loggedMessages(path.join(dir, 'weir.log'))) {
        ctx.note(`Weir logged ${n} × \`${message}\``)
      }
      await producer.disconnect().catch(() => undefined)
      rmSync(dir, { recursive: true, force: true })
      await remove().catch((err: unknown) => ctx.log(`could not delete ${topic}: ${String(err)}`))
    }
  },
}
