// The Kafka-native listener as a transparent proxy: the same producer and consumer load straight
// to the broker, through Weir (its own process, `weir start`, a kafka listener with port mapping)
// and through Kroxylicious (pass-through, port per broker: the peer) in one run, with Kafka's own
// ProducerPerformance and ConsumerPerformance. The paths alternate direct, Weir, Kroxylicious,
// Kroxylicious, Weir, direct in every phase, so a machine that gets busier or quieter during the
// run (the broker warming up, other work on the box) weighs on all alike.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Kafka } from 'kafkajs'
import { versions } from '../../scripts/local-stack/paths.ts'
import { freePort } from '../../scripts/local-stack/ports.ts'
import { startWeirServer, type ServerProcess, type WeirServer } from '../gateway-process.ts'
import { benchKafka, benchPartitions, freshTopic } from '../kafka.ts'
import { perfTools, producerPerformance, warningsIn, type PerfTools } from '../kafka-perf.ts'
import { kroxyliciousVersion, startKroxylicious, type Kroxylicious } from '../peers/kroxylicious.ts'
import { figureId, type BenchContext, type Scenario } from '../scenario.ts'
import { loggedMessages } from './fanout-weir.ts'
import { proxyFigures } from './kafka-proxy-figures.ts'
import {
  consumePhase,
  label,
  producedBy,
  producePhase,
  type Path,
  type Phase,
  type Warnings,
} from './kafka-proxy-runs.ts'

// What kafka-proxy-secure and kafka-proxy-encrypt share with this scenario.
export { addWarnings, consumedBy, producedBy, sum, type Warnings } from './kafka-proxy-runs.ts'
export { recordsIn } from '../kafka.ts'

const name = 'kafka-proxy'

export const plan = {
  recordBytes: 1024,
  /** Direct, before anything is measured: warms the broker and sizes the runs. */
  warmUpRecords: 30_000,
  /** Through each proxy, before anything is measured: its connections, its JIT. */
  weirWarmUpRecords: 15_000,
  /** Every phase runs the paths in this order, all to the phase's own topic. */
  order: [
    'direct',
    'weir',
    'kroxylicious',
    'kroxylicious',
    'weir',
    'direct',
  ] as const satisfies readonly Path[],
  /**
   * Seconds one full-speed run should take direct at the warm-up's rate, which a cold broker and
   * JVM keep below the measured one: runs of 5 to 8 s, long enough that the producer's 32 MiB
   * buffer is not most of the run, short enough for six runs a phase in about 4 minutes.
   */
  fullSpeedSeconds: 8,
  halfLoadSeconds: 6,
  /** Bounds on the records per full-speed run, whatever the warm-up's rate said. */
  minRecords: 20_000,
  maxRecords: 1_500_000,
  /**
   * The aims: throughput ratios, p99 added at half load, consume against Kroxylicious,
   * CPU per MiB fetched.
   */
  throughputAim: 0.95,
  addedP99AimMs: 1,
  consumeVsPeerAim: 1.2,
  consumeCpuMsPerMiBAim: 1.5,
  /** A direct p99 at half load above this means the machine, not the path, set the latency. */
  saturatedP99Ms: 50,
}

const self = (metric: string): string => figureId(name, metric)

/**
 * What a scenario adds to kafka-proxy's Weir: lines of the virtual cluster (its policies, say)
 * and top-level sections (policies, kms), as YAML indented to fit.
 */
export interface WeirExtras {
  virtualCluster?: string
  topLevel?: string
}

/** Weir with a kafka listener in front of the broker, and an http listener for /readyz only. */
function weirConfig(
  bootstrap: string,
  port: number,
  brokerPortBase: number,
  health: number,
  extras: WeirExtras
) {
  // The kafka listener comes first: Weir starts listeners in order, so /readyz answering means
  // its ports are bound.
  return `backendClusters:
  - name: bench
    bootstrapServers: ${bootstrap}
virtualClusters:
  - name: bench
    backendCluster: bench
${extras.virtualCluster ?? ''}${extras.topLevel ?? ''}listeners:
  - name: kafka
    kind: kafka
    virtualCluster: bench
    host: 127.0.0.1
    port: ${port}
    brokerPortBase: ${brokerPortBase}
  - name: health
    kind: http
    host: 127.0.0.1
    port: ${health}
logging:
  level: warn
`
}

