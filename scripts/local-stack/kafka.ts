// A single-node Apache Kafka (KRaft, combined broker + controller) on 127.0.0.1, run from the
// jars Maven downloaded. Listeners: PLAINTEXT for most tests, SASL_PLAINTEXT (PLAIN and SCRAM)
// for authentication tests. Kafka's ACL authorizer is on, open wherever no ACL names a resource
// (allow.everyone.if.no.acl.found); admin and the PLAINTEXT listener's ANONYMOUS are super users,
// so only the topics a test puts broker ACLs on are restricted (backend-identity tests).
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { startDaemon, stopDaemon, waitUntilReady } from './daemon.ts'
import { findJava } from './java.ts'
import { kafkaLibDir } from './maven.ts'
import { stackTls, type StackTls } from './tls.ts'

export interface KafkaPorts {
  plaintext: number
  sasl: number
  /** TLS with client certificates required (mTLS). */
  ssl: number
  controller: number
}

/** Users of the SASL listener, for PLAIN and SCRAM-SHA-256/512 alike. */
export const kafkaSaslUsers = {
  admin: 'admin-secret',
  alice: 'alice-secret',
  bob: 'bob-secret',
} as const

export interface RunningKafka {
  bootstrap: string
  saslBootstrap: string
  sslBootstrap: string
  tls: StackTls
  pid: number
}

function serverProperties(dataDir: string, ports: KafkaPorts, tls: StackTls): string {
  const plainUsers = Object.entries(kafkaSaslUsers)
    .map(([user, password]) => `user_${user}="${password}"`)
    .join(' ')
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required;'
  return `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${ports.controller}
listeners=PLAINTEXT://127.0.0.1:${ports.plaintext},SASL_PLAINTEXT://127.0.0.1:${ports.sasl},SSL://127.0.0.1:${ports.ssl},CONTROLLER://127.0.0.1:${ports.controller}
advertised.listeners=PLAINTEXT://127.0.0.1:${ports.plaintext},SASL_PLAINTEXT://127.0.0.1:${ports.sasl},SSL://127.0.0.1:${ports.ssl}
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL
listener.name.ssl.ssl.keystore.type=PEM
listener.name.ssl.ssl.keystore.location=${tls.serverKeystoreFile}
listener.name.ssl.ssl.truststore.type=PEM
listener.name.ssl.ssl.truststore.location=${tls.caFile}
listener.name.ssl.ssl.client.auth=required
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:ANONYMOUS;User:admin
allow.everyone.if.no.acl.found=true
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${kafkaSaslUsers.admin}" ${plainUsers};
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=${scram}
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=${scram}
log.dirs=${dataDir}
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.cleaner.dedupe.buffer.size=16777216
`
}

// Root WARN to stderr (which the daemon appends to its log): a quiet broker that still says why it died.
const log4j2Yaml = `Configuration:
  Appenders:
    Console:
      name: STDERR
      target: SYSTEM_ERR
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: WARN
      AppenderRef:
        - ref: STDERR
`

/** Formats (first time only) and starts the broker in `dir`; resolves once it serves metadata. */
export async function startKafka(dir: string, ports: KafkaPorts): Promise<RunningKafka> {
  const java = findJava(17)
  const classpath = `${await kafkaLibDir()}/*`
  const dataDir = path.join(dir, 'data')
  const config = path.join(dir, 'server.properties')
  const log4j = path.join(dir, 'log4j2.yaml')
  mkdirSync(dir, { recursive: true })
  const tls = stackTls(path.join(dir, 'tls'))
  writeFileSync(config, serverProperties(dataDir, ports, tls))
  writeFileSync(log4j, log4j2Yaml)
  const logOpt = `-Dlog4j2.configurationFile=${log4j}`

  if (!existsSync(path.join(dataDir, 'meta.properties'))) {
    // Kafka's cluster ids are 16 random bytes in URL-safe base64.
    const clusterId = randomBytes(16).toString('base64url')
    const scramUsers = Object.entries(kafkaSaslUsers).flatMap(([name, password]) => [
      '--add-scram',
      `SCRAM-SHA-256=[name=${name},password=${password}]`,
      '--add-scram',
      `SCRAM-SHA-512=[name=${name},password=${password}]`,
    ])
    const format = spawnSync(
      java,
      [
        logOpt,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        // One argument: an id may start with '-', which would read as an option on its own.
        `--cluster-id=${clusterId}`,
        '-c',
        config,
        ...scramUsers,
      ],
      { encoding: 'utf8' }
    )
    if (format.status !== 0) {
      throw new Error(
        `formatting Kafka storage failed (exit ${format.status}):\n${format.stdout}\n${format.stderr}`
      )
    }
  }

  const daemon = startDaemon({
    name: 'Kafka broker',
    command: java,
    args: [
      '-Xms128m',
      '-Xmx768m',
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      logOpt,
      '-cp',
      classpath,
      'kafka.Kafka',
      config,
    ],
    logFile: path.join(dir, 'kafka.log'),
    pidFile: path.join(dir, 'kafka.pid'),
  })
  const bootstrap = `127.0.0.1:${ports.plaintext}`
  await waitUntilReady(daemon, () => kafkaAnswers(bootstrap), 90_000)
  return {
    bootstrap,
    saslBootstrap: `127.0.0.1:${ports.sasl}`,
    sslBootstrap: `127.0.0.1:${ports.ssl}`,
    tls,
    pid: daemon.pid,
  }
}

/** True when the broker answers a metadata request and has a controller. */
export async function kafkaAnswers(bootstrap: string): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'weir-stack-probe',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
  }).admin()
  try {
    await admin.connect()
    const cluster = await admin.describeCluster()
    return cluster.brokers.length > 0 && cluster.controller !== null
  } finally {
    await admin.disconnect().catch(() => undefined)
  }
}

export function stopKafka(dir: string): Promise<void> {
  // Kafka shuts down cleanly on SIGTERM; give it time to flush before killing.
  return stopDaemon(path.join(dir, 'kafka.pid'), 30_000)
}
