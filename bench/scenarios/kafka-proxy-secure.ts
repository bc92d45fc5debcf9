// The Kafka-native listener as a tenant would meet it: TLS with SNI routing (one port, brokers told
// apart by server name), SASL/SCRAM-SHA-512 at the gateway, a namespace, and a schema policy that
// decodes and validates every produced value against its registered JSON Schema. The same
// ProducerPerformance and ConsumerPerformance load as kafka-proxy, straight to the broker's
// PLAINTEXT listener and through Weir, in one run, alternating direct, Weir, Weir, direct. The
// ratio is Weir's cost together with that of TLS and SCRAM: the direct path has neither.
//
// ProducerPerformance sends random bytes unless given a payload file, which it reads as UTF-8 and
// splits on newlines. The policy wants Confluent-framed values (magic byte 0, a 4-byte schema id),
// so the payloads are framed JSON: the frame is valid UTF-8 as long as every byte of the id is
// below 0x80 and none is a newline, which a registry's first ids are (checked below).
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Kafka } from 'kafkajs'
import { versions } from '../../scripts/local-stack/paths.ts'
import { freePort } from '../../scripts/local-stack/ports.ts'
import { issue, stackTls } from '../../scripts/local-stack/tls.ts'
import { scramSecrets } from '../../src/policy/index.ts'
import { repoRoot, startServer, type ServerProcess } from '../gateway-process.ts'
import { benchKafka, benchPartitions, freshTopic } from '../kafka.ts'
import {
  consumerPerformance,
  perfTools,
  producerPerformance,
  type ClientSetup,
  type ConsumerRun,
  type PerfTools,
  type ProducerRun,
} from '../kafka-perf.ts'
import { figureId, type BenchContext, type Figure, type Scenario } from '../scenario.ts'
import { loggedMessages } from './fanout-weir.ts'
import {
  addWarnings,
  consumedBy,
  producedBy,
  recordsIn,
  sum,
  plan as proxyPlan,
  type Warnings,
} from './kafka-proxy.ts'

const name = 'kafka-proxy-secure'

type Path = 'direct' | 'weir'

export const plan = {
  /** Every payload, frame included: kafka-proxy's record size. */
  recordBytes: proxyPlan.recordBytes,
  /** Distinct payloads in the file; ProducerPerformance picks one at random per record. */
  payloads: 1000,
  warmUpRecords: 30_000,
  weirWarmUpRecords: 15_000,
  order: ['direct', 'weir', 'weir', 'direct'] as const satisfies readonly Path[],
  /** Seconds one full-speed run should take direct at the warm-up's rate (see kafka-proxy). */
  fullSpeedSeconds: 8,
  minRecords: 20_000,
  maxRecords: 1_500_000,
  /** The SNI domain and the virtual cluster: names resolve to 127.0.0.1 in the clients' JVMs. */
  domain: 'weir-bench.test',
  virtualCluster: 'bench',
  /** The namespace: backend topics (all `bench-...`) appear to the tenant without it. */
  namespace: 'bench-',
  user: 'bench',
  password: 'bench-secret',
}

const self = (metric: string): string => figureId(name, metric)

const valueSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    id: { type: 'string' },
    seq: { type: 'integer', minimum: 0 },
    payload: { type: 'string' },
  },
  required: ['id', 'seq', 'payload'],
  additionalProperties: false,
}

async function registerSchema(registryUrl: string, subject: string): Promise<number> {
  const res = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType: 'JSON', schema: JSON.stringify(valueSchema) }),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`registering ${subject} failed: ${res.status} ${text}`)
  return (JSON.parse(text) as { id: number }).id
}

