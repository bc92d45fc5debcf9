// Kroxylicious (Java, Netty), the open-source Kafka proxy, as a peer of Weir's kafka listener: a
// pass-through proxy (no filters) with port-per-broker mapping in front of the bench's broker,
// in its own JVM. Its runtime and dependencies come from Maven Central once, like Kafka's
// (.cache/downloads), and a small main (kroxylicious/KroxyliciousMain.java) is compiled once,
// because Kroxylicious's own entry point, kroxylicious-app, is not published there.
import { writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Kafka, logLevel } from 'kafkajs'
import { compiledOnce, findJava } from '../../scripts/local-stack/java.ts'
import { mavenClasspath } from '../../scripts/local-stack/maven.ts'
import { freePort } from '../../scripts/local-stack/ports.ts'
import { startServer, type ServerProcess } from '../gateway-process.ts'

export const kroxyliciousVersion = process.env.WEIR_BENCH_KROXYLICIOUS_VERSION ?? '0.12.0'

const source = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'kroxylicious',
  'KroxyliciousMain.java'
)

/** The JVM's heap, as the bench gives the Strimzi bridge; Netty's buffers are off-heap. */
const jvmOptions = ['-Xmx1g', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn']

/** A JVM on a busy 2-core machine can take this long to bind its ports. */
const readyTimeoutMs = 120_000

interface Runtime {
  java: string
  /** KroxyliciousMain's class folder and the runtime's jars, for `-cp`. */
  classpath: string
}

/**
 * Java 17, kroxylicious-runtime with everything it needs at run time (slf4j-simple gives it a
 * logger, so its warnings reach the log), and KroxyliciousMain compiled against them, once.
 */
async function prepare(): Promise<Runtime> {
  const java = findJava(17)
  const lib = await mavenClasspath(
    `kroxylicious-${kroxyliciousVersion}`,
    [
      {
        groupId: 'io.kroxylicious',
        artifactId: 'kroxylicious-runtime',
        version: kroxyliciousVersion,
      },
      { groupId: 'org.slf4j', artifactId: 'slf4j-simple', version: '2.0.17' },
    ],
    `Kroxylicious ${kroxyliciousVersion}`
  )
  const classpath = await compiledOnce(java, source, lib, 'kroxylicious-main', kroxyliciousVersion)
  return { java, classpath }
}

/**
 * A pass-through virtual cluster: the bootstrap port, then one port per node id from
 * `nodeStartPort`, advertised as 127.0.0.1 (the bootstrap address's host).
 */
export function kroxyliciousConfig(
  target: string,
  bootstrapPort: number,
  nodeStartPort: number,
  nodeIds: { start: number; end: number }
): string {
  return `virtualClusters:
  - name: bench
    targetCluster:
      bootstrapServers: ${target}
    gateways:
      - name: plain
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${bootstrapPort}
          nodeStartPort: ${nodeStartPort}
          nodeIdRanges:
            - name: brokers
              start: ${nodeIds.start}
              end: ${nodeIds.end}
    logNetwork: false
    logFrames: false
`
}

/** Whether something accepts TCP connections on host:port now. */
function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 })
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.once('connect', () => done(true))
    socket.once('timeout', () => done(false))
    socket.once('error', () => done(false))
  })
}

/**
 * Ready once the bootstrap port accepts connections and a Metadata request through it answers
 * with brokers on the proxy's own ports. Brokers at any other address mean the mapping is wrong
 * and clients would bypass the proxy: that fails at once rather than measuring the broker.
 */
async function answersMetadata(bootstrapPort: number, brokerPorts: Set<number>): Promise<boolean> {
  if (!(await listening('127.0.0.1', bootstrapPort))) return false
  const admin = new Kafka({
    clientId: 'weir-bench-kroxylicious-ready',
    brokers: [`127.0.0.1:${bootstrapPort}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  }).admin()
  let brokers: { host: string; port: number }[]
  try {
    await admin.connect()
    brokers = (await admin.describeCluster()).brokers
  } catch {
    return false
  } finally {
    await admin.disconnect().catch(() => undefined)
  }
  const elsewhere = brokers.filter((b) => b.host !== '127.0.0.1' || !brokerPorts.has(b.port))
  if (brokers.length === 0 || elsewhere.length > 0) {
    throw new Error(
      `Kroxylicious advertised ${JSON.stringify(brokers)}, not its own ports ` +
        `${[...brokerPorts].join(', ')} on 127.0.0.1`
    )
  }
  return true
}

export interface Kroxylicious {
  process: ServerProcess
  /** Its bootstrap address, for clients. */
  bootstrap: string
}

/**
 * Starts Kroxylicious in front of `target` (a PLAINTEXT bootstrap address) for brokers of the
 * given node ids, and waits until it proxies a Metadata request. Fails, with its log's tail, if
 * it cannot be fetched, exits, or is not ready within two minutes.
 */
export async function startKroxylicious(
  target: string,
  nodeIds: readonly number[],
  dir: string
): Promise<Kroxylicious> {
  const { java, classpath } = await prepare()
  const range = { start: Math.min(...nodeIds), end: Math.max(...nodeIds) }
  // A free port for the bootstrap and for the lowest node id; with more brokers (an external
  // cluster), the ports after it are taken on trust.
  const bootstrapPort = await freePort()
  const nodeStartPort = await freePort()
  const brokerPorts = new Set(nodeIds.map((id) => nodeStartPort + id - range.start))
  const config = path.join(dir, 'kroxylicious.yaml')
  writeFileSync(config, kroxyliciousConfig(target, bootstrapPort, nodeStartPort, range))
  const bootstrap = `127.0.0.1:${bootstrapPort}`
  const started = await startServer({
    name: `Kroxylicious ${kroxyliciousVersion}`,
    command: java,
    args: [...jvmOptions, '-cp', classpath, 'KroxyliciousMain', config],
    logFile: path.join(dir, 'kroxylicious.log'),
    url: `kafka://${bootstrap}`,
    ready: () => answersMetadata(bootstrapPort, brokerPorts),
    readyTimeoutMs,
  })
  return { process: started, bootstrap }
}
