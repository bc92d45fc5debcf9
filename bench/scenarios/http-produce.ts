// HTTP produce through Weir, against the direct path of the same run. Weir runs as its own process
// (`weir start`), as in production, so autocannon and the gateway do not share an event loop; on a
// small machine they still share its cores with the broker, as the direct path shares them with it.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { freePort } from '../../scripts/local-stack/ports.ts'
import { startWeirServer, type ServerProcess } from '../gateway-process.ts'
import { describeErrors, errorCount, runHttpLoad, type HttpLoadResult } from '../http-load.ts'
import { benchKafka, benchPartitions, freshTopic, recordsIn } from '../kafka.ts'
import { figureId, type BenchContext, type Figure, type Scenario } from '../scenario.ts'
import { startNaiveBridge } from '../peers/naive-bridge.ts'
import { percentile } from '../stats.ts'
import { recordBytes } from './direct-produce.ts'
import { halfLoad, halfLoadFigures } from './http-produce-half-load.ts'

const name = 'http-produce'
const direct = (metric: string): string => figureId('direct-produce', metric)

export interface Variant {
  /** Prefix of the variant's figures, e.g. `json-single`. */
  id: string
  format: 'json' | 'avro'
  /** Events per request: 1 sends a JSON object, more a JSON array. */
  events: number
  /** Connections, each with one request in flight. */
  connections: number
  /** The throughput ratio to the direct path the product aims for on the bench machine. */
  aim?: number
}

/**
 * Enough connections to keep the gateway busy without piling up requests it can only queue: single
 * events need many concurrent requests to fill a producer batch; batches of 100 need few. Chosen
 * from sweeps on the 2-core bench machine (single: 32 to 256, batches: 2 to 32 connections): past
 * these, latency grew and throughput did not. The aims are the product's, for that machine.
 */
export const variants: readonly Variant[] = [
  { id: 'json-single', format: 'json', events: 1, connections: 64, aim: 0.3 },
  { id: 'json-batch', format: 'json', events: 100, connections: 4, aim: 0.8 },
  { id: 'avro-single', format: 'avro', events: 1, connections: 64, aim: 0.3 },
  { id: 'avro-batch', format: 'avro', events: 100, connections: 4, aim: 0.8 },
]

export const timing = { warmUpSeconds: 3, measureSeconds: 10 }

/** Weir's throughput against the naive bridge's the issue aims for (json-batch; json-single too). */
const bridgeAim = 1.0

/** `WEIR_BENCH_HTTP_VARIANTS=json-single,avro-batch` measures only those (for profiling). */
export function chosenVariants(all: readonly Variant[]): Variant[] {
  const names = (process.env.WEIR_BENCH_HTTP_VARIANTS ?? '').split(',').filter(Boolean)
  return names.length === 0 ? [...all] : all.filter((v) => names.includes(v.id))
}

/**
 * A JSON event that serializes to exactly `bytes` bytes: the usual scalar, array and map fields
 * plus a random text field that makes up the size (random, so nothing downstream compresses it).
 */
export function benchEvent(bytes = recordBytes): Record<string, unknown> {
  const event = {
    id: 'evt-000000000001',
    type: 'weir.bench.event',
    source: 'weir-bench',
    time: 1_760_000_000_000,
    amount: 1234.5,
    count: 42,
    flag: true,
    tags: ['alpha', 'beta', 'gamma'],
    attributes: { region: 'eu-west', tier: 'gold' },
    payload: '',
  }
  const pad = bytes - JSON.stringify(event).length
  // base64url needs no JSON escaping, so one character is one byte.
  event.payload = randomBytes(pad).toString('base64url').slice(0, pad)
  if (JSON.stringify(event).length !== bytes) throw new Error(`the bench event is not ${bytes} B`)
  return event
}

/** The Avro schema the events match, registered under `<topic>-value` for the Avro variants. */
export const benchEventAvro = {
  type: 'record',
  name: 'BenchEvent',
  namespace: 'weir.bench',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'type', type: 'string' },
    { name: 'source', type: 'string' },
    { name: 'time', type: 'long' },
    { name: 'amount', type: 'double' },
    { name: 'count', type: 'int' },
    { name: 'flag', type: 'boolean' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'attributes', type: { type: 'map', values: 'string' } },
    { name: 'payload', type: 'string' },
  ],
}

async function registerSchema(registryUrl: string, subject: string): Promise<number> {
  const res = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType: 'AVRO', schema: JSON.stringify(benchEventAvro) }),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`registering ${subject} failed: ${res.status} ${text}`)
  return (JSON.parse(text) as { id: number }).id
}