/** Confluent-framed JSON payloads of exactly plan.recordBytes, one a line. */
function payloadFile(file: string, schemaId: number): void {
  const frame = Buffer.alloc(5)
  frame.writeUInt8(0, 0)
  frame.writeUInt32BE(schemaId, 1)
  if (frame.some((b) => b >= 0x80 || b === 0x0a || b === 0x0d)) {
    throw new Error(
      `schema id ${schemaId} does not frame as UTF-8 text without line breaks, which ` +
        `ProducerPerformance's --payload-file needs; use a fresh registry`
    )
  }
  const lines: Buffer[] = []
  for (let seq = 0; seq < plan.payloads; seq++) {
    const empty = JSON.stringify({ id: `r-${seq}`, seq, payload: '' })
    const fill = plan.recordBytes - frame.length - Buffer.byteLength(empty)
    const payload = randomBytes(fill).toString('base64url').slice(0, fill)
    const json = JSON.stringify({ id: `r-${seq}`, seq, payload })
    lines.push(Buffer.concat([frame, Buffer.from(json), Buffer.from('\n')]))
  }
  writeFileSync(file, Buffer.concat(lines))
}

function weirConfig(options: {
  bootstrap: string
  registryUrl: string
  port: number
  health: number
  certDir: string
  scram: string
}): string {
  const { bootstrap, registryUrl, port, health, certDir, scram } = options
  // The kafka listener comes first: /readyz answering means its port is bound.
  return `backendClusters:
  - name: bench
    bootstrapServers: ${bootstrap}
schemaRegistries:
  - name: registry
    url: ${registryUrl}
virtualClusters:
  - name: ${plan.virtualCluster}
    backendCluster: bench
    namespace: { prefix: '${plan.namespace}' }
    schemaRegistry: registry
    policies: [bench-json]
    authentication:
      - kind: scram
        users:
          - ${scram}
policies:
  - name: bench-json
    kind: schema
    topics: ['${name}-*']
    value: { format: json-schema }
    validate: true
listeners:
  - name: kafka
    kind: kafka
    virtualCluster: ${plan.virtualCluster}
    host: 127.0.0.1
    port: ${port}
    tls: { certFile: ${certDir}/weir.crt, keyFile: ${certDir}/weir.key }
    sni: { domain: ${plan.domain}, hostFormat: shared-suffix }
  - name: health
    kind: http
    host: 127.0.0.1
    port: ${health}
logging:
  level: warn
`
}

interface Secure {
  weir: ServerProcess
  bootstrap: string
  /** The clients' properties file and JVM options for the Weir path. */
  client: ClientSetup
}

/**
 * A CA and a wildcard certificate for the SNI domain, Weir with them, and what a Java client
 * needs to reach it: a hosts file for the SNI names, and a SASL_SSL properties file.
 */
async function startWeir(ctx: BenchContext, kafka: Kafka, dir: string): Promise<Secure> {
  const registryUrl = ctx.registryUrl
  if (!registryUrl) throw new Error(`${name} needs a schema registry`)
  const weirRoot = process.env.WEIR_BENCH_WEIR_ROOT || repoRoot
  const nodeArgs = (process.env.WEIR_BENCH_WEIR_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)
  const certDir = path.join(dir, 'tls')
  const { caFile } = stackTls(certDir)
  const wildcard = `*.${plan.domain}`
  issue(
    certDir,
    'weir',
    `/CN=${wildcard}`,
    `subjectAltName=DNS:${wildcard}\nextendedKeyUsage=serverAuth\n`
  )

  const admin = kafka.admin()
  await admin.connect()
  const { brokers } = await admin.describeCluster().finally(() => admin.disconnect())
  const vc = plan.virtualCluster
  const names = [
    `bootstrap-${vc}.${plan.domain}`,
    ...brokers.map((b) => `broker-${b.nodeId}-${vc}.${plan.domain}`),
  ]
  const hostsFile = path.join(dir, 'hosts')
  writeFileSync(hostsFile, names.map((n) => `127.0.0.1 ${n}\n`).join(''))

  const s = await scramSecrets('scram-sha-512', plan.password)
  const scram =
    `{ username: ${plan.user}, mechanism: scram-sha-512, salt: '${s.salt}', ` +
    `iterations: ${s.iterations}, storedKey: '${s.storedKey}', serverKey: '${s.serverKey}' }`
  const port = await freePort()
  const health = await freePort()
  const config = path.join(dir, 'weir.yaml')
  writeFileSync(
    config,
    weirConfig({ bootstrap: ctx.bootstrap, registryUrl, port, health, certDir, scram })
  )
  const clientConfig = path.join(dir, 'client.properties')
  writeFileSync(
    clientConfig,
    [
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required ' +
        `username="${plan.user}" password="${plan.password}";`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${caFile}`,
      '',
    ].join('\n')
  )
  const weir = await startServer({
    name: 'weir',
    command: process.execPath,
    args: [...nodeArgs, path.join(weirRoot, 'src/cli.ts'), 'start', '-c', config],
    cwd: weirRoot,
    logFile: path.join(dir, 'weir.log'),
    url: `http://127.0.0.1:${health}`,
    readyPath: '/readyz',
  })
  return {
    weir,
    bootstrap: `${names[0]}:${port}`,
    client: { configFile: clientConfig, jvmArgs: [`-Djdk.net.hosts.file=${hostsFile}`] },
  }
}

