// The Kafka-native listener as tenants would meet it: two virtual clusters on one TLS port routed
// by SNI, each with its own namespace and SASL/SCRAM-SHA-512 user at the gateway, and a schema
// policy that decodes and validates every produced value against its registered JSON Schema. The
// same ProducerPerformance and ConsumerPerformance load as kafka-proxy, straight to the broker's
// PLAINTEXT listener and through Weir, in one run: one client alone on each path, and two at once
// (one per tenant through Weir, two processes on the same two topics direct), the paths
// interleaved so a machine that gets busier or quieter weighs on all alike. The ratios are Weir's
// cost together with that of TLS and SCRAM: the direct path has neither.
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { versions } from '../../scripts/local-stack/paths.ts'
import { benchPartitions, freshTopic } from '../kafka.ts'
import {
  consumerPerformance,
  producerPerformance,
  type ConsumerRun,
  type ProducerRun,
} from '../kafka-perf.ts'
import type { Scenario } from '../scenario.ts'
import { addWarnings, finishRun, openRun, recordsIn } from './kafka-proxy.ts'
import { cpuFigures, mib, phaseFigures } from './kafka-proxy-secure-figures.ts'
import {
  describeCpu,
  label,
  paths,
  phaseRuns,
  side,
  type Path,
  type Phase,
  type Topic,
} from './kafka-proxy-secure-runs.ts'
import {
  payloadFile,
  registerSchema,
  secureName as name,
  securePlan,
  startSecureWeir,
  type TenantAccess,
} from './kafka-proxy-secure-weir.ts'

export const plan = {
  ...securePlan,
  warmUpRecords: 30_000,
  /** Through Weir, every tenant at once, before anything is measured: connections, JIT. */
  weirWarmUpRecords: 15_000,
  /** One client and two at once, each path as often early as late in the phase. */
  order: [
    'direct',
    'weir',
    'direct-2',
    'weir-2',
    'weir-2',
    'direct-2',
    'weir',
    'direct',
  ] as const satisfies readonly Path[],
  /**
   * Seconds one client's full-speed run should take direct at the warm-up's rate: two clients at
   * once and through Weir take longer, and a phase has eight runs, so a whole scenario stays
   * within a few minutes.
   */
  fullSpeedSeconds: 5,
  minRecords: 20_000,
  maxRecords: 200_000,
}

async function producePhase(phase: Phase, records: number, warmUpRate: number, file: string) {
  const { ctx, kafka, tools } = phase
  const landed = new Map<string, number>()
  // Six times what the direct warm-up's rate says a run should take, per client, and a minute at
  // least: stuck, not slow.
  const timeoutMs = (clients: number): number =>
    Math.max(60_000, ((6 * clients * records) / Math.max(warmUpRate, 100)) * 1000)
  const measured = await phaseRuns<ProducerRun>(
    phase,
    'produce',
    plan.order,
    (p, topic) =>
      producerPerformance(tools, {
        ...side(ctx, p, topic),
        records,
        payloadFile: file,
        throughput: -1,
        timeoutMs: timeoutMs(p.endsWith('-2') ? 2 : 1),
      }),
    (run) => run.seconds,
    async (p, topics, round) => {
      for (const [k, topic] of topics.entries()) {
        const run = round.runs[k] as ProducerRun
        if (run.records < records) {
          ctx.problem(`produce ${label(p)}: ${records - run.records} of ${records} sends failed`)
        }
        const before = landed.get(topic.backend) ?? 0
        const after = await recordsIn(kafka, topic.backend)
        if (after - before !== run.records) {
          ctx.problem(
            `produce ${label(p)}: ${run.records} records acknowledged but ${after - before} ` +
              `landed in ${topic.backend}`
          )
        }
        landed.set(topic.backend, after)
      }
    }
  )
  return { ...measured, landed }
}

async function consumePhase(phase: Phase, landed: Map<string, number>) {
  const { ctx, tools } = phase
  return phaseRuns<ConsumerRun>(
    phase,
    'consume',
    plan.order,
    (p, topic, i) =>
      consumerPerformance(tools, {
        ...side(ctx, p, topic),
        records: landed.get(topic.backend) ?? 0,
        // Direct groups carry the tenant's namespace, so both paths' groups look alike on the broker.
        group:
          `${p.startsWith('direct') ? topic.tenant.plan.namespace : ''}${name}-${p}-${i}-` +
          randomBytes(3).toString('hex'),
        timeoutMs: 120_000,
      }),
    (run) => run.fetchMs / 1000,
    async (p, topics, round) => {
      for (const [k, topic] of topics.entries()) {
        const run = round.runs[k] as ConsumerRun
        const expected = landed.get(topic.backend) ?? 0
        if (run.records !== expected) {
          ctx.problem(`consume ${label(p)}: read ${run.records} of the ${expected} records`)
        }
      }
    }
  )
}