export async function startWeir(
  ctx: BenchContext,
  kafka: Kafka,
  dir: string,
  extras: WeirExtras = {},
  workers?: string | null
): Promise<{ weir: WeirServer; bootstrap: string }> {
  // Broker N is served on brokerPortBase + N. A free port for the lowest node id; with more
  // brokers (an external cluster), the ports after it are taken on trust.
  const admin = kafka.admin()
  await admin.connect()
  const { brokers } = await admin.describeCluster().finally(() => admin.disconnect())
  const lowest = Math.min(...brokers.map((b) => b.nodeId))
  const port = await freePort()
  const brokerPortBase = (await freePort()) - lowest
  const health = await freePort()
  const config = path.join(dir, 'weir.yaml')
  writeFileSync(config, weirConfig(ctx.bootstrap, port, brokerPortBase, health, extras))
  const weir = await startWeirServer({
    config,
    logFile: path.join(dir, 'weir.log'),
    url: `http://127.0.0.1:${health}`,
    workers,
  })
  return { weir, bootstrap: `127.0.0.1:${port}` }
}

/** What a Kafka-proxy scenario's run holds until its end, measured or failed. */
export interface ProxyRun {
  tools: PerfTools
  /** Straight to the broker. */
  kafka: Kafka
  /** Scratch: Weir's config and log, payload files. */
  dir: string
  warnings: Warnings
  /** Every topic the run made, to delete at its end. */
  made: { topic: string; remove: () => Promise<void> }[]
  weir?: ServerProcess
}

export async function openRun(ctx: BenchContext, scenario: string): Promise<ProxyRun> {
  ctx.log(`getting kafka-tools and Java 17`)
  return {
    tools: await perfTools(),
    kafka: benchKafka(ctx, `weir-bench-${scenario}`),
    dir: mkdtempSync(path.join(os.tmpdir(), `weir-bench-${scenario}-`)),
    warnings: new Map(),
    made: [],
  }
}

/**
 * A run's end: Weir stopped, what it logged and the clients' warnings noted for the report, its
 * scratch folder and topics removed.
 */
export async function finishRun(ctx: BenchContext, run: ProxyRun): Promise<void> {
  await run.weir?.stop()
  for (const [message, n] of loggedMessages(path.join(run.dir, 'weir.log'))) {
    ctx.note(`Weir logged ${n} × \`${message}\``)
  }
  for (const [message, n] of run.warnings) ctx.note(`${n} × \`${message}\``)
  rmSync(run.dir, { recursive: true, force: true })
  // Benchmarks write gigabytes; an external broker should not keep them.
  for (const { topic, remove } of run.made) {
    await remove().catch((err: unknown) => ctx.log(`could not delete ${topic}: ${String(err)}`))
  }
}

/** Node ids of the cluster's brokers, for the proxies' port mappings. */
async function brokerIds(kafka: Kafka): Promise<number[]> {
  const admin = kafka.admin()
  await admin.connect()
  const { brokers } = await admin.describeCluster().finally(() => admin.disconnect())
  return brokers.map((b) => b.nodeId)
}