/** A topic as each path names it: the backend's name direct, without the namespace via Weir. */
interface Topic {
  backend: string
  client: string
}

interface Phase {
  ctx: BenchContext
  kafka: Kafka
  tools: PerfTools
  secure: Secure
  payloads: string
  warmUpRate: number
  warnings: Warnings
}

const label = (p: Path): string => (p === 'weir' ? 'Weir' : 'direct')

/** Where a path's clients connect, the topic as they name it, and how they log in. */
function side(ctx: BenchContext, secure: Secure, p: Path, topic: Topic) {
  return p === 'weir'
    ? { bootstrap: secure.bootstrap, topic: topic.client, ...secure.client }
    : { bootstrap: ctx.bootstrap, topic: topic.backend }
}

async function producePhase(phase: Phase, topic: Topic, records: number) {
  const { ctx, kafka, tools } = phase
  const { weir } = phase.secure
  const runs: Record<Path, ProducerRun[]> = { direct: [], weir: [] }
  let weirCpuSeconds = 0
  const timeoutMs = Math.max(60_000, ((6 * records) / Math.max(phase.warmUpRate, 100)) * 1000)
  let before = await recordsIn(kafka, topic.backend)
  for (const [i, p] of plan.order.entries()) {
    ctx.log(`produce ${i + 1}/${plan.order.length}: ${label(p)}, ${records} records`)
    const cpuBefore = weir.cpuSeconds()
    const run = await producerPerformance(tools, {
      ...side(ctx, phase.secure, p, topic),
      records,
      payloadFile: phase.payloads,
      throughput: -1,
      timeoutMs,
    })
    if (p === 'weir') weirCpuSeconds += weir.cpuSeconds() - cpuBefore
    runs[p].push(run)
    addWarnings(phase.warnings, `produce ${label(p)} producer`, run.warnings)
    ctx.log(`produce ${label(p)}: ${run.recordsPerSec.toFixed(0)} records/s`)
    if (run.records < records) {
      ctx.problem(`produce ${label(p)}: ${records - run.records} of ${records} sends failed`)
    }
    const after = await recordsIn(kafka, topic.backend)
    if (after - before !== run.records) {
      ctx.problem(
        `produce ${label(p)}: ${run.records} records acknowledged but ${after - before} landed`
      )
    }
    before = after
  }
  return { runs, weirCpuSeconds, records: before }
}

async function consumePhase(phase: Phase, topic: Topic, records: number) {
  const { ctx, tools } = phase
  const { weir } = phase.secure
  const runs: Record<Path, ConsumerRun[]> = { direct: [], weir: [] }
  let weirCpuSeconds = 0
  for (const [i, p] of plan.order.entries()) {
    ctx.log(`consume ${i + 1}/${plan.order.length}: ${label(p)}, ${records} records`)
    const cpuBefore = weir.cpuSeconds()
    const run = await consumerPerformance(tools, {
      ...side(ctx, phase.secure, p, topic),
      records,
      // Direct groups carry the namespace too, so both paths' groups look alike on the broker.
      group: `${p === 'direct' ? plan.namespace : ''}${name}-${p}-${i}-${randomBytes(3).toString('hex')}`,
      timeoutMs: 120_000,
    })
    if (p === 'weir') weirCpuSeconds += weir.cpuSeconds() - cpuBefore
    runs[p].push(run)
    addWarnings(phase.warnings, `consume ${label(p)} consumer`, run.warnings)
    ctx.log(
      `consume ${label(p)}: ${run.recordsPerSec.toFixed(0)} records/s over ${run.fetchMs} ms ` +
        `(group join ${run.rebalanceMs} ms)`
    )
    if (run.records !== records) {
      ctx.problem(`consume ${label(p)}: read ${run.records} of the ${records} records`)
    }
  }
  return { runs, weirCpuSeconds }
}