/** `client`: the cluster's Kafka client library (backendClusters[].client). */
export function weirConfig(ctx: BenchContext, port: number, client = 'kafkajs'): string {
  const registry = ctx.registryUrl
    ? `schemaRegistries:\n  - name: registry\n    url: ${ctx.registryUrl}\n`
    : ''
  // Product defaults everywhere (sync delivery, acks=all, idempotent producer, 2 ms linger), so
  // the figures are what a user of this configuration would see.
  return `backendClusters:
  - name: bench
    bootstrapServers: ${ctx.bootstrap}
    client: ${client}
${registry}virtualClusters:
  - name: bench
    backendCluster: bench
${ctx.registryUrl ? '    schemaRegistry: registry\n' : ''}    policies: [bench-avro]
policies:
  - name: bench-avro
    kind: schema
    topics: ['bench-${name}-avro-*']
    value: { format: avro }
listeners:
  - name: bench
    kind: http
    host: 127.0.0.1
    port: ${port}
    topicsEndpoint:
      virtualCluster: bench
      allowed: ['bench-*']
logging:
  level: warn
`
}

/**
 * `weir start` in its own process, with the config `yaml` gives for the port it listens on;
 * `workers` as in WeirServerSpec.
 */
export async function startWeir(
  dir: string,
  yaml: (port: number) => string,
  workers?: string | null
): Promise<ServerProcess> {
  const port = await freePort()
  const config = path.join(dir, 'weir.yaml')
  writeFileSync(config, yaml(port))
  return startWeirServer({
    config,
    logFile: path.join(dir, 'weir.log'),
    url: `http://127.0.0.1:${port}`,
    workers,
  })
}

/**
 * A fresh broker creates its transaction state topic (50 partitions) when the first idempotent
 * producer asks for a producer id: a few seconds of broker work that would land in the first
 * variant's figures. One idempotent send before measuring anything gets it done.
 */
export async function primeIdempotentProducers(ctx: BenchContext): Promise<void> {
  // Quiet: kafkajs logs the coordinator's "still loading" answers it retries, which is the point.
  const kafka = new Kafka({
    clientId: 'weir-bench-prime',
    brokers: [ctx.bootstrap],
    logLevel: logLevel.NOTHING,
  })
  const { topic, remove } = await freshTopic(kafka, `${name}-prime`)
  const producer = kafka.producer({
    idempotent: true,
    createPartitioner: Partitioners.DefaultPartitioner,
  })
  try {
    await producer.connect()
    await producer.send({ topic, acks: -1, messages: [{ value: 'prime' }] })
  } finally {
    await producer.disconnect()
    await remove().catch((err: unknown) => ctx.log(`could not delete ${topic}: ${String(err)}`))
  }
}

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
}

/** What a server logged (at warning level or above), by message, with the variants it did so in. */
type Logged = Map<string, Set<string>>

