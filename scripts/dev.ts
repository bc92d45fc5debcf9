// npm run dev: the local stack (Kafka + Apicurio Registry, from Maven Central) plus Weir with
// examples/gateway.yaml, in the foreground. Ctrl-C stops Weir, and the stack if this started it.
import { spawn } from 'node:child_process'
import { Kafka, logLevel } from 'kafkajs'
import path from 'node:path'
import { devStackDir } from './local-stack/cli.ts'
import { kafkaAnswers } from './local-stack/kafka.ts'
import { repoRoot } from './local-stack/paths.ts'
import { registryAnswers } from './local-stack/registry.ts'
import { devPorts, readStack, startStack, stopStack, type StackInfo } from './local-stack/stack.ts'
import { hideKafkaJsTimerWarning } from './local-stack/warnings.ts'

async function runningStack(): Promise<StackInfo | undefined> {
  const info = readStack(devStackDir)
  if (!info) return undefined
  const up =
    (await kafkaAnswers(info.bootstrap).catch(() => false)) &&
    (await registryAnswers(info.registryUrl).catch(() => false))
  return up ? info : undefined
}

/** The example configuration's topics (Weir never creates topics by itself). */
async function ensureTopics(bootstrap: string, topics: string[]): Promise<void> {
  const admin = new Kafka({
    clientId: 'weir-dev',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
  }).admin()
  await admin.connect()
  try {
    // kafkajs's waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker answers
    // for a moment after it created a topic: wait for the leaders here instead.
    await admin.createTopics({
      topics: topics.map((topic) => ({ topic, numPartitions: 3 })),
      waitForLeaders: false,
    })
    const deadline = Date.now() + 30_000
    for (;;) {
      const led = await admin
        .fetchTopicMetadata({ topics })
        .then((m) => m.topics.every((t) => t.partitions.every((p) => p.leader >= 0)))
        .catch(() => false)
      if (led) return
      if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leaders`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } finally {
    await admin.disconnect()
  }
}

async function main(): Promise<number> {
  const config = process.argv[2] ?? path.join(repoRoot, 'examples/gateway.yaml')
  let info = await runningStack()
  const ownStack = !info
  if (!info) {
    console.log(
      'starting Kafka and Apicurio Registry (first run downloads them from Maven Central)...'
    )
    info = (await startStack({ dir: devStackDir, ports: devPorts })) as StackInfo
  }
  await ensureTopics(info.bootstrap, ['orders', 'events.clicks', 'team-a.orders'])
  const httpPort = process.env.WEIR_HTTP_PORT ?? '8080'
  console.log(`
  Kafka (PLAINTEXT)       ${info.bootstrap}
  Kafka (SASL, PLAIN/SCRAM) ${info.saslBootstrap}   users: admin, alice, bob (password: <user>-secret)
  Schema Registry         ${info.registryUrl}
  Weir                    http://127.0.0.1:${httpPort}   (/healthz, /readyz, /example)
  Weir (Kafka protocol)   127.0.0.1:${process.env.WEIR_KAFKA_PORT ?? '9092'}
  config                  ${path.relative(process.cwd(), config)}
`)
  const weir = spawn(process.execPath, [path.join(repoRoot, 'src/cli.ts'), 'start', '-c', config], {
    stdio: 'inherit',
    // Its own process group: a terminal Ctrl-C reaches only this script, which passes it on once
    // (Weir takes a second signal as "exit now, skip draining").
    detached: true,
    env: {
      ...process.env,
      WEIR_BOOTSTRAP: info.bootstrap,
      WEIR_REGISTRY_URL: info.registryUrl,
      WEIR_HTTP_PORT: httpPort,
    },
  })
  process.on('SIGINT', () => weir.kill('SIGINT'))
  process.on('SIGTERM', () => weir.kill('SIGTERM'))
  const code = await new Promise<number>((resolve) => weir.once('exit', (c) => resolve(c ?? 1)))
  if (ownStack) {
    console.log('stopping the local stack...')
    await stopStack(devStackDir)
  }
  return code
}

hideKafkaJsTimerWarning()
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err)
    process.exit(1)
  }
)