export const kafkaProxy: Scenario = {
  name,
  description:
    `Kafka's own ProducerPerformance and ConsumerPerformance (kafka-tools ${versions.kafka}, ` +
    `Java 17, one JVM per run, Kafka's client defaults otherwise: idempotent producer, 5 ms ` +
    `linger, no compression) straight to the broker, through Weir's kafka listener (its own ` +
    `process, \`weir start\`, port mapping) and through Kroxylicious ${kroxyliciousVersion} (the ` +
    `peer: io.kroxylicious:kroxylicious-runtime from Maven Central in its own JVM, -Xmx1g, a ` +
    `pass-through virtual cluster with no filters, port per broker), in one run. ` +
    `${plan.recordBytes}-byte records, acks=all, a fresh ${benchPartitions}-partition topic per ` +
    `phase. Every phase runs direct, Weir, Kroxylicious, Kroxylicious, Weir, direct, and a ` +
    `path's figures are over both its runs. After a direct warm-up of ${plan.warmUpRecords} ` +
    `records (whose rate sizes the runs: about ${plan.fullSpeedSeconds} s each direct) and one ` +
    `of ${plan.weirWarmUpRecords} through each proxy: (1) produce at full speed; (2) produce at ` +
    `half the direct full-speed rate (ProducerPerformance --throughput) for about ` +
    `${plan.halfLoadSeconds} s per run: latency from send() to acknowledgement, percentiles in ` +
    `whole milliseconds as the tool prints them (the average to a hundredth), averaged over a ` +
    `path's runs; (3) consume all of (1)'s topic from the earliest offset, a new group per run: ` +
    `throughput over the fetch time, group join left out. Every produce run's acknowledged ` +
    `records are checked against the topic's offsets, every consume run's count against the ` +
    `topic's. A proxy's CPU is its process's user + system time while it carried its own runs; ` +
    `"against Kroxylicious" figures are Weir's over Kroxylicious's in the same run.`,
  async run(ctx) {
    ctx.log(`getting kafka-tools and Java 17`)
    const tools = await perfTools()
    const kafka = benchKafka(ctx, 'weir-bench-kafka-proxy')
    const dir = mkdtempSync(path.join(os.tmpdir(), 'weir-bench-kafka-proxy-'))
    const warnings: Warnings = new Map()
    let weir: ServerProcess | undefined
    let kroxylicious: Kroxylicious | undefined
    const topics: { topic: string; remove: () => Promise<void> }[] = []
    const fresh = async (id: string): Promise<string> => {
      const made = await freshTopic(kafka, `${name}-${id}`)
      topics.push(made)
      return made.topic
    }
    try {
      const started = await startWeir(ctx, kafka, dir)
      weir = started.weir
      ctx.log(`starting Kroxylicious ${kroxyliciousVersion}`)
      kroxylicious = await startKroxylicious(ctx.bootstrap, await brokerIds(kafka), dir)

      const warm = await fresh('warm-up')
      ctx.log(`warming up direct on ${warm}`)
      const warmUp = await producerPerformance(tools, {
        bootstrap: ctx.bootstrap,
        topic: warm,
        records: plan.warmUpRecords,
        recordBytes: plan.recordBytes,
        throughput: -1,
        timeoutMs: 180_000,
      })
      const bootstrapOf = {
        direct: ctx.bootstrap,
        weir: started.bootstrap,
        kroxylicious: kroxylicious.bootstrap,
      }
      for (const p of ['weir', 'kroxylicious'] as const) {
        ctx.log(
          `warming up through ${label(p)} (direct warm-up: ${warmUp.recordsPerSec} records/s)`
        )
        await producerPerformance(tools, {
          bootstrap: bootstrapOf[p],
          topic: warm,
          records: plan.weirWarmUpRecords,
          recordBytes: plan.recordBytes,
          throughput: -1,
          timeoutMs: 180_000,
        })
      }
      const sized = Math.round((warmUp.recordsPerSec * plan.fullSpeedSeconds) / 1000) * 1000
      const records = Math.min(plan.maxRecords, Math.max(plan.minRecords, sized))
      const phase: Phase = {
        ctx,
        kafka,
        tools,
        order: plan.order,
        recordBytes: plan.recordBytes,
        proxies: { weir, kroxylicious: kroxylicious.process },
        bootstrapOf,
        warmUpRate: warmUp.recordsPerSec,
        warnings,
      }

      const fullTopic = await fresh('full-speed')
      const full = await producePhase(phase, 'full-speed', fullTopic, records, -1)
      const fullDirect = producedBy(full.runs.direct, plan.recordBytes)

      const halfRate = Math.max(1, Math.round(fullDirect.recordsPerSec / 2))
      const halfRecords = Math.max(1000, Math.round(halfRate * plan.halfLoadSeconds))
      const halfTopic = await fresh('half-load')
      const half = await producePhase(phase, 'half-load', halfTopic, halfRecords, halfRate)
      const halfDirect = producedBy(half.runs.direct, plan.recordBytes)
      if (halfDirect.p99 > plan.saturatedP99Ms) {
        // Half the rate the broker just sustained should not queue: if the direct path's own
        // p99 does, the machine is short of CPU and the added latency is noise, either sign.
        ctx.note(
          `At half load the direct path's own p99 was ${halfDirect.p99} ms (over ` +
            `${plan.saturatedP99Ms} ms): sends queued even without a proxy, so the machine was ` +
            `saturated and the added-latency figures of this run say little about the proxies.`
        )
      }

      const consumed = await consumePhase(phase, fullTopic, full.records, `weir-bench-${name}`)

      return [
        ...proxyFigures(
          { full, half, consumed, recordBytes: plan.recordBytes },
          {
            throughput: plan.throughputAim,
            consumeVsPeer: plan.consumeVsPeerAim,
            addedP99Ms: plan.addedP99AimMs,
            consumeCpuMsPerMiB: plan.consumeCpuMsPerMiBAim,
          },
          self
        ),
        { metric: 'half-load rate', value: halfRate, unit: 'records/s' },
        { metric: 'full-speed records per run', value: records, unit: 'records' },
        { metric: 'consumed records per run', value: full.records, unit: 'records' },
        { metric: 'half-load records per run', value: halfRecords, unit: 'records' },
      ]
    } finally {
      await weir?.stop()
      await kroxylicious?.process.stop()
      for (const [message, n] of loggedMessages(path.join(dir, 'weir.log'))) {
        ctx.note(`Weir logged ${n} × \`${message}\``)
      }
      if (kroxylicious) {
        const log = readFileSync(kroxylicious.process.logFile, 'utf8')
        for (const [message, n] of warningsIn(log)) {
          ctx.note(`Kroxylicious logged ${n} × \`${message}\``)
        }
      }
      for (const [message, n] of warnings) ctx.note(`${n} × \`${message}\``)
      rmSync(dir, { recursive: true, force: true })
      // Benchmarks write gigabytes; an external broker should not keep them.
      for (const { topic, remove } of topics) {
        await remove().catch((err: unknown) => ctx.log(`could not delete ${topic}: ${String(err)}`))
      }
    }
  },
}