function collectLog(file: string, variant: Variant, logged: Logged): void {
  if (!existsSync(file)) return
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue
    let message = line
    try {
      // Weir logs JSON lines (pino), the bridge's kafkajs too; the message repeats, not the time.
      const entry = JSON.parse(line) as {
        msg?: unknown
        message?: unknown
        error?: unknown
        err?: { message?: unknown }
      }
      const error = entry.error ?? entry.err?.message
      message = `${String(entry.msg ?? entry.message ?? line)}${error === undefined ? '' : ` (${String(error)})`}`
    } catch {
      // Not JSON (a Java server's log): the line as it is.
    }
    message = message.slice(0, 300)
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
  const landed = await recordsIn(kafka, topic)
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
        const tag = (target.figurePrefix ?? '').trim().replaceAll(' ', '-')
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

const describeVariants = (list: readonly Variant[]): string =>
  list
    .map(
      (v) =>
        `${v.id} (${v.events === 1 ? 'one event' : `${v.events} events`} per request, ` +
        `${v.connections} connections)`
    )
    .join(', ')

export const httpProduce: Scenario = {
  name,
  description:
    `POST /topics/{topic} to Weir running as its own process (\`weir start\`, product defaults: ` +
    `sync delivery, acks=all, idempotent producer, 2 ms linger), ${recordBytes}-byte JSON events ` +
    `to a fresh ${benchPartitions}-partition topic per variant, one request in flight per ` +
    `connection (autocannon): ${describeVariants(variants)}. The avro variants validate and ` +
    `serialize every event through an Avro schema in the Schema Registry (subject <topic>-value). ` +
    `${timing.warmUpSeconds} s warm-up, then ${timing.measureSeconds} s measured, a fresh Weir per ` +
    `variant. Throughput counts events (one record each) and their JSON bytes; latency is per ` +
    `request, compared with the direct path's per-send latency; errors are answers other than ` +
    `202; peak RSS is Weir's VmHWM. The peer, "naive bridge": the HTTP bridge anyone writes in an ` +
    `afternoon (bench/peers/naive-bridge/: node:http and a kafkajs producer, acks=all, requests ` +
    `arriving within 2 ms sent together, no auth, no schema, answers 202), its own Node process ` +
    `like Weir, a fresh one per variant, takes the same JSON requests; each JSON variant runs on ` +
    `both, Weir first then the bridge, the next variant the other way round, and Weir's ` +
    `throughput and CPU per event are also given against the bridge's. Half load (json-single): ` +
    `after the full-speed runs, the direct path (a kafkajs producer, acks=all, a record per ` +
    `event, the records of 2 ms sent together as Weir's producer and the bridge do: kafkajs ` +
    `has no linger, and a record per send() queues at about 1,000/s here), a fresh Weir and a fresh bridge each take one common rate, half the json-single ` +
    `throughput of the slower of Weir and the bridge (so no path is past half its maximum and ` +
    `all are compared at the same offered load), from an open-loop load (bench/open-loop.ts: ` +
    `sends start on schedule whether or not earlier ones were answered, latency from the ` +
    `scheduled time; as many HTTP connections as the closed-loop json-single run); a fresh ` +
    `server first warms up ${halfLoad.fullSpeedWarmUpSeconds} s at full speed, then every path ` +
    `${halfLoad.warmUpSeconds} s at the rate, then ${halfLoad.seconds} s measured; p50/p99 ` +
    `against the direct path's, "added" = path minus direct. A direct p99 over ` +
    `${halfLoad.saturatedP99Ms} ms or an achieved rate under ${halfLoad.keptUpShare * 100}% ` +
    `of the offered one is noted as a saturated run.`,
  baselines: ['direct-produce'],
  needs: { registry: true },
  async run(ctx) {
    await primeIdempotentProducers(ctx)
    const dir = mkdtempSync(path.join(os.tmpdir(), 'weir-bench-http-'))
    try {
      const weir: HttpTarget = {
        label: 'Weir',
        start: () => startWeir(dir, (port) => weirConfig(ctx, port)),
        request: (topic) => ({
          path: `/topics/${topic}`,
          headers: { 'content-type': 'application/json' },
        }),
        body: (events, variant) => JSON.stringify(variant.events === 1 ? events[0] : events),
        okStatus: 202,
      }
      // The same requests and answers as Weir's; no schema registry, so JSON only.
      const bridge: HttpTarget = {
        ...weir,
        label: 'naive bridge',
        figurePrefix: 'naive bridge ',
        start: () => startNaiveBridge(ctx.bootstrap, path.join(dir, 'bridge.log')),
        takes: (v) => v.format === 'json',
      }
      const chosen = chosenVariants(variants)
      const figures = await measureVariants(ctx, name, chosen, [weir, bridge], async (topic, v) => {
        if (v.format !== 'avro') return
        if (!ctx.registryUrl) throw new Error('the avro variants need a schema registry')
        const id = await registerSchema(ctx.registryUrl, `${topic}-value`)
        ctx.log(`${v.id}: registered ${topic}-value as schema id ${id}`)
      })
      figures.push(...againstBridge(figures, chosen))
      const single = chosen.find((v) => v.id === 'json-single')
      const rate = halfLoadRate(figures)
      if (single && Number.isFinite(rate)) {
        const kafka = benchKafka(ctx, `weir-bench-${name}-half-load`)
        const load = { variant: single, event: benchEvent(), rate }
        figures.push(...(await halfLoadFigures(ctx, kafka, name, [weir, bridge], load)))
      }
      return figures
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
}

/** Weir's throughput and CPU per event against the naive bridge's, for each variant it took. */
function againstBridge(figures: readonly Figure[], chosen: readonly Variant[]): Figure[] {
  const has = (metric: string): boolean => figures.some((f) => f.metric === metric)
  return chosen
    .filter((v) => has(`naive bridge ${v.id} throughput`))
    .flatMap((v): Figure[] => {
      const weir = (what: string): number =>
        figures.find((f) => f.metric === `${v.id} ${what}`)?.value ?? Number.NaN
      return [
        {
          metric: `${v.id} throughput against the naive bridge`,
          value: weir('throughput'),
          unit: 'records/s',
          better: 'higher',
          baseline: figureId(name, `naive bridge ${v.id} throughput`),
          aim: bridgeAim,
        },
        {
          metric: `${v.id} server CPU per event against the naive bridge`,
          value: weir('server CPU per event'),
          unit: 'µs',
          better: 'lower',
          baseline: figureId(name, `naive bridge ${v.id} server CPU per event`),
        },
      ]
    })
}

/**
 * One offered rate for every path at half load: half the json-single throughput of the slower
 * HTTP path (Weir or the bridge), so no path is past half its own maximum and the latency each
 * adds is read against the direct path's at the same rate. NaN when either was not measured.
 */
function halfLoadRate(figures: readonly Figure[]): number {
  const of = (metric: string): number =>
    figures.find((f) => f.metric === metric)?.value ?? Number.NaN
  return Math.round(
    Math.min(of('json-single throughput'), of('naive bridge json-single throughput')) / 2
  )
}