function throughputFigures(
  what: 'produce' | 'consume',
  direct: { recordsPerSec: number; mibPerSec: number },
  weir: { recordsPerSec: number; mibPerSec: number }
): Figure[] {
  const d = (metric: string): string => `direct ${what} ${metric}`
  const w = (metric: string): string => `Weir (TLS+SNI, SCRAM, schema) ${what} ${metric}`
  const figure = (metric: string, value: number, unit: string, base: string): Figure => ({
    metric,
    value,
    unit,
    better: 'higher',
    baseline: self(base),
  })
  return [
    figure(d('throughput'), direct.recordsPerSec, 'records/s', d('throughput')),
    figure(d('payload throughput'), direct.mibPerSec, 'MiB/s', d('payload throughput')),
    figure(w('throughput'), weir.recordsPerSec, 'records/s', d('throughput')),
    figure(w('payload throughput'), weir.mibPerSec, 'MiB/s', d('payload throughput')),
  ]
}

export const kafkaProxySecure: Scenario = {
  name,
  description:
    `kafka-proxy's load (kafka-tools ${versions.kafka} ProducerPerformance and ` +
    `ConsumerPerformance, one JVM per run, acks=all, Kafka's client defaults otherwise, a fresh ` +
    `${benchPartitions}-partition topic per phase) with Weir as a tenant meets it: TLS with SNI ` +
    `routing (shared-suffix, one port, an EC P-256 wildcard certificate; Java resolves the names ` +
    `with jdk.net.hosts.file), SASL/SCRAM-SHA-512 at the gateway (SASL_SSL), a namespace, and a ` +
    `schema policy with validate: true, so Weir decodes every produced value and checks it ` +
    `against the topic subject's JSON Schema. Records are ${plan.recordBytes}-byte ` +
    `Confluent-framed JSON (magic byte, the registered id, JSON) from a ProducerPerformance ` +
    `--payload-file of ${plan.payloads} lines, the same on both paths. Direct is the broker's ` +
    `PLAINTEXT listener, as in kafka-proxy, so the ratios carry TLS's and SCRAM's cost as well as ` +
    `Weir's. Each phase runs direct, Weir, Weir, direct, after warm-ups of ` +
    `${plan.warmUpRecords} records direct (sizing the runs to about ${plan.fullSpeedSeconds} s ` +
    `each direct) and ${plan.weirWarmUpRecords} through Weir: (1) produce at full speed, (2) ` +
    `consume all of (1)'s topic from the earliest offset, a new group per run, throughput over ` +
    `the fetch time. Produce runs are checked against the topic's offsets, consume runs against ` +
    `its record count. Weir CPU is its process's user + system time while it carried the runs.`,
  needs: { registry: true },
  async run(ctx) {
    ctx.log(`getting kafka-tools and Java 17`)
    const tools = await perfTools()
    const kafka = benchKafka(ctx, `weir-bench-${name}`)
    const dir = mkdtempSync(path.join(os.tmpdir(), `weir-bench-${name}-`))
    const warnings: Warnings = new Map()
    let weir: ServerProcess | undefined
    const topics: { topic: string; remove: () => Promise<void> }[] = []
    const registryUrl = ctx.registryUrl ?? ''
    let schemaId: number | undefined
    const fresh = async (id: string): Promise<Topic> => {
      const made = await freshTopic(kafka, `${name}-${id}`)
      topics.push(made)
      const topic = { backend: made.topic, client: made.topic.slice(plan.namespace.length) }
      // Subjects follow the tenant's topic names; identical schemas share one id.
      const registered = await registerSchema(registryUrl, `${topic.client}-value`)
      if (schemaId !== undefined && registered !== schemaId) {
        throw new Error(`the schema got id ${registered} after ${schemaId}`)
      }
      schemaId = registered
      return topic
    }
    try {
      const secure = await startWeir(ctx, kafka, dir)
      weir = secure.weir
      const warm = await fresh('warm-up')
      const payloads = path.join(dir, 'payloads.txt')
      payloadFile(payloads, schemaId ?? 0)
      ctx.log(`schema id ${String(schemaId)}; warming up direct on ${warm.backend}`)
      const warmUp = await producerPerformance(tools, {
        bootstrap: ctx.bootstrap,
        topic: warm.backend,
        records: plan.warmUpRecords,
        payloadFile: payloads,
        throughput: -1,
        timeoutMs: 180_000,
      })
      ctx.log(`warming up through Weir (direct warm-up: ${warmUp.recordsPerSec} records/s)`)
      const weirWarmUp = await producerPerformance(tools, {
        ...side(ctx, secure, 'weir', warm),
        records: plan.weirWarmUpRecords,
        payloadFile: payloads,
        throughput: -1,
        timeoutMs: 180_000,
      })
      addWarnings(warnings, 'warm-up Weir producer', weirWarmUp.warnings)
      if (weirWarmUp.records < plan.weirWarmUpRecords) {
        ctx.problem(
          `warm-up through Weir: ${plan.weirWarmUpRecords - weirWarmUp.records} sends failed`
        )
      }
      const sized = Math.round((warmUp.recordsPerSec * plan.fullSpeedSeconds) / 1000) * 1000
      const records = Math.min(plan.maxRecords, Math.max(plan.minRecords, sized))
      const phase: Phase = {
        ctx,
        kafka,
        tools,
        secure,
        payloads,
        warmUpRate: warmUp.recordsPerSec,
        warnings,
      }

      const fullTopic = await fresh('full-speed')
      const full = await producePhase(phase, fullTopic, records)
      const produceDirect = producedBy(full.runs.direct)
      const produceWeir = producedBy(full.runs.weir)

      const consumed = await consumePhase(phase, fullTopic, full.records)
      const consumeDirect = consumedBy(consumed.runs.direct)
      const consumeWeir = consumedBy(consumed.runs.weir)

      const weirProduced = sum(full.runs.weir.map((r) => r.records))
      const weirConsumed = sum(consumed.runs.weir.map((r) => r.records))
      return [
        ...throughputFigures('produce', produceDirect, produceWeir),
        ...throughputFigures('consume', consumeDirect, consumeWeir),
        {
          metric: 'Weir CPU per produced record',
          value: (full.weirCpuSeconds * 1e6) / weirProduced,
          unit: 'µs',
          better: 'lower',
        },
        {
          metric: 'Weir CPU per consumed record',
          value: (consumed.weirCpuSeconds * 1e6) / weirConsumed,
          unit: 'µs',
          better: 'lower',
        },
        {
          metric: 'Weir CPU at full-speed produce',
          value: full.weirCpuSeconds / sum(full.runs.weir.map((r) => r.seconds)),
          unit: 'cores',
          better: 'lower',
        },
        { metric: 'full-speed records per run', value: records, unit: 'records' },
        { metric: 'consumed records per run', value: full.records, unit: 'records' },
      ]
    } finally {
      await weir?.stop()
      for (const [message, n] of loggedMessages(path.join(dir, 'weir.log'))) {
        ctx.note(`Weir logged ${n} × \`${message}\``)
      }
      for (const [message, n] of warnings) ctx.note(`${n} × \`${message}\``)
      rmSync(dir, { recursive: true, force: true })
      for (const { topic, remove } of topics) {
        await remove().catch((err: unknown) => ctx.log(`could not delete ${topic}: ${String(err)}`))
      }
    }
  },
}