export const kafkaProxySecure: Scenario = {
  name,
  description:
    `kafka-proxy's load (kafka-tools ${versions.kafka} ProducerPerformance and ` +
    `ConsumerPerformance, one JVM per client, acks=all, Kafka's client defaults otherwise, fresh ` +
    `${benchPartitions}-partition topics) with Weir as tenants meet it: two virtual clusters ` +
    `(${plan.tenants.map((t) => t.virtualCluster).join(', ')}) on one TLS port routed by SNI ` +
    `(shared-suffix, \`virtualClusters: [...]\`, an EC P-256 wildcard certificate; Java ` +
    `resolves the names with jdk.net.hosts.file), each with its own namespace and ` +
    `SASL/SCRAM-SHA-512 user at the gateway (SASL_SSL), and a schema policy with validate: ` +
    `true, so Weir decodes every produced value and checks it against the topic subject's JSON ` +
    `Schema. Records are ${plan.recordBytes}-byte Confluent-framed JSON (magic byte, the ` +
    `registered id, JSON) from a ProducerPerformance --payload-file of ${plan.payloads} lines, ` +
    `the same on every path. Direct is the broker's PLAINTEXT listener, as in kafka-proxy, so ` +
    `the ratios carry TLS's and SCRAM's cost as well as Weir's. Paths: one client (direct; Weir ` +
    `as the first tenant) on one topic, and two clients at once on two topics (direct, two ` +
    `processes; Weir, one per tenant, each on its own namespace's topic), compared with the ` +
    `direct path of the same concurrency. Each phase runs ${plan.order.join(', ')}, after ` +
    `warm-ups of ${plan.warmUpRecords} records direct (sizing the runs to about ` +
    `${plan.fullSpeedSeconds} s per client direct) and ${plan.weirWarmUpRecords} per tenant ` +
    `through Weir: (1) produce at full speed, (2) consume all of (1)'s topics from the earliest ` +
    `offset, a new group per client and run, throughput over the fetch time. Two clients' ` +
    `aggregate throughput is their records over the span from the first one's start to the ` +
    `last one's end (each as the tool timed itself). Produce runs are checked against the ` +
    `topics' offsets, consume runs against their record counts. Weir CPU is its process's user ` +
    `+ system time while it carried the runs; the notes say how busy the 2 cores were on each ` +
    `path and who took them.`,
  needs: { registry: true },
  async run(ctx) {
    const run = await openRun(ctx, name)
    const { tools, kafka, dir, warnings, made } = run
    const registryUrl = ctx.registryUrl ?? ''
    let schemaId: number | undefined
    const fresh = async (tenant: TenantAccess, id: string): Promise<Topic> => {
      // freshTopic names it bench-<prefix>-...: the namespace's letter first.
      const letter = tenant.plan.namespace.slice('bench-'.length)
      const topic = await freshTopic(kafka, `${letter}${name}-${id}`)
      made.push(topic)
      const client = topic.topic.slice(tenant.plan.namespace.length)
      // Subjects follow the tenant's topic names; identical schemas share one id.
      const registered = await registerSchema(registryUrl, `${client}-value`)
      if (schemaId !== undefined && registered !== schemaId) {
        throw new Error(`the schema got id ${registered} after ${schemaId}`)
      }
      schemaId = registered
      return { backend: topic.topic, client, tenant }
    }
    try {
      const secure = await startSecureWeir(ctx, kafka, dir)
      run.weir = secure.weir
      const [a, b] = secure.tenants
      if (!a || !b) throw new Error(`${name} needs two tenants`)
      const warm = [await fresh(a, 'warm-up'), await fresh(b, 'warm-up')] as const
      const payloads = path.join(dir, 'payloads.txt')
      payloadFile(payloads, schemaId ?? 0)
      ctx.log(`schema id ${String(schemaId)}; warming up direct on ${warm[0].backend}`)
      const warmUp = await producerPerformance(tools, {
        bootstrap: ctx.bootstrap,
        topic: warm[0].backend,
        records: plan.warmUpRecords,
        payloadFile: payloads,
        throughput: -1,
        timeoutMs: 180_000,
      })
      ctx.log(`warming up through Weir (direct warm-up: ${warmUp.recordsPerSec} records/s)`)
      await Promise.all(
        warm.map(async (topic) => {
          const run = await producerPerformance(tools, {
            ...side(ctx, 'weir-2', topic),
            records: plan.weirWarmUpRecords,
            payloadFile: payloads,
            throughput: -1,
            timeoutMs: 180_000,
          })
          const vc = topic.tenant.plan.virtualCluster
          addWarnings(warnings, `warm-up Weir producer (${vc})`, run.warnings)
          if (run.records < plan.weirWarmUpRecords) {
            ctx.problem(
              `warm-up through Weir (${vc}): ${plan.weirWarmUpRecords - run.records} sends failed`
            )
          }
        })
      )
      const sized = Math.round((warmUp.recordsPerSec * plan.fullSpeedSeconds) / 1000) * 1000
      const records = Math.min(plan.maxRecords, Math.max(plan.minRecords, sized))
      const phase: Phase = {
        ctx,
        kafka,
        tools,
        weir: secure.weir,
        topics: {
          single: await fresh(a, 'full-speed'),
          pair: [await fresh(a, 'full-speed-pair'), await fresh(b, 'full-speed-pair')],
        },
        warnings,
      }

      const produced = await producePhase(phase, records, warmUp.recordsPerSec, payloads)
      const consumed = await consumePhase(phase, produced.landed)
      for (const p of paths) {
        ctx.note(`produce, ${label(p)}: ${describeCpu(produced.cpu[p])}`)
      }
      for (const p of paths) {
        ctx.note(`consume, ${label(p)}: ${describeCpu(consumed.cpu[p])}`)
      }
      return [
        ...phaseFigures('produce', produced, (run) => mib(run.records), secure.tenants),
        ...phaseFigures('consume', consumed, (run) => run.mib, secure.tenants),
        ...cpuFigures(produced, consumed, records),
      ]
    } finally {
      await finishRun(ctx, run)
    }
  },
}
