// Kafka's own load tools, ProducerPerformance and ConsumerPerformance (the kafka-tools jar, what
// bin/kafka-producer-perf-test.sh and bin/kafka-consumer-perf-test.sh run), driven from the bench:
// each run is a fresh JVM, its summary line parsed into numbers. Using the tools the Kafka world
// quotes keeps the figures comparable with published ones, and keeps the load generator's cost
// out of this Node process.
import { spawn } from 'node:child_process'
import { findJava } from '../scripts/local-stack/java.ts'
import { mavenClasspath } from '../scripts/local-stack/maven.ts'
import { versions } from '../scripts/local-stack/paths.ts'

export interface PerfTools {
  java: string
  /** A folder of jars: kafka-tools and its runtime dependencies. */
  lib: string
}

/**
 * Java 17 and kafka-tools of the stack's pinned Kafka version, fetched from Maven Central once.
 * The broker's own classpath (kafkaLibDir) has kafka-tools-api only, not the tools. slf4j-simple
 * gives the clients a logger, so their warnings (a dropped connection, a retried request) reach
 * the run's stderr rather than SLF4J's no-op logger.
 */
export async function perfTools(): Promise<PerfTools> {
  const java = findJava(17)
  const lib = await mavenClasspath(
    `kafka-perf-${versions.kafka}`,
    [
      { groupId: 'org.apache.kafka', artifactId: 'kafka-tools', version: versions.kafka },
      { groupId: 'org.slf4j', artifactId: 'slf4j-simple', version: '1.7.36' },
    ],
    `kafka-tools ${versions.kafka}`
  )
  return { java, lib }
}

/** The JVM options bin/kafka-run-class.sh gives the perf tools (heap: the perf scripts' 512M). */
const jvmOptions = [
  '-Xmx512M',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-Djava.awt.headless=true',
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
]

interface JavaRun {
  stdout: string
  stderr: string
}

/**
 * Runs a tool's main class to its end. A run that outlives `timeoutMs` is killed and fails: a
 * client waiting on a gateway that stopped answering would otherwise wait for its own timeouts.
 */
function runTool(
  tools: PerfTools,
  main: string,
  args: string[],
  timeoutMs: number,
  jvmArgs: readonly string[] = []
) {
  return new Promise<JavaRun>((resolve, reject) => {
    const java = [...jvmOptions, ...jvmArgs, '-cp', `${tools.lib}/*`, main, ...args]
    const child = spawn(tools.java, java, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
    // An interrupted bench must not leave a load generator running.
    const killOnExit = (): void => {
      child.kill('SIGKILL')
    }
    process.on('exit', killOnExit)
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    const tail = (): string => `${stdout}\n${stderr}`.trim().split('\n').slice(-15).join('\n')
    child.on('error', (err) => {
      clearTimeout(timer)
      process.off('exit', killOnExit)
      reject(err)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      process.off('exit', killOnExit)
      const tool = main.slice(main.lastIndexOf('.') + 1)
      if (timedOut) {
        reject(
          new Error(`${tool} did not finish within ${timeoutMs / 1000} s; its output:\n${tail()}`)
        )
      } else if (code !== 0) {
        reject(new Error(`${tool} exited with ${String(code)}; its output:\n${tail()}`))
      } else {
        resolve({ stdout, stderr })
      }
    })
  })
}

/**
 * What a run printed to stderr besides SLF4J's start-up chatter: client warnings and the stack
 * traces of failed sends, one entry per message with how often it came (numbers masked, so the
 * same warning for another partition or offset counts as the same).
 */
export function warningsIn(stderr: string): Map<string, number> {
  const found = new Map<string, number>()
  for (const line of stderr.split('\n')) {
    const text = line.trim()
    // Stack frames and SLF4J's own notices say nothing the first line did not.
    if (text === '' || text.startsWith('at ') || text.startsWith('SLF4J:')) continue
    if (text.startsWith('...')) continue
    const key = text
      .replace(/^\[[^\]]*\]\s*/, '')
      .replace(/\d+/g, 'N')
      .slice(0, 240)
    found.set(key, (found.get(key) ?? 0) + 1)
  }
  return found
}

export interface ProducerRun {
  /** Records acknowledged (the tool counts failed sends out). */
  records: number
  recordsPerSec: number
  /** Mebibytes of record values per second (the tool's "MB" is 2^20 bytes). */
  mibPerSec: number
  /** From send() to the acknowledgement, per record; whole milliseconds except the average. */
  latencyMs: { avg: number; max: number; p50: number; p95: number; p99: number; p999: number }
  /** The tool's own measured time: from its first send to its last acknowledgement. */
  seconds: number
  warnings: Map<string, number>
}

const producerSummary = new RegExp(
  String.raw`(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, ` +
    String.raw`([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th`
)

