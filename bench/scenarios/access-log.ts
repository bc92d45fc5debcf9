// What observability costs HTTP produce: the same load against four Weir processes that differ
// only in their `observability` section: metrics off, metrics on without an access log (the
// default), an access log shipped to a live Kafka sink, and one whose sink's backend cluster is
// unreachable. The issue's proof: a dead log sink does not slow requests (its records are
// dropped and counted, never waited for). All four run at once and are measured in alternating
// rounds (A B C D, D C B A, ...), so a machine whose load drifts during the run weighs on each
// variant alike; ratios compare each variant with the one it adds to, measured in the same run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { freePort } from '../../scripts/local-stack/ports.ts'
import { BackendCluster } from '../../src/config/schema/clusters.ts'
import { Observability as ObservabilitySchema } from '../../src/config/schema/observability.ts'
import { kafkaJsClient } from '../../src/kafka/kafkajs/client.ts'
import { createLogger } from '../../src/observability/logger.ts'
import { GatewayMetrics } from '../../src/observability/metrics/gateway-metrics.ts'
import { Observability } from '../../src/observability/observability.ts'
import { repoRoot, startServer, type ServerProcess } from '../gateway-process.ts'
import { describeErrors, errorCount, runHttpLoad, type HttpLoadResult } from '../http-load.ts'
import { benchKafka, freshTopic, recordsIn } from '../kafka.ts'
import { figureId, type BenchContext, type Figure, type Scenario } from '../scenario.ts'
import { percentile } from '../stats.ts'
import { recordBytes } from './direct-produce.ts'
import { benchEvent } from './http-events.ts'

const name = 'access-log'
const connections = 64
const seconds = {
  warmUp: Number(process.env.WEIR_BENCH_ACCESS_LOG_WARMUP_SECONDS ?? 2),
  /** Per round; each variant is measured in every round. */
  round: Number(process.env.WEIR_BENCH_ACCESS_LOG_ROUND_SECONDS ?? 1),
}
/** Short rounds, many of them: bursts of other work on a shared machine average out. */
const rounds = Number(process.env.WEIR_BENCH_ACCESS_LOG_ROUNDS ?? 8)

interface Variant {
  id: 'metrics-off' | 'no-log' | 'live-sink' | 'dead-sink'
  /** The variant this one adds to: its figures' baseline. */
  baseline?: Variant['id']
  /** The throughput ratio to the baseline aimed for. */
  aim?: number
  observability(accessTopic: string): string
}

const variants: readonly Variant[] = [
  { id: 'metrics-off', observability: () => `  metrics: { enabled: false }\n` },
  // The default: metrics on (one observation per request), no access log.
  { id: 'no-log', baseline: 'metrics-off', observability: () => '' },
  {
    id: 'live-sink',
    baseline: 'no-log',
    observability: (topic) =>
      `  accessLog:\n    sinks:\n      - { kind: kafka, name: live, backendCluster: bench, topic: ${topic} }\n`,
  },
  {
    id: 'dead-sink',
    baseline: 'no-log',
    aim: 0.9,
    observability: () =>
      `  accessLog:\n    sinks:\n      - { kind: kafka, name: dead, backendCluster: dead, topic: weir-access-log }\n`,
  },
]

/** Node options for the Weir processes, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile. */
const weirNodeArgs = (process.env.WEIR_BENCH_WEIR_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)

/** Any token: /metrics needs none, but an admin listener needs one configured. */
const adminTokenSha256 = 'a'.repeat(64)

function weirConfig(
  ctx: BenchContext,
  port: number,
  adminPort: number,
  observability: string
): string {
  // Product defaults for produce (sync delivery, acks=all, idempotent producer) and for the
  // access log sink (gzip, acks=leader, batches of 500 or 100 ms, a 10 000-record buffer).
  return `backendClusters:
  - name: bench
    bootstrapServers: ${ctx.bootstrap}
  - name: dead
    bootstrapServers: 127.0.0.1:1
    connectionTimeoutMs: 200
virtualClusters:
  - name: bench
    backendCluster: bench
listeners:
  - name: bench
    kind: http
    host: 127.0.0.1
    port: ${port}
    topicsEndpoint:
      virtualCluster: bench
      allowed: ['bench-*']
admin:
  port: ${adminPort}
  tokens: [{ name: bench, sha256: ${adminTokenSha256} }]
logging:
  level: warn
${observability ? `observability:\n${observability}` : ''}`
}

interface Running {
  variant: Variant
  server: ServerProcess
  adminUrl: string
  topic: string
  /** Measured rounds, and the server CPU they took. */
  results: HttpLoadResult[]
  cpuSeconds: number
}

/** One sample of `weir_access_log_records_total` from the variant's /metrics. */
async function accessLogRecords(adminUrl: string, result: 'sent' | 'dropped'): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text()
  let total = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith('weir_access_log_records_total{')) continue
    if (!line.includes(`result="${result}"`)) continue
    total += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return total
}

