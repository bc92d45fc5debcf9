// HTTP produce through Weir, against the direct path of the same run. Weir runs as its own process
// (`weir start`), as in production, so autocannon and the gateway do not share an event loop; on a
// small machine they still share its cores with the broker, as the direct path shares them with it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { freePort } from '../../scripts/local-stack/ports.ts'
import { startWeirServer, type ServerProcess } from '../gateway-process.ts'
import { benchKafka, benchPartitions, freshTopic } from '../kafka.ts'
import { figureId, type BenchContext, type Figure, type Scenario } from '../scenario.ts'
import { startHttpFloor } from '../peers/http-floor.ts'
import { startNaiveBridge } from '../peers/naive-bridge.ts'
import { recordBytes } from './direct-produce.ts'
import {
  benchEvent,
  chosenVariants,
  registerSchema,
  timing,
  variants,
  type Variant,
} from './http-events.ts'
import { measureVariants, type HttpTarget } from './http-measure.ts'
import { halfLoad, halfLoadFigures } from './http-produce-half-load.ts'

const name = 'http-produce'

/** Weir's throughput against the naive bridge's the issue aims for (json-batch; json-single too). */
const bridgeAim = 1.0

/** Before the figures of Weir with `client: platformatic`. */
const platformaticPrefix = 'platformatic '

/** Before the figures of the naive bridge on @platformatic/kafka. */
const platformaticBridgePrefix = 'platformatic naive bridge '

/** Before the figures of the bare node:http reference. */
const floorPrefix = 'bare node:http '

/** `client`: the cluster's Kafka client library (backendClusters[].client). */
export function weirConfig(ctx: BenchContext, port: number, client = 'kafkajs'): string {
  const registry = ctx.registryUrl
    ? `schemaRegistries:\n  - name: registry\n    url: ${ctx.registryUrl}\n`
    : ''
  // Product defaults everywhere (sync delivery, acks=all, idempotent producer, no linger), so
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
    `sync delivery, acks=all, idempotent producer, no linger: a topic's batch leaves when the ` +
    `one before it is acknowledged), ${recordBytes}-byte JSON events ` +
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
    `throughput and CPU per event are also given against the bridge's. "platformatic": Weir ` +
    `again, its backend cluster's producers on @platformatic/kafka (\`client: platformatic\`, ` +
    `the client port's second library; kafkajs is the default), JSON variants only, in the ` +
    `same interleaved order, against "platformatic naive bridge", the bridge on that library. "bare node:http": a reference, not a peer: node:http reading the ` +
    `body, parsing its JSON and answering 202, no Kafka behind it (bench/peers/http-floor/), ` +
    `json-single only: the floor any Node HTTP door stands on, on this machine. ` +
    `Half load (json-single): ` +
    `after the full-speed runs, the direct path (a kafkajs producer, acks=all, a record per ` +
    `event, the records of 2 ms sent together as the bridge does: kafkajs ` +
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
      // Weir again with its producers on @platformatic/kafka (backendClusters[].client), the
      // client port's second library: JSON only, to keep the run short.
      const platformatic: HttpTarget = {
        ...weir,
        label: 'Weir on @platformatic/kafka',
        figurePrefix: platformaticPrefix,
        start: () => startWeir(dir, (port) => weirConfig(ctx, port, 'platformatic')),
        takes: (v) => v.format === 'json',
      }
      // The bridge on @platformatic/kafka, beside Weir on it: the same client under both.
      const platformaticBridge: HttpTarget = {
        ...bridge,
        label: 'naive bridge on @platformatic/kafka',
        figurePrefix: platformaticBridgePrefix,
        start: () =>
          startNaiveBridge(
            ctx.bootstrap,
            path.join(dir, 'bridge-platformatic.log'),
            'platformatic'
          ),
      }
      // What node:http alone costs with the same requests and no Kafka: the floor of any Node
      // HTTP door on this machine (json-single only: a batch's floor is far above every path).
      const floor: HttpTarget = {
        ...weir,
        label: 'bare node:http',
        figurePrefix: floorPrefix,
        start: () => startHttpFloor(path.join(dir, 'floor.log')),
        takes: (v) => v.id === 'json-single',
        writesNothing: true,
      }
      const chosen = chosenVariants(variants)
      const targets = [weir, bridge, platformatic, platformaticBridge, floor]
      const figures = await measureVariants(ctx, name, chosen, targets, async (topic, v) => {
        if (v.format !== 'avro') return
        if (!ctx.registryUrl) throw new Error('the avro variants need a schema registry')
        const id = await registerSchema(ctx.registryUrl, `${topic}-value`)
        ctx.log(`${v.id}: registered ${topic}-value as schema id ${id}`)
      })
      figures.push(
        ...againstBridge(figures, chosen),
        ...againstBridge(figures, chosen, platformaticPrefix, platformaticBridgePrefix)
      )
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

/**
 * Weir's throughput and CPU per event against the naive bridge's, for each variant both took;
 * `prefix`: the figures of Weir on another client library (the aim is the default's), against
 * the bridge on that library (`bridge`: its figures' prefix).
 */
function againstBridge(
  figures: readonly Figure[],
  chosen: readonly Variant[],
  prefix = '',
  bridge = 'naive bridge '
): Figure[] {
  const has = (metric: string): boolean => figures.some((f) => f.metric === metric)
  const against = `against the ${bridge.trim()}`
  return chosen
    .filter((v) => has(`${bridge}${v.id} throughput`) && has(`${prefix}${v.id} throughput`))
    .flatMap((v): Figure[] => {
      const weir = (what: string): number =>
        figures.find((f) => f.metric === `${prefix}${v.id} ${what}`)?.value ?? Number.NaN
      return [
        {
          metric: `${prefix}${v.id} throughput ${against}`,
          value: weir('throughput'),
          unit: 'records/s',
          better: 'higher',
          baseline: figureId(name, `${bridge}${v.id} throughput`),
          aim: prefix === '' ? bridgeAim : undefined,
        },
        {
          metric: `${prefix}${v.id} server CPU per event ${against}`,
          value: weir('server CPU per event'),
          unit: 'µs',
          better: 'lower',
          baseline: figureId(name, `${bridge}${v.id} server CPU per event`),
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
