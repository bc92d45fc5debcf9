// Encrypt policies end to end on the Kafka-native listener: kafka-proxy's load (Kafka's own
// ProducerPerformance and ConsumerPerformance) straight to the broker and through one Weir
// process, to a topic no policy covers, to one whose values are sealed whole and to one with a
// JSON field sealed, in one run with the paths interleaved, so encryption on and off are compared
// on the same machine at the same moment. The consumers read through Weir as a principal allowed
// to decrypt, so the consume phase measures decryption.
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import type { Kafka } from 'kafkajs'
import { versions } from '../../scripts/local-stack/paths.ts'
import type { ServerProcess } from '../gateway-process.ts'
import { benchPartitions, freshTopic } from '../kafka.ts'
import {
  consumerPerformance,
  producerPerformance,
  type ConsumerRun,
  type PerfTools,
  type ProducerRun,
} from '../kafka-perf.ts'
import type { BenchContext, Scenario } from '../scenario.ts'
import { addWarnings, finishRun, openRun, recordsIn, type Warnings } from './kafka-proxy.ts'
import { encryptFigures } from './kafka-proxy-encrypt-figures.ts'
import {
  checkSealing,
  encryptName as name,
  label,
  paths,
  sealedField,
  startEncryptWeir,
  topicPrefix,
  type Path,
} from './kafka-proxy-encrypt-weir.ts'
import { cpuNow, cpuPlus, describeCpu, noCpu, type CpuUse } from './kafka-proxy-secure-runs.ts'
import { payloadFile, securePlan } from './kafka-proxy-secure-weir.ts'

export const plan = {
  recordBytes: securePlan.recordBytes,
  payloads: securePlan.payloads,
  warmUpRecords: 30_000,
  /** Through Weir on each of its paths, before anything is measured: connections, JIT, a DEK. */
  weirWarmUpRecords: 10_000,
  /** Every path as often early as late in the phase. */
  order: [
    'direct',
    'weir',
    'weir-value',
    'weir-field',
    'weir-field',
    'weir-value',
    'weir',
    'direct',
  ] as const satisfies readonly Path[],
  /** Seconds a full-speed run should take direct at the warm-up's rate (eight runs a phase). */
  fullSpeedSeconds: 5,
  minRecords: 20_000,
  maxRecords: 200_000,
}

interface Phase {
  ctx: BenchContext
  kafka: Kafka
  tools: PerfTools
  weir: ServerProcess
  /** Where each path's client connects, and the topic it writes and reads. */
  bootstrapOf: Record<Path, string>
  topicOf: Record<Path, string>
  warnings: Warnings
}

export interface Measured<R> {
  runs: Record<Path, R[]>
  cpu: Record<Path, CpuUse>
}

/** Runs every path in plan order, each on its own topic, with the CPU each path took. */
async function phaseRuns<R extends { records: number; warnings: Map<string, number> }>(
  phase: Phase,
  what: 'produce' | 'consume',
  client: (p: Path, i: number) => Promise<R>,
  check: (p: Path, run: R) => Promise<void>
): Promise<Measured<R>> {
  const { ctx, weir } = phase
  const runs = Object.fromEntries(paths.map((p) => [p, []])) as unknown as Record<Path, R[]>
  const cpu = Object.fromEntries(paths.map((p) => [p, noCpu])) as Record<Path, CpuUse>
  for (const [i, p] of plan.order.entries()) {
    ctx.log(`${what} ${i + 1}/${plan.order.length}: ${label(p)} on ${phase.topicOf[p]}`)
    const before = cpuNow(weir)
    const run = await client(p, i)
    cpu[p] = cpuPlus(cpu[p], cpuPlus(cpuNow(weir), before, -1))
    runs[p].push(run)
    addWarnings(phase.warnings, `${what} ${label(p)}`, run.warnings)
    ctx.log(`${what} ${label(p)}: ${run.records} records`)
    await check(p, run)
  }
  return { runs, cpu }
}

async function producePhase(phase: Phase, records: number, warmUpRate: number, file: string) {
  const { ctx, kafka, tools } = phase
  const landed = new Map<Path, number>()
  // Six times what the direct warm-up's rate says a run should take, and a minute at least.
  const timeoutMs = Math.max(60_000, ((6 * records) / Math.max(warmUpRate, 100)) * 1000)
  const measured = await phaseRuns<ProducerRun>(
    phase,
    'produce',
    (p) =>
      producerPerformance(tools, {
        bootstrap: phase.bootstrapOf[p],
        topic: phase.topicOf[p],
        records,
        payloadFile: file,
        throughput: -1,
        timeoutMs,
      }),
    async (p, run) => {
      if (run.records < records) {
        ctx.problem(`produce ${label(p)}: ${records - run.records} of ${records} sends failed`)
      }
      const before = landed.get(p) ?? 0
      const after = await recordsIn(kafka, phase.topicOf[p])
      if (after - before !== run.records) {
        ctx.problem(
          `produce ${label(p)}: ${run.records} records acknowledged but ${after - before} landed`
        )
      }
      landed.set(p, after)
    }
  )
  return { ...measured, landed }
}

function consumePhase(phase: Phase, landed: Map<Path, number>) {
  const { ctx, tools } = phase
  return phaseRuns<ConsumerRun>(
    phase,
    'consume',
    (p, i) =>
      consumerPerformance(tools, {
        bootstrap: phase.bootstrapOf[p],
        topic: phase.topicOf[p],
        records: landed.get(p) ?? 0,
        group: `weir-bench-${name}-${p}-${i}-${randomBytes(3).toString('hex')}`,
        timeoutMs: 120_000,
      }),
    async (p, run) => {
      const expected = landed.get(p) ?? 0
      if (run.records !== expected) {
        ctx.problem(`consume ${label(p)}: read ${run.records} of the ${expected} records`)
      }
    }
  )
}

