// Request-reply round trips: HTTP clients POST an order to a Weir request-reply route and wait
// for the example order service's reply (examples/request-reply/order-service.ts), against a
// direct kafkajs request-reply loop (produce with a correlation id, await the reply on a reply
// topic the client consumes) to the same service, in the same run. The service runs as its own
// process, and so does Weir (`weir start`), so neither shares an event loop with the clients.
import { spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Partitioners, type Kafka } from 'kafkajs'
import { freePort } from '../../scripts/local-stack/ports.ts'
import { repoRoot, startServer, type ServerProcess } from '../gateway-process.ts'
import { benchKafka, freshTopic } from '../kafka.ts'
import { drive, type LoadResult } from '../load.ts'
import { figureId, type BenchContext, type Figure, type Scenario } from '../scenario.ts'
import { percentile } from '../stats.ts'

const name = 'request-reply'

/** Round trips in flight at any time, on each path. */
const concurrency = 16
const seconds = {
  warmUp: Number(process.env.WEIR_BENCH_RR_WARMUP_SECONDS ?? 3),
  measure: Number(process.env.WEIR_BENCH_RR_SECONDS ?? 10),
}
const order = JSON.stringify({ item: 'bench-item', quantity: 1 })
/** A round trip that takes longer failed (the reply was lost, or the service is stuck). */
const roundTripTimeoutMs = 10_000

/** A round trip; resolves true when the reply came, false when it did not. */
type RoundTrip = () => Promise<boolean>

interface Measured {
  result: LoadResult
  failed: number
}

/**
 * Measured in alternating rounds (direct, Weir, direct, Weir...): what else runs on the machine
 * drifts over a run, and alternating shares the drift between the paths instead of charging it to
 * whichever ran second.
 */
const rounds = 2

async function runFor(secondsToRun: number, roundTrip: RoundTrip): Promise<Measured> {
  let failed = 0
  const result = await drive(
    {
      records: Number.MAX_SAFE_INTEGER,
      batchSize: 1,
      inFlight: concurrency,
      maxMs: secondsToRun * 1000,
    },
    async () => {
      if (!(await roundTrip())) failed++
    }
  )
  return { result, failed }
}

function combine(parts: readonly Measured[]): Measured {
  return {
    result: {
      records: parts.reduce((sum, p) => sum + p.result.records, 0),
      elapsedMs: parts.reduce((sum, p) => sum + p.result.elapsedMs, 0),
      latenciesMs: parts.flatMap((p) => p.result.latenciesMs),
      timedOut: true,
    },
    failed: parts.reduce((sum, p) => sum + p.failed, 0),
  }
}

/**
 * The example order service as its own process. Its new group starts from the beginning of the
 * fresh request topic, so requests sent while it still joins are answered once it has.
 */
function startOrderService(ctx: BenchContext, requests: string): { stop(): Promise<void> } {
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'examples/request-reply/order-service.ts')],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        WEIR_BOOTSTRAP: ctx.bootstrap,
        ORDER_REQUESTS: requests,
        ORDER_STATES: '',
        ORDER_GROUP: `bench-order-service-${randomBytes(3).toString('hex')}`,
        ORDER_FROM_BEGINNING: 'true',
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
      },
    }
  )
  const killOnExit = () => child.kill('SIGKILL')
  process.on('exit', killOnExit)
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    async stop() {
      process.off('exit', killOnExit)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await gone
    },
  }
}

/** The direct path: a kafkajs client that correlates replies itself. */
async function directClient(
  kafka: Kafka,
  requests: string,
  replies: string
): Promise<{ roundTrip: RoundTrip; close(): Promise<void> }> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  const consumer = kafka.consumer({
    groupId: `bench-rr-direct-${randomBytes(3).toString('hex')}`,
    maxWaitTimeInMs: 500,
  })
  const pending = new Map<string, () => void>()
  let joined: () => void = () => undefined
  const join = new Promise<void>((resolve) => (joined = resolve))
  consumer.on(consumer.events.GROUP_JOIN, () => joined())
  await Promise.all([producer.connect(), consumer.connect()])
  await consumer.subscribe({ topic: replies, fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ message }) => {
      const id = message.headers?.['weir-correlation-id']?.toString()
      if (id === undefined) return
      pending.get(id)?.()
      pending.delete(id)
    },
  })
  await join
  return {
    async roundTrip() {
      const id = randomUUID()
      let timer: NodeJS.Timeout | undefined
      const reply = new Promise<boolean>((resolve) => {
        pending.set(id, () => resolve(true))
        timer = setTimeout(() => resolve(false), roundTripTimeoutMs)
      })
      await producer.send({
        topic: requests,
        acks: -1,
        messages: [
          { value: order, headers: { 'weir-correlation-id': id, 'weir-reply-to': replies } },
        ],
      })
      const ok = await reply
      clearTimeout(timer)
      pending.delete(id)
      return ok
    },
    async close() {
      await Promise.all([producer.disconnect(), consumer.disconnect()])
    },
  }
}

