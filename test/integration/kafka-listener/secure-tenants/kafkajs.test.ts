// kafkajs through both tenants on their one SNI port (see tenants.ts), resolving every name to
// 127.0.0.1 with a socket factory: each tenant learns only its own names and the port, produces,
// consumes and runs transactions, sees only its own topics and groups, is refused by its own ACL
// alone, and a server name the listener does not serve fails the TLS handshake. Tenant A logs in
// with PLAIN, tenant B with SCRAM-SHA-256.
import { connect as tlsConnect } from 'node:tls'
import { Kafka, logLevel, type ISocketFactory, type SASLOptions } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uniqueName } from '../../../support/kafka.ts'
import {
  SLOW,
  TAGS,
  bootstrapOf,
  ca,
  createTenantTopics,
  isolation,
  mechanismOf,
  other,
  port,
  startTenants,
  stopTenants,
  tenants,
  unknownHost,
  weirAddresses,
  type Tag,
  type Tenant,
  type TenantResult,
} from './tenants.ts'

beforeAll(() => startTenants(), SLOW.timeout)
afterAll(stopTenants, SLOW.timeout)

/** Every name goes to 127.0.0.1; TLS still sends (and checks) it. */
const toLocalhost: ISocketFactory = ({ host, port, ssl, onConnect }) =>
  tlsConnect({ ...ssl, host: '127.0.0.1', port, servername: host }, onConnect)