export const kafkaProxyEncrypt: Scenario = {
  name,
  description:
    `Encrypt policies end to end: kafka-proxy's load (kafka-tools ${versions.kafka} ` +
    `ProducerPerformance and ConsumerPerformance, one JVM per run, acks=all, Kafka's client ` +
    `defaults otherwise, fresh ${benchPartitions}-partition topics) straight to the broker and ` +
    `through one Weir process (\`weir start\`, its kafka listener, port mapping, no ` +
    `authentication) on three paths: a topic no policy covers (encryption off), one an encrypt ` +
    `policy seals whole (\`value: true\`), and one it seals a JSON field of (\`fields: { ` +
    `pointers: [${sealedField}] }\`, a short string), AES-256-GCM under data keys wrapped by a ` +
    `local keyring KEK (\`kind: keyring\`). Records are ${plan.recordBytes}-byte JSON objects ` +
    `from a ProducerPerformance --payload-file of ${plan.payloads} lines, the same on every path. ` +
    `Consumers read through Weir as a principal allowed to decrypt (no ACL: all are), so the ` +
    `consume phase measures decryption; a check after the produce phase reads one record of each ` +
    `sealed topic straight from the broker (sealed, with the weir-encryption header) and through ` +
    `Weir (clear). Each path has its own topic; each phase runs ${plan.order.join(', ')}, after ` +
    `warm-ups of ${plan.warmUpRecords} records direct (sizing the runs to about ` +
    `${plan.fullSpeedSeconds} s direct) and ${plan.weirWarmUpRecords} on each Weir path: (1) ` +
    `produce at full speed, (2) consume all of (1)'s topic from the earliest offset, a new group ` +
    `per run, throughput over the fetch time. Sealed paths are compared with encryption off ` +
    `(the issue's comparison) and with direct. Produce runs are checked against the topics' ` +
    `offsets, consume runs against their record counts. Weir CPU is its process's user + system ` +
    `time while it carried a path's runs; the notes say how busy the 2 cores were on each path.`,
  async run(ctx) {
    const run = await openRun(ctx, name)
    const { tools, kafka, dir, warnings, made } = run
    const topicsFor = async (id: string): Promise<Record<Path, string>> => {
      const topics = {} as Record<Path, string>
      for (const p of paths) {
        const fresh = await freshTopic(kafka, `${topicPrefix(p)}-${id}`)
        made.push(fresh)
        topics[p] = fresh.topic
      }
      return topics
    }
    try {
      const started = await startEncryptWeir(ctx, kafka, dir)
      const weir = started.weir
      run.weir = weir
      const payloads = path.join(dir, 'payloads.txt')
      payloadFile(payloads)
      const bootstrapOf: Record<Path, string> = {
        direct: ctx.bootstrap,
        weir: started.bootstrap,
        'weir-value': started.bootstrap,
        'weir-field': started.bootstrap,
      }
      const warm = await topicsFor('warm-up')
      ctx.log(`warming up direct on ${warm.direct}`)
      const warmUp = await producerPerformance(tools, {
        bootstrap: ctx.bootstrap,
        topic: warm.direct,
        records: plan.warmUpRecords,
        payloadFile: payloads,
        throughput: -1,
        timeoutMs: 180_000,
      })
      ctx.log(`warming up through Weir (direct warm-up: ${warmUp.recordsPerSec} records/s)`)
      for (const p of paths.filter((q) => q !== 'direct')) {
        const run = await producerPerformance(tools, {
          bootstrap: started.bootstrap,
          topic: warm[p],
          records: plan.weirWarmUpRecords,
          payloadFile: payloads,
          throughput: -1,
          timeoutMs: 180_000,
        })
        addWarnings(warnings, `warm-up ${label(p)}`, run.warnings)
        if (run.records < plan.weirWarmUpRecords) {
          ctx.problem(`warm-up ${label(p)}: ${plan.weirWarmUpRecords - run.records} sends failed`)
        }
      }
      const sized = Math.round((warmUp.recordsPerSec * plan.fullSpeedSeconds) / 1000) * 1000
      const records = Math.min(plan.maxRecords, Math.max(plan.minRecords, sized))
      const phase: Phase = {
        ctx,
        kafka,
        tools,
        weir,
        bootstrapOf,
        topicOf: await topicsFor('full-speed'),
        warnings,
      }

      const produced = await producePhase(phase, records, warmUp.recordsPerSec, payloads)
      await checkSealing(ctx, started.bootstrap, {
        value: phase.topicOf['weir-value'],
        field: phase.topicOf['weir-field'],
      })
      const consumed = await consumePhase(phase, produced.landed)
      for (const p of paths) ctx.note(`produce, ${label(p)}: ${describeCpu(produced.cpu[p])}`)
      for (const p of paths) ctx.note(`consume, ${label(p)}: ${describeCpu(consumed.cpu[p])}`)
      ctx.note(
        'For comparison only, not measured here: Kroxylicious reports about a 25% throughput ' +
          'cost for its whole-value record encryption (AES-256-GCM, Vault KMS, 1 KB records, ' +
          'OpenMessaging Benchmark; kroxylicious.io/performance).'
      )
      return encryptFigures(produced, consumed, records)
    } finally {
      await finishRun(ctx, run)
    }
  },
}