/** What a run needs beyond the bootstrap address: a client properties file, JVM options. */
export interface ClientSetup {
  /** A properties file (security.protocol, SASL, truststore...): --producer/consumer.config. */
  configFile?: string
  /** Extra JVM options, e.g. -Djdk.net.hosts.file=... to resolve SNI names. */
  jvmArgs?: readonly string[]
}

/**
 * Sends `records` records to `topic` with ProducerPerformance, at most `throughput` per second
 * (-1: as fast as it goes), acks=all; the producer's other settings are Kafka's defaults
 * (idempotent, 5 ms linger, 16 KiB batches, no compression). The records are random bytes of
 * `recordBytes`, or lines of `payloadFile` picked at random (the tool reads the file as UTF-8 and
 * splits it on newlines, so the payloads must be valid UTF-8 without newlines).
 */
export async function producerPerformance(
  tools: PerfTools,
  options: {
    bootstrap: string
    topic: string
    records: number
    throughput: number
    timeoutMs: number
  } & ({ recordBytes: number } | { payloadFile: string }) &
    ClientSetup
): Promise<ProducerRun> {
  const payload =
    'payloadFile' in options
      ? ['--payload-file', options.payloadFile]
      : ['--record-size', String(options.recordBytes)]
  const config = options.configFile === undefined ? [] : ['--producer.config', options.configFile]
  const { stdout, stderr } = await runTool(
    tools,
    'org.apache.kafka.tools.ProducerPerformance',
    [
      '--topic',
      options.topic,
      '--num-records',
      String(options.records),
      ...payload,
      '--throughput',
      String(options.throughput),
      ...config,
      '--producer-props',
      `bootstrap.servers=${options.bootstrap}`,
      'acks=all',
      'client.id=weir-bench-perf-producer',
    ],
    options.timeoutMs,
    options.jvmArgs
  )
  // The last line is the whole run's; the ones before are 5-second windows.
  const lines = stdout.trim().split('\n')
  const m = producerSummary.exec(lines[lines.length - 1] ?? '')
  if (!m) throw new Error(`ProducerPerformance printed no summary:\n${stdout}\n${stderr}`)
  const n = (i: number): number => Number(m[i])
  return {
    records: n(1),
    recordsPerSec: n(2),
    mibPerSec: n(3),
    latencyMs: { avg: n(4), max: n(5), p50: n(6), p95: n(7), p99: n(8), p999: n(9) },
    seconds: n(2) > 0 ? n(1) / n(2) : Number.NaN,
    warnings: warningsIn(stderr),
  }
}

export interface ConsumerRun {
  records: number
  mib: number
  /** Joining the group and getting partitions, before the first fetch. */
  rebalanceMs: number
  /** From the first fetch to the last record: what the throughput figures are over. */
  fetchMs: number
  recordsPerSec: number
  mibPerSec: number
  /**
   * When the last record came, in ms since the epoch (the tool's end.time, read in this machine's
   * time zone as the tool writes it): lines up runs that went at once.
   */
  endMs: number
  warnings: Map<string, number>
}

/** The tool's default --date-format, `yyyy-MM-dd HH:mm:ss:SSS`, as ms since the epoch. */
function toolTime(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}):(\d{3})$/.exec(text.trim())
  return m ? new Date(`${m[1]}T${m[2]}.${m[3]}`).getTime() : Number.NaN
}

/**
 * Reads `records` records of `topic` from the earliest offset with ConsumerPerformance, as a new
 * consumer group; Kafka's default consumer settings otherwise. Throughput is over the fetch time,
 * which leaves the group join out.
 */
export async function consumerPerformance(
  tools: PerfTools,
  options: {
    bootstrap: string
    topic: string
    records: number
    group: string
    timeoutMs: number
  } & ClientSetup
): Promise<ConsumerRun> {
  const config = options.configFile === undefined ? [] : ['--consumer.config', options.configFile]
  const { stdout, stderr } = await runTool(
    tools,
    'org.apache.kafka.tools.ConsumerPerformance',
    [
      '--bootstrap-server',
      options.bootstrap,
      '--topic',
      options.topic,
      '--messages',
      String(options.records),
      '--group',
      options.group,
      '--hide-header',
      ...config,
    ],
    options.timeoutMs,
    options.jvmArgs
  )
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
  // rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.split(',').length === 10)
  if (line === undefined)
    throw new Error(`ConsumerPerformance printed no summary:\n${stdout}\n${stderr}`)
  const fields = line.split(',')
  const f = fields.map((x) => Number(x.trim()))
  const at = (i: number): number => f[i] ?? Number.NaN
  return {
    endMs: toolTime(fields[1] ?? ''),
    mib: at(2),
    records: at(4),
    rebalanceMs: at(6),
    fetchMs: at(7),
    mibPerSec: at(8),
    recordsPerSec: at(9),
    // The tool's own warning when it gave up early goes to stdout; the clients' to stderr.
    warnings: warningsIn(
      `${stderr}\n${stdout
        .split('\n')
        .filter((l) => l.startsWith('WARNING'))
        .join('\n')}`
    ),
  }
}
