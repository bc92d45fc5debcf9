// What the Kafka listener's ACLs refuse, each real client is told at once, in Kafka's own codes:
// a producer naming a topic it may not describe gets TOPIC_AUTHORIZATION_FAILED, whether the
// topic exists or not (so nothing leaks), a consumer in a refused group
// GROUP_AUTHORIZATION_FAILED, a refused transactional id TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
// Answered as an unknown topic instead, producers would keep asking until their delivery timeout.
// Each client's timeouts are set to 10 s: an error type is asserted, and the time taken is only
// printed (timings are the benchmarks' business).
import { spawn } from 'node:child_process'
import { Kafka, logLevel, type logCreator } from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../../src/policy/secrets.ts'
import { prepareJavaCompat, runJavaCompat } from '../../compat/java/run.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'

const SLOW = { timeout: 120_000 }
const USER = { username: 'alice', password: 'alice-password' }

let bootstrap = ''
/** Allowed: topics, groups and transactional ids starting `open-`. */
let allowed = ''
/** Exists, but alice may not describe it. */
let secret = ''
/** Does not exist, and alice could not describe it if it did. */
let missing = ''

beforeAll(async () => {
  await prepareJavaCompat()
  allowed = await createTopic('open-orders')
  secret = await createTopic('secret-payroll')
  missing = uniqueName('secret-missing')
  const port = await freePortRange(3)
  await startTestGateway(`virtualClusters:
  - name: shop
    backendCluster: main
    authentication:
      - kind: basic
        users: [{ username: alice, passwordHash: '${await hashPassword(USER.password)}' }]
    policies: [shop-acl]
policies:
  - name: shop-acl
    kind: acl
    rules:
      - { principals: [alice], names: ['open-*'], operations: [produce, consume, describe, manage] }
      - { principals: [alice], resource: group, names: ['open-*'], operations: [consume, describe] }
      - { principals: [alice], resource: transactional-id, names: ['open-*'], operations: [produce, describe] }
listeners:
  - name: kafka
    kind: kafka
    virtualCluster: shop
    port: ${port}
`)
  bootstrap = `127.0.0.1:${port}`
}, SLOW.timeout)

/** How long `attempt` took to fail, and with what; `what` says so in the report. */
async function timed(what: string, attempt: () => Promise<unknown>): Promise<unknown> {
  const start = performance.now()
  const error = await attempt().then(
    () => undefined,
    (err: unknown) => err
  )
  console.info(`${what}: refused after ${Math.round(performance.now() - start)} ms`)
  return error
}

describe('kafkajs', () => {
  const kafka = (logs?: logCreator) =>
    new Kafka({
      clientId: 'acl-refusals',
      brokers: [bootstrap],
      sasl: { mechanism: 'plain', ...USER },
      logLevel: logs === undefined ? logLevel.NOTHING : logLevel.DEBUG,
      ...(logs === undefined ? {} : { logCreator: logs }),
      requestTimeout: 10_000,
    })

  it.each([
    ['an existing topic', () => secret],
    ['a topic that does not exist', () => missing],
  ])(
    'producing to %s it may not describe: TOPIC_AUTHORIZATION_FAILED',
    SLOW,
    async (what, topic) => {
      const producer = kafka().producer()
      await producer.connect()
      try {
        const error = await timed(`kafkajs, ${what}`, () =>
          producer.send({ topic: topic(), messages: [{ value: 'nope' }] })
        )
        // Not retried: the protocol error, final, in the producer's own.
        expect(error).toMatchObject({
          name: 'KafkaJSNonRetriableError',
          cause: { type: 'TOPIC_AUTHORIZATION_FAILED', code: 29, retriable: false },
        })
      } finally {
        await producer.disconnect()
      }
    }
  )

  /**
   * kafkajs gives up on a coordinator it cannot find with an error of its own; what the listener
   * answered shows in its debug log, collected in `seen`.
   */
  function errorTypes(): { logs: logCreator; seen: string[] } {
    const seen: string[] = []
    const logs: logCreator = () => (entry) => {
      const type = (entry.log.error as { type?: unknown } | undefined)?.type
      if (typeof type === 'string') seen.push(type)
    }
    return { logs, seen }
  }

  it('a transactional id it may not use: TRANSACTIONAL_ID_AUTHORIZATION_FAILED', SLOW, async () => {
    const { logs, seen } = errorTypes()
    const producer = kafka(logs).producer({
      transactionalId: 'secret-txn',
      maxInFlightRequests: 1,
      idempotent: true,
    })
    await producer.connect()
    try {
      const error = await timed('kafkajs, transactional id', () => producer.transaction())
      expect(error).toMatchObject({ name: 'KafkaJSGroupCoordinatorNotFound', retriable: false })
      expect(seen).toContain('TRANSACTIONAL_ID_AUTHORIZATION_FAILED')
    } finally {
      await producer.disconnect()
    }
  })

  it('a group it may not join: GROUP_AUTHORIZATION_FAILED', SLOW, async () => {
    const { logs, seen } = errorTypes()
    const consumer = kafka(logs).consumer({ groupId: 'secret-group', retry: { retries: 0 } })
    await consumer.connect()
    try {
      const error = await timed('kafkajs, group', async () => {
        await consumer.subscribe({ topic: allowed })
        let timer: NodeJS.Timeout | undefined
        const crashed = new Promise((_, reject) => {
          consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error))
          timer = setTimeout(() => reject(new Error('no error in 10 s')), 10_000)
        })
        await consumer.run({ eachMessage: async () => {} })
        await crashed.finally(() => clearTimeout(timer))
      })
      expect(error).toMatchObject({ name: 'KafkaJSGroupCoordinatorNotFound', retriable: false })
      expect(seen).toContain('GROUP_AUTHORIZATION_FAILED')
    } finally {
      await consumer.disconnect()
    }
  })
})