function figuresOf(run: Running): Figure[] {
  const { variant } = run
  const latencies = run.results.flatMap((r) => r.latenciesMs)
  const ok = run.results.reduce((sum, r) => sum + r.ok, 0)
  const elapsed = run.results.reduce((sum, r) => sum + r.elapsedMs, 0) / 1000
  const errors = run.results.reduce((sum, r) => sum + errorCount(r), 0)
  const metric = (what: string): string => `${variant.id} ${what}`
  const baseline = (what: string): string | undefined =>
    variant.baseline === undefined ? undefined : figureId(name, `${variant.baseline} ${what}`)
  return [
    {
      metric: metric('throughput'),
      value: ok / elapsed,
      unit: 'requests/s',
      better: 'higher',
      baseline: baseline('throughput'),
      aim: variant.aim,
    },
    {
      metric: metric('request p50'),
      value: percentile(latencies, 50),
      unit: 'ms',
      better: 'lower',
      baseline: baseline('request p50'),
    },
    {
      metric: metric('request p99'),
      value: percentile(latencies, 99),
      unit: 'ms',
      better: 'lower',
      baseline: baseline('request p99'),
    },
    {
      // Robust to whatever else runs on the machine: the cost, not the speed, of the path.
      metric: metric('server CPU per request'),
      value: (run.cpuSeconds * 1e6) / ok,
      unit: 'µs',
      better: 'lower',
      baseline: baseline('server CPU per request'),
    },
    { metric: metric('errors'), value: errors, unit: 'requests', better: 'lower' },
  ]
}

/**
 * The observation path alone, in this process: a request scope opened and finished as the HTTP
 * produce door does (no tracing), with metrics off, on, and on with an access log whose sink is
 * dead (its buffer fills, then every record is formatted and dropped). Only what runs on the
 * request's own path is timed; a live sink's sending happens later, off that path. Immune to the
 * machine's other load, unlike the figures measured through Weir.
 */
async function observationCost(): Promise<Figure[]> {
  const dead = kafkaJsClient(
    BackendCluster.parse({
      name: 'dead',
      clientId: 'weir-bench-dead-sink',
      bootstrapServers: ['127.0.0.1:1'],
      connectionTimeoutMs: 200,
    }),
    createLogger({ level: 'silent', pretty: false })
  )
  const perRequest = async (observabilityConfig: unknown): Promise<number> => {
    const observability = new Observability(ObservabilitySchema.parse(observabilityConfig), {
      metrics: new GatewayMetrics(),
      kafka: () => dead,
      logger: createLogger({ level: 'silent', pretty: false }),
    })
    const headers = new Headers({ 'content-type': 'application/json' })
    const reply = { requestId: 'bench-request-id', offsets: [{ partition: 0, offset: '12345' }] }
    const once = (i: number): void => {
      const scope = observability.request(
        'http',
        'POST /topics/{topic}',
        { 'http.request.method': 'POST', 'weir.route': '/topics/{topic}' },
        headers
      )
      scope.finish({
        virtualCluster: 'bench',
        route: '/topics/{topic}',
        topic: `bench-topic-${i % 4}`,
        principal: 'anonymous',
        requestId: 'bench-request-id',
        records: 1,
        bytesIn: recordBytes,
        backendMs: 2,
        status: 202,
        bytesOut: Buffer.byteLength(JSON.stringify(reply)),
      })
    }
    for (let i = 0; i < 20_000; i++) once(i) // warm-up: JIT, label children
    const n = 200_000
    const started = process.cpuUsage()
    for (let i = 0; i < n; i++) once(i)
    const used = process.cpuUsage(started)
    await observability.close()
    return (used.user + used.system) / n
  }
  const off = await perRequest({ metrics: { enabled: false } })
  const on = await perRequest({})
  const deadSink = await perRequest({
    accessLog: { sinks: [{ kind: 'kafka', name: 'dead', backendCluster: 'dead', topic: 'x' }] },
  })
  const id = (what: string) => figureId(name, what)
  return [
    {
      metric: 'observation path per request, metrics off (in-process)',
      value: off,
      unit: 'µs',
      better: 'lower',
    },
    {
      metric: 'observation path per request, metrics on (in-process)',
      value: on,
      unit: 'µs',
      better: 'lower',
      baseline: id('observation path per request, metrics off (in-process)'),
    },
    {
      metric: 'observation path per request, dead access log sink (in-process)',
      value: deadSink,
      unit: 'µs',
      better: 'lower',
      baseline: id('observation path per request, metrics on (in-process)'),
    },
  ]
}