describe('kafkajs, two tenants on one SNI port', () => {
  /** Every host:port a kafkajs client opened, per tenant. */
  const opened: Record<Tag, Set<string>> = { a: new Set(), b: new Set() }

  const kafka = (t: Tenant): Kafka => {
    const socketFactory: ISocketFactory = (args) => {
      opened[t.tag].add(`${args.host}:${args.port}`)
      return toLocalhost(args)
    }
    const mechanism = mechanismOf(t, 'kafkajs')
    return new Kafka({
      clientId: `secure-tenants-kafkajs-${t.tag}`,
      brokers: [bootstrapOf(t)],
      ssl: { ca: [ca] },
      sasl: { mechanism, username: 'kafkajs', password: t.password('kafkajs') } as SASLOptions,
      socketFactory,
      logLevel: logLevel.NOTHING,
    })
  }

  it.each(TAGS)(
    'tenant %s: learns only SNI names; creates, produces, consumes in a group, transactions, deletes',
    SLOW,
    async (tag) => {
      const t = tenants[tag]
      const client = kafka(t)
      const admin = client.admin()
      await admin.connect()
      const cluster = await admin.describeCluster()
      expect(cluster.brokers).toEqual([{ nodeId: 1, host: t.brokerHost, port }])
      const topic = uniqueName('kafkajs')
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] })
      expect(metadata.topics[0]?.partitions.map((p) => p.leader)).toEqual([1, 1, 1])

      const producer = client.producer({ idempotent: true })
      await producer.connect()
      await producer.send({
        topic,
        messages: Array.from({ length: 30 }, (_, i) => ({
          key: `k${i}`,
          value: `v${i}`,
          headers: { n: String(i) },
        })),
      })
      await producer.disconnect()
      // acks=0 has no response: the proxy must not wait for one.
      const fireAndForget = client.producer()
      await fireAndForget.connect()
      await fireAndForget.send({ topic, acks: 0, messages: [{ key: 'fire', value: 'forget' }] })
      await fireAndForget.disconnect()

      // Transactions: one committed, one aborted; read_committed sees only the first.
      const transactional = client.producer({
        transactionalId: uniqueName('kafkajs-tx'),
        idempotent: true,
        maxInFlightRequests: 1,
      })
      await transactional.connect()
      const committed = await transactional.transaction()
      await committed.send({ topic, messages: [{ key: 'tx-committed', value: 'c' }] })
      await committed.commit()
      const aborted = await transactional.transaction()
      await aborted.send({ topic, messages: [{ key: 'tx-aborted', value: 'a' }] })
      await aborted.abort()
      await transactional.disconnect()

      const groupId = uniqueName('kafkajs-group')
      const consumer = client.consumer({ groupId, readUncommitted: false })
      await consumer.connect()
      await consumer.subscribe({ topic, fromBeginning: true })
      const seen = new Map<string, string>()
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${seen.size} records`)), 60_000)
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.set(String(message.key), String(message.headers?.n ?? message.value))
            if (seen.size === 32) {
              clearTimeout(timer)
              resolve()
            }
          },
        })
      })
      // A little longer: the aborted record would show now.
      await new Promise((resolve) => setTimeout(resolve, 1_000))
      await consumer.disconnect()
      expect(seen.get('k7')).toBe('7')
      expect(seen.get('fire')).toBe('forget')
      expect(seen.get('tx-committed')).toBe('c')
      expect(seen.has('tx-aborted')).toBe(false)
      expect(seen.size).toBe(32)
      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] })
      const total = offsets[0]?.partitions.reduce((sum, p) => sum + Number(p.offset), 0)
      // Past every record read (the transaction markers may count too).
      expect(total).toBeGreaterThanOrEqual(32)

      await admin.deleteTopics({ topics: [topic] })
      expect(await admin.listTopics()).not.toContain(topic)
      await admin.disconnect()
      expect([...opened[tag]].sort()).toEqual(weirAddresses(t).sort())
    }
  )

  it('tenants with the same topic and group names see only their own', SLOW, async () => {
    await isolation('kafkajs', async (t, { topic, group, tag }, list) => {
      const client = kafka(t)
      const admin = client.admin()
      await admin.connect()
      try {
        const r: Partial<TenantResult> = {}
        if (!list) {
          const ownTopic = `${topic}-${tag}`
          await admin.createTopics({
            topics: [{ topic }, { topic: ownTopic }],
            waitForLeaders: true,
          })
          const producer = client.producer()
          await producer.connect()
          await producer.send({ topic, messages: [{ key: tag, value: `from ${tag}` }] })
          await producer.send({ topic: ownTopic, messages: [{ key: tag, value: `from ${tag}` }] })
          await producer.disconnect()
          const consumer = client.consumer({ groupId: group })
          await consumer.connect()
          await consumer.subscribe({ topic, fromBeginning: true })
          const read: string[] = []
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('nothing read')), 60_000)
            void consumer.run({
              eachMessage: async ({ message }) => {
                read.push(String(message.value))
                clearTimeout(timer)
                resolve()
              },
            })
          })
          // A little longer: a record of the other tenant's would show now.
          await new Promise((resolve) => setTimeout(resolve, 1_000))
          await consumer.disconnect()
          r.read = read
          const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] })
          r.committed = Object.fromEntries(
            (offsets[0]?.partitions ?? []).map((p) => [`${topic}-${p.partition}`, Number(p.offset)])
          )
          // The tenant's own group commits without joining, as a tool resetting offsets would.
          await admin.setOffsets({
            groupId: `${group}-${tag}`,
            topic: ownTopic,
            partitions: [{ partition: 0, offset: '1' }],
          })
        }
        r.topics = (await admin.listTopics()).sort()
        r.groups = (await admin.listGroups()).groups.map((g) => g.groupId).sort()
        r.clusterId = (await admin.describeCluster()).clusterId
        return r as TenantResult
      } finally {
        await admin.disconnect()
      }
    })
    for (const tag of ['a', 'b'] as const) {
      expect([...opened[tag]].sort()).toEqual(weirAddresses(tenants[tag]).sort())
    }
  })

  it('refuses a tenant credential on the other tenant', SLOW, async () => {
    const intruder = new Kafka({
      clientId: 'secure-tenants-intruder',
      brokers: [bootstrapOf(tenants.b)],
      ssl: { ca: [ca] },
      // Tenant A's user and password, at tenant B.
      sasl: { mechanism: 'scram-sha-512', username: 'java', password: tenants.a.password('java') },
      socketFactory: toLocalhost,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin()
    await expect(intruder.connect()).rejects.toThrow(/SASL|uthentication/)
  })

  it.each(TAGS)(
    "tenant %s: a topic its own ACL denies is refused with TOPIC_AUTHORIZATION_FAILED, the other tenant's is not",
    SLOW,
    async (tag) => {
      const t = tenants[tag]
      const refused = `${t.denied}-orders`
      const allowed = `${other(t).denied}-orders`
      // Both exist in the tenant's namespace: the refusal is the ACL's, not a missing topic's.
      await createTenantTopics(t, [refused, allowed])
      const producer = kafka(t).producer()
      await producer.connect()
      try {
        await producer.send({ topic: allowed, messages: [{ value: 'allowed here' }] })
        const error = await producer.send({ topic: refused, messages: [{ value: 'nope' }] }).then(
          () => undefined,
          (err: unknown) => err
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
})

describe("a server name no tenant has, on the tenants' port", () => {
  /** How a TLS handshake with `servername` ends: 'connected', or the error's code. */
  function handshake(servername: string): Promise<string> {
    return new Promise((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, servername, ca })
      socket.once('secureConnect', () => {
        socket.destroy()
        resolve('connected')
      })
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
    })
  }

  it('fails the TLS handshake with the alert unrecognized_name (node:tls)', async () => {
    expect(await handshake(tenants.a.bootstrapHost)).toBe('connected')
    // The wildcard certificate would match it: only the listener can refuse it.
    expect(await handshake(unknownHost)).toBe('ERR_SSL_TLSV1_UNRECOGNIZED_NAME')
  })

  it('fails kafkajs at connecting, with the TLS error', SLOW, async () => {
    const t = tenants.a
    const admin = new Kafka({
      clientId: 'secure-tenants-unknown-name',
      brokers: [`${unknownHost}:${port}`],
      ssl: { ca: [ca] },
      // A tenant's valid credentials: the name alone is refused.
      sasl: { mechanism: 'plain', username: 'kafkajs', password: t.password('kafkajs') },
      socketFactory: toLocalhost,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin()
    const error = await admin.connect().then(
      () => undefined,
      (err: unknown) => err
    )
    await admin.disconnect()
    // kafkajs retries a connection error, then gives up with it as the cause.
    expect(error).toMatchObject({
      name: 'KafkaJSNumberOfRetriesExceeded',
      cause: { name: 'KafkaJSConnectionError', code: 'ERR_SSL_TLSV1_UNRECOGNIZED_NAME' },
    })
  })
})