async function startWeir(
  ctx: BenchContext,
  dir: string,
  requests: string,
  replies: string
): Promise<ServerProcess> {
  const port = await freePort()
  const config = path.join(dir, 'weir.yaml')
  // Product defaults (sync delivery, acks=all, idempotent producer); the reply is awaited.
  writeFileSync(
    config,
    `backendClusters:
  - name: bench
    bootstrapServers: ${ctx.bootstrap}
virtualClusters:
  - name: bench
    backendCluster: bench
listeners:
  - name: bench
    kind: http
    host: 127.0.0.1
    port: ${port}
    requests: { secret: ${randomBytes(24).toString('hex')} }
    routes:
      - path: /orders
        virtualCluster: bench
        topic: ${requests}
        reply: { topic: ${replies}, timeoutMs: ${roundTripTimeoutMs} }
logging:
  level: warn
`
  )
  return startServer({
    name: 'weir',
    command: process.execPath,
    // WEIR_BENCH_WEIR_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles it.
    args: [
      ...(process.env.WEIR_BENCH_WEIR_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
      path.join(repoRoot, 'src/cli.ts'),
      'start',
      '-c',
      config,
    ],
    cwd: repoRoot,
    logFile: path.join(dir, 'weir.log'),
    url: `http://127.0.0.1:${port}`,
    readyPath: '/readyz',
  })
}

function weirRoundTrip(url: string): RoundTrip {
  return async () => {
    const res = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: order,
      signal: AbortSignal.timeout(roundTripTimeoutMs + 1000),
    }).catch(() => undefined)
    if (res === undefined) return false
    await res.arrayBuffer()
    return res.status === 201
  }
}

function figures(
  prefix: string,
  { result, failed }: Measured,
  baseline: (metric: string) => string
): Figure[] {
  const s = result.elapsedMs / 1000
  return [
    {
      metric: `${prefix} round trips`,
      value: (result.records - failed) / s,
      unit: 'round trips/s',
      better: 'higher',
      baseline: baseline('direct round trips'),
    },
    {
      metric: `${prefix} p50`,
      value: percentile(result.latenciesMs, 50),
      unit: 'ms',
      better: 'lower',
      baseline: baseline('direct p50'),
    },
    {
      metric: `${prefix} p99`,
      value: percentile(result.latenciesMs, 99),
      unit: 'ms',
      better: 'lower',
      baseline: baseline('direct p99'),
    },
    { metric: `${prefix} failed`, value: failed, unit: 'round trips', better: 'lower' },
  ]
}

export const requestReply: Scenario = {
  name,
  description:
    `Round trips through the example order service (its own process, kafkajs): POST /orders to ` +
    `a Weir request-reply route (Weir as its own process, product defaults, sync mode: the reply ` +
    `is the answer), against a direct kafkajs loop (produce with weir-correlation-id and ` +
    `weir-reply-to headers, await the reply on a reply topic it consumes), ${concurrency} round ` +
    `trips in flight on each, fresh 3-partition topics, ${seconds.warmUp} s warm-up then ` +
    `${seconds.measure} s measured per path, in ${rounds} alternating rounds. Latency is per ` +
    `round trip.`,
  async run(ctx) {
    const kafka = benchKafka(ctx, 'weir-bench-request-reply')
    const topics = await Promise.all(
      ['requests', 'direct-replies', 'weir-replies'].map((t) => freshTopic(kafka, `${name}-${t}`))
    )
    const [requests, directReplies, weirReplies] = topics.map((t) => t.topic) as [
      string,
      string,
      string,
    ]
    const dir = mkdtempSync(path.join(os.tmpdir(), 'weir-bench-rr-'))
    const service = startOrderService(ctx, requests)
    const self = (metric: string) => figureId(name, metric)
    const direct = await directClient(kafka, requests, directReplies).catch(async (err) => {
      await service.stop()
      throw err
    })
    let weir: ServerProcess | undefined
    try {
      weir = await startWeir(ctx, dir, requests, weirReplies)
      const viaWeir = weirRoundTrip(weir.url)
      ctx.log('warming up both paths')
      await runFor(seconds.warmUp, direct.roundTrip)
      await runFor(seconds.warmUp, viaWeir)
      const directParts: Measured[] = []
      const weirParts: Measured[] = []
      let cpu = 0
      for (let round = 1; round <= rounds; round++) {
        ctx.log(`round ${round} of ${rounds}: ${concurrency} round trips in flight`)
        directParts.push(await runFor(seconds.measure / rounds, direct.roundTrip))
        const cpuBefore = weir.cpuSeconds()
        weirParts.push(await runFor(seconds.measure / rounds, viaWeir))
        cpu += weir.cpuSeconds() - cpuBefore
      }
      const peakRss = weir.peakRssBytes()
      ctx.note(
        'the direct loop sends one produce request per round trip (kafkajs send, acks=all), as a ' +
          "service written against kafkajs usually does; Weir's producer lets concurrent requests " +
          'share a batch (one in flight per topic, the next gathering meanwhile). Both wait on the same order service.'
      )
      const directMeasured = combine(directParts)
      const weirMeasured = combine(weirParts)
      for (const [label, m] of [
        ['direct', directMeasured],
        ['weir', weirMeasured],
      ] as const) {
        if (m.failed > 0) ctx.problem(`${label}: ${m.failed} round trips got no reply`)
      }
      return [
        ...figures('direct', directMeasured, self),
        ...figures('weir', weirMeasured, self),
        {
          metric: 'weir server CPU per round trip',
          value: (cpu * 1e6) / Math.max(1, weirMeasured.result.records),
          unit: 'µs',
          better: 'lower',
        },
        { metric: 'weir peak RSS', value: peakRss / 2 ** 20, unit: 'MiB', better: 'lower' },
      ]
    } finally {
      await weir?.stop()
      await direct.close()
      await service.stop()
      rmSync(dir, { recursive: true, force: true })
      await Promise.all(
        topics.map((t) =>
          t.remove().catch((err: unknown) => ctx.log(`could not delete ${t.topic}: ${String(err)}`))
        )
      )
    }
  },
}