describe('Java kafka-clients', () => {
  it(
    'refused topics, group and transactional id: the matching authorization exceptions',
    SLOW,
    async () => {
      const out = await runJavaCompat(bootstrap, ['refusals'], 100_000, {
        clientProperties: {
          'security.protocol': 'SASL_PLAINTEXT',
          'sasl.mechanism': 'PLAIN',
          'sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="${USER.username}" password="${USER.password}";`,
        },
        refusals: {
          topics: [secret, missing],
          allowedTopic: allowed,
          group: 'secret-group',
          txn: 'secret-txn',
        },
      })
      const r = out.refusals as Record<string, { error: string | null; ms: number }> & {
        error?: string
      }
      expect(
        r.error,
        `refusals failed in Java; it logged ${out.warnings.join('\n')}`
      ).toBeUndefined()
      for (const [what, key] of [
        ['an existing topic', secret],
        ['a topic that does not exist', missing],
        ['group', 'group'],
        ['transactional id', 'txn'],
      ] as const) {
        console.info(`Java, ${what}: refused after ${r[key]?.ms} ms`)
      }
      expect(r[secret]?.error).toBe('TopicAuthorizationException')
      expect(r[missing]?.error).toBe('TopicAuthorizationException')
      expect(r.group?.error).toBe('GroupAuthorizationException')
      expect(r.txn?.error).toBe('TransactionalIdAuthorizationException')
    }
  )
})

describe('librdkafka (kcat)', () => {
  /** kcat producing one record; what it wrote on stderr. */
  function produce(topic: string): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn('kcat', [
        '-b',
        bootstrap,
        '-X',
        'security.protocol=SASL_PLAINTEXT',
        '-X',
        'sasl.mechanisms=PLAIN',
        '-X',
        `sasl.username=${USER.username}`,
        '-X',
        `sasl.password=${USER.password}`,
        '-X',
        'message.timeout.ms=10000',
        '-P',
        '-t',
        topic,
      ])
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      child.on('error', reject)
      child.on('close', (code) => resolve({ code, stderr }))
      child.stdin.end('nope\n')
    })
  }

  it.each([
    ['an existing topic', () => secret],
    ['a topic that does not exist', () => missing],
  ])(
    'producing to %s it may not describe: Topic authorization failed',
    SLOW,
    async (what, topic) => {
      const start = performance.now()
      const { stderr } = await produce(topic())
      console.info(`kcat, ${what}: refused after ${Math.round(performance.now() - start)} ms`)
      expect(stderr).toMatch(/Delivery failed for message: Broker: Topic authorization failed/)
      expect(stderr).not.toMatch(/still in queue|timed out/i)
    }
  )
})