export const accessLog: Scenario = {
  name,
  description:
    `POST /topics/{topic} (one ${recordBytes}-byte JSON ` +
    `event per request, ${connections} connections, autocannon) to four Weir processes ` +
    `(\`weir start\`, product defaults) that differ only in \`observability\`: metrics-off ` +
    `(metrics.enabled false, no access log), no-log (the default: metrics on, no access log), ` +
    `live-sink (an access log record per request to a Kafka topic on the bench broker: gzip, ` +
    `acks=leader, batches of 500 / 100 ms) and dead-sink (the same, to a backend cluster at ` +
    `127.0.0.1:1, which refuses connections). All four run at once; each is warmed up ` +
    `${seconds.warmUp} s, then measured in ${rounds} rounds of ${seconds.round} s in alternating ` +
    `order (A B C D, D C B A, ...). Ratios: no-log against metrics-off (the cost of the observation ` +
    `and metrics path), live-sink and dead-sink against no-log (the access log's cost; a dead ` +
    `sink must not slow requests). Server CPU is Weir's, over the measured rounds. The ` +
    `in-process figures time the observation path alone, in the bench process (a request scope ` +
    `opened and finished as the HTTP produce door does, 200 000 times, no tracing): metrics off, ` +
    `on, and on with an access log to a dead Kafka sink (what a request pays for it).`,
  async run(ctx) {
    const kafka = benchKafka(ctx, 'weir-bench-access-log')
    const dir = mkdtempSync(path.join(os.tmpdir(), 'weir-bench-access-log-'))
    const topics: { remove: () => Promise<void> }[] = []
    const running: Running[] = []
    const event = JSON.stringify(benchEvent())
    try {
      const accessTopic = await freshTopic(kafka, `${name}-records`)
      topics.push(accessTopic)
      for (const variant of variants) {
        const produced = await freshTopic(kafka, `${name}-${variant.id}`)
        topics.push(produced)
        const port = await freePort()
        const adminPort = await freePort()
        const config = path.join(dir, `${variant.id}.yaml`)
        writeFileSync(
          config,
          weirConfig(ctx, port, adminPort, variant.observability(accessTopic.topic))
        )
        const server = await startServer({
          name: `weir-${variant.id}`,
          command: process.execPath,
          args: [
            ...weirNodeArgs,
            path.join(repoRoot, 'src/cli.ts'),
            'start',
            '-c',
            config,
            '--no-watch',
          ],
          cwd: repoRoot,
          logFile: path.join(dir, `${variant.id}.log`),
          url: `http://127.0.0.1:${port}`,
          readyPath: '/readyz',
        })
        running.push({
          variant,
          server,
          adminUrl: `http://127.0.0.1:${adminPort}`,
          topic: produced.topic,
          results: [],
          cpuSeconds: 0,
        })
      }
      const plan = (run: Running, secondsOfLoad: number) => ({
        url: `${run.server.url}/topics/${run.topic}`,
        headers: { 'content-type': 'application/json' },
        body: event,
        connections,
        okStatus: 202,
        seconds: secondsOfLoad,
      })
      for (const run of running) {
        ctx.log(`${run.variant.id}: warming up`)
        const warm = await runHttpLoad(plan(run, seconds.warmUp))
        if (errorCount(warm) > 0) {
          ctx.problem(`${run.variant.id}: ${errorCount(warm)} warm-up requests failed`)
        }
      }
      const loadBefore = os.loadavg()[0] ?? 0
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? running : [...running].reverse()
        for (const run of order) {
          ctx.log(`${run.variant.id}: round ${round + 1}`)
          const cpuBefore = run.server.cpuSeconds()
          const result = await runHttpLoad(plan(run, seconds.round))
          run.cpuSeconds += run.server.cpuSeconds() - cpuBefore
          run.results.push(result)
          if (errorCount(result) > 0) {
            ctx.problem(`${run.variant.id}: ${describeErrors(result)}`)
          }
        }
      }
      ctx.note(
        `Load average (1 min) ${loadBefore.toFixed(2)} when the measured rounds began, ` +
          `${(os.loadavg()[0] ?? 0).toFixed(2)} when they ended (${os.cpus().length} cores).`
      )

      // What the sinks did with the records: the live one sent them, the dead one dropped them.
      const live = running.find((r) => r.variant.id === 'live-sink')
      const dead = running.find((r) => r.variant.id === 'dead-sink')
      const figures = [...running.flatMap(figuresOf), ...(await observationCost())]
      if (live !== undefined) {
        // The sink sends within its linger; give it a moment after the load stopped.
        await new Promise((resolve) => setTimeout(resolve, 1_000))
        const sent = await accessLogRecords(live.adminUrl, 'sent')
        const inTopic = await recordsIn(kafka, accessTopic.topic)
        const dropped = await accessLogRecords(live.adminUrl, 'dropped')
        ctx.note(
          `live-sink: ${sent} access log records sent (${inTopic} in the topic), ${dropped} dropped.`
        )
        if (dropped > 0) ctx.problem(`live-sink dropped ${dropped} access log records`)
      }
      if (dead !== undefined) {
        const dropped = await accessLogRecords(dead.adminUrl, 'dropped')
        const sent = await accessLogRecords(dead.adminUrl, 'sent')
        ctx.note(`dead-sink: ${dropped} access log records dropped (counted), ${sent} sent.`)
      }
      return figures
    } finally {
      await Promise.all(running.map((r) => r.server.stop()))
      for (const topic of topics) {
        await topic.remove().catch((err: unknown) => ctx.log(`could not delete a topic: ${err}`))
      }
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
