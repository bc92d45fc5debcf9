// The part 1 compatibility suite (kafkajs, Java kafka-clients, librdkafka) through two namespaced
// virtual clusters on one backend, each behind its own TLS listener with SNI (shared-suffix for
// tenant A, per-cluster-suffix for tenant B) and SASL at the gateway, while Weir logs in to the
// broker's SASL listener with the backend's own credentials. Every client runs its suite through
// both, resolving the SNI names to 127.0.0.1 its own way (kafkajs: a socket factory; Java:
// jdk.net.hosts.file; librdkafka: /etc/hosts entries this file adds and removes), and learns only
// those names and the listener's port. Each tenant sees only its own topics and groups, though the
// other uses the same names. Java logs in with SCRAM-SHA-512, kafkajs with PLAIN (A) and
// SCRAM-SHA-256 (B), librdkafka (python3-confluent-kafka and kcat) with SCRAM-SHA-512 (A) and
// SCRAM-SHA-256 (B), also a librdkafka older than 2.6.1 that a Kafka 4 broker refuses (see below).
import { spawn } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import { Kafka, logLevel, type ISocketFactory, type SASLOptions } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issue } from '../../../scripts/local-stack/tls.ts'
import { scramSecrets, type ScramMechanism } from '../../../src/policy/index.ts'
import { hashPassword } from '../../../src/policy/secrets.ts'
import { addHostsEntries, type HostsEntries } from '../../compat/hosts-file.ts'
import {
  prepareJavaCompat,
  runJavaCompat,
  type JavaCompatOptions,
  type JavaCompatOutput,
  type JavaNode,
} from '../../compat/java/run.ts'
import {
  confluentVersions,
  runPythonCompat,
  type PythonCompatOptions,
  type PythonCompatOutput,
} from '../../compat/python/run.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { stack, testKafka, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'

// A JVM, then the clients, start slowly on two cores; TLS and SCRAM add round trips.
const SLOW = { timeout: 240_000 }

type Tag = 'a' | 'b'

interface Tenant {
  tag: Tag
  name: string
  /** The namespace prefix on the backend. */
  prefix: string
  port: number
  bootstrapHost: string
  brokerHost: string
  /** Each client type logs in as its own user, with a password of this tenant's. */
  password(user: string): string
}

interface Broker {
  id: number
  host: string
  port: number
}

/** What one tenant scenario run reports, in every client. */
interface TenantResult {
  read?: string[]
  committed?: Record<string, number>
  topics: string[]
  groups: string[]
  clusterId: string
}

// One domain per run: nothing else resolves (or has certificates for) these names.
const domain = `${uniqueName('weir')}.test`
const tenants: Record<Tag, Tenant> = {
  a: {
    tag: 'a',
    name: 'tenant-a',
    prefix: `${uniqueName('ta')}.`,
    port: 0,
    bootstrapHost: `bootstrap-tenant-a.${domain}`,
    brokerHost: `broker-1-tenant-a.${domain}`,
    password: (user) => `${user}-a-secret`,
  },
  b: {
    tag: 'b',
    name: 'tenant-b',
    prefix: `${uniqueName('tb')}.`,
    port: 0,
    bootstrapHost: `bootstrap.tenant-b.${domain}`,
    brokerHost: `broker-1.tenant-b.${domain}`,
    password: (user) => `${user}-b-secret`,
  },
}
const other = (t: Tenant): Tenant => (t.tag === 'a' ? tenants.b : tenants.a)
const bootstrapOf = (t: Tenant) => `${t.bootstrapHost}:${t.port}`
const brokerOf = (t: Tenant): Broker => ({ id: 1, host: t.brokerHost, port: t.port })
/** The only addresses a client of the tenant may learn or connect to. */
const weirAddresses = (t: Tenant) => [`${t.bootstrapHost}:${t.port}`, `${t.brokerHost}:${t.port}`]

/**
 * librdkafka before 2.6.1 repeats the client nonce in SCRAM's client-final message
 * (confluentinc/librdkafka#4895). Kafka 4 brokers refuse that; Weir accepts that one form, so such
 * a librdkafka (Debian 12 has 2.0.2) logs in with SCRAM at Weir, and a test below shows where the
 * broker itself refuses it.
 */
const librdkafka = confluentVersions().librdkafka
const brokerTakesRdkafkaScram = atLeast(librdkafka, [2, 6, 1])

type Mechanism = ScramMechanism | 'plain'

/** The user, and its mechanism, each client type logs in with. */
const users: Record<Tag, { username: string; mechanism: Mechanism }[]> = {
  a: [
    { username: 'java', mechanism: 'scram-sha-512' },
    { username: 'kafkajs', mechanism: 'plain' },
    { username: 'rdkafka', mechanism: 'scram-sha-512' },
  ],
  b: [
    { username: 'java', mechanism: 'scram-sha-512' },
    { username: 'kafkajs', mechanism: 'scram-sha-256' },
    { username: 'rdkafka', mechanism: 'scram-sha-256' },
  ],
}
const mechanismOf = (t: Tenant, username: string): Mechanism =>
  users[t.tag].find((u) => u.username === username)?.mechanism ?? 'plain'

function atLeast(version: string, minimum: number[]): boolean {
  const parts = version.split(/[.-]/).map(Number)
  for (const [i, want] of minimum.entries()) {
    const have = parts[i] ?? 0
    if (have !== want) return have > want
  }
  return true
}

let certDir = ''
let caFile = ''
let ca = ''

/** Topics and groups each tenant made only for itself: the other must never list them. */
const own: Record<Tag, { topics: Set<string>; groups: Set<string> }> = {
  a: { topics: new Set(), groups: new Set() },
  b: { topics: new Set(), groups: new Set() },
}
/** Each tenant's cluster id, as each client was told it. */
const clusterIds: Record<Tag, Set<string>> = { a: new Set(), b: new Set() }

beforeAll(async () => {
  // Found, fetched and compiled first, so a missing JDK or Maven fails here (a missing
  // confluent_kafka already failed when the file loaded).
  await prepareJavaCompat()
  // A wildcard certificate per listener, from the test stack's CA.
  certDir = mkdtempSync(path.join(tmpdir(), 'weir-secure-tenants-'))
  const stackDir = path.dirname(stack().tls.caFile)
  for (const file of ['ca.crt', 'ca.key']) {
    copyFileSync(path.join(stackDir, file), path.join(certDir, file))
  }
  for (const [name, wildcard] of [
    ['shared', `*.${domain}`],
    ['per-cluster', `*.tenant-b.${domain}`],
  ] as const) {
    issue(
      certDir,
      name,
      `/CN=${wildcard}`,
      `subjectAltName=DNS:${wildcard}\nextendedKeyUsage=serverAuth\n`
    )
  }
  caFile = path.join(certDir, 'ca.crt')
  ca = readFileSync(caFile, 'utf8')
  tenants.a.port = await freePortRange(1)
  tenants.b.port = await freePortRange(1)

  /** The tenant's authentication methods: its SCRAM users, then its PLAIN (basic) ones if any. */
  const authentication = async (t: Tenant): Promise<string> => {
    let scram = ''
    let basic = ''
    for (const { username, mechanism } of users[t.tag]) {
      if (mechanism === 'plain') {
        basic += `          - { username: ${username}, passwordHash: '${await hashPassword(t.password(username))}' }\n`
      } else {
        const s = await scramSecrets(mechanism, t.password(username))
        scram += `          - { username: ${username}, mechanism: ${mechanism}, salt: '${s.salt}', iterations: ${s.iterations}, storedKey: '${s.storedKey}', serverKey: '${s.serverKey}' }\n`
      }
    }
    const plain = basic === '' ? '' : `      - kind: basic\n        users:\n${basic}`
    return `      - kind: scram\n        users:\n${scram}${plain}`
  }
  await startTestGateway(
    `virtualClusters:
  - name: ${tenants.a.name}
    backendCluster: secure
    namespace: { prefix: '${tenants.a.prefix}' }
    authentication:
${await authentication(tenants.a)}  - name: ${tenants.b.name}
    backendCluster: secure
    namespace: { prefix: '${tenants.b.prefix}' }
    authentication:
${await authentication(tenants.b)}listeners:
  - name: health
    kind: http
    port: 0
  - name: kafka-a
    kind: kafka
    virtualCluster: ${tenants.a.name}
    port: ${tenants.a.port}
    tls: { certFile: ${certDir}/shared.crt, keyFile: ${certDir}/shared.key }
    sni: { domain: ${domain}, hostFormat: shared-suffix }
  - name: kafka-b
    kind: kafka
    virtualCluster: ${tenants.b.name}
    port: ${tenants.b.port}
    tls: { certFile: ${certDir}/per-cluster.crt, keyFile: ${certDir}/per-cluster.key }
    sni: { domain: ${domain}, hostFormat: per-cluster-suffix }
`,
    {},
    `  - name: secure
    bootstrapServers: ${stack().saslBootstrap}
    sasl: { mechanism: scram-sha-512, username: admin, password: admin-secret }
`
  )
}, SLOW.timeout)

afterAll(async () => {
  // The isolation topics stay until here, for the other tenant and the backend to be checked.
  const admin = testKafka('secure-tenants-cleanup').admin()
  await admin.connect()
  try {
    const topics = (await admin.listTopics()).filter(
      (t) => t.startsWith(tenants.a.prefix) || t.startsWith(tenants.b.prefix)
    )
    if (topics.length > 0) await admin.deleteTopics({ topics })
  } finally {
    await admin.disconnect()
  }
  if (certDir !== '') rmSync(certDir, { recursive: true, force: true })
}, SLOW.timeout)

/**
 * One client's isolation check, run by each client type: on tenant A, then on tenant B (while A's
 * same-named topic and group exist), then a listing on A again (while B's exist). `run` runs the
 * tenant scenario (or only lists, when `list`) with the client on one tenant.
 */
async function isolation(
  client: string,
  run: (
    t: Tenant,
    names: { topic: string; group: string; tag: string },
    list: boolean
  ) => Promise<TenantResult>
): Promise<void> {
  const topic = `orders-${client}`
  const group = `readers-${client}`
  for (const t of [tenants.a, tenants.b]) {
    const r = await run(t, { topic, group, tag: t.tag }, false)
    own[t.tag].topics.add(`${topic}-${t.tag}`)
    own[t.tag].groups.add(`${group}-${t.tag}`)
    // Its own record only: a shared topic or group would give the other's, or nothing.
    expect(r.read, `what ${client} read on ${t.name}`).toEqual([`from ${t.tag}`])
    expect(r.committed).toEqual({ [`${topic}-0`]: 1 })
    expectOnlyOwn(t, r, topic, group)
  }
  // Tenant A again, now that B has the same names.
  expectOnlyOwn(tenants.a, await run(tenants.a, { topic, group, tag: 'a' }, true), topic, group)

  // On the backend, both live side by side under their prefixes.
  const backend = testKafka('secure-tenants-backend').admin()
  await backend.connect()
  try {
    const topics = await backend.listTopics()
    const groups = (await backend.listGroups()).groups.map((g) => g.groupId)
    for (const t of [tenants.a, tenants.b]) {
      expect(topics).toEqual(
        expect.arrayContaining([`${t.prefix}${topic}`, `${t.prefix}${topic}-${t.tag}`])
      )
      expect(groups).toEqual(
        expect.arrayContaining([`${t.prefix}${group}`, `${t.prefix}${group}-${t.tag}`])
      )
    }
  } finally {
    await backend.disconnect()
  }
  // Every client is told the same cluster id for a tenant, and each tenant has its own.
  expect(clusterIds.a.size).toBe(1)
  expect(clusterIds.b.size).toBe(1)
  expect([...clusterIds.a][0]).not.toBe([...clusterIds.b][0])
}

function expectOnlyOwn(t: Tenant, r: TenantResult, topic: string, group: string): void {
  clusterIds[t.tag].add(r.clusterId)
  const theirs = own[other(t).tag]
  expect(r.topics).toEqual(expect.arrayContaining([topic, `${topic}-${t.tag}`]))
  expect(r.groups).toEqual(expect.arrayContaining([group, `${group}-${t.tag}`]))
  for (const [kind, names, otherNames] of [
    ['topics', r.topics, theirs.topics],
    ['groups', r.groups, theirs.groups],
  ] as const) {
    expect(
      names.filter((n) => otherNames.has(n)),
      `${t.name} lists the other tenant's ${kind}`
    ).toEqual([])
    // Unprefixed and listed once: the other's same-named ones are not shown beside them.
    expect(new Set(names).size, `${t.name} lists ${kind} twice`).toBe(names.length)
    expect(
      names.filter((n) => n.includes(tenants.a.prefix) || n.includes(tenants.b.prefix))
    ).toEqual([])
  }
}

describe('kafkajs through namespaced virtual clusters over SASL+TLS with SNI', () => {
  /** Every host:port a kafkajs client opened, per tenant. */
  const opened: Record<Tag, Set<string>> = { a: new Set(), b: new Set() }

  const kafka = (t: Tenant): Kafka => {
    // Every name goes to 127.0.0.1; TLS still sends (and checks) it.
    const socketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
      opened[t.tag].add(`${host}:${port}`)
      return tlsConnect({ ...ssl, host: '127.0.0.1', port, servername: host }, onConnect)
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

  it.each([['a'], ['b']] as const)(
    'tenant %s: learns only SNI names; creates, produces, consumes in a group, transactions, deletes',
    SLOW,
    async (tag) => {
      const t = tenants[tag]
      const client = kafka(t)
      const admin = client.admin()
      await admin.connect()
      const cluster = await admin.describeCluster()
      expect(cluster.brokers).toEqual([{ nodeId: 1, host: t.brokerHost, port: t.port }])
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
      socketFactory: ({ host, port, ssl, onConnect }) =>
        tlsConnect({ ...ssl, host: '127.0.0.1', port, servername: host }, onConnect),
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin()
    await expect(intruder.connect()).rejects.toThrow(/SASL|uthentication/)
  })
})

describe('Java kafka-clients through namespaced virtual clusters over SASL+TLS with SNI', () => {
  const options = (t: Tenant): JavaCompatOptions => ({
    clientProperties: {
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': mechanismOf(t, 'java').toUpperCase(),
      'sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="java" password="${t.password('java')}";`,
      // A PEM truststore (KIP-651): the test CA, no keystore tooling.
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': caFile,
    },
    // The JVM's only resolver: a name Weir should not have handed out fails to resolve.
    hosts: { [t.bootstrapHost]: '127.0.0.1', [t.brokerHost]: '127.0.0.1' },
  })

  /** Runs one scenario on a tenant; its findings, after checking it connected only to Weir. */
  async function scenario<T>(t: Tenant, name: string, extra: JavaCompatOptions = {}): Promise<T> {
    const out = await runJavaCompat(bootstrapOf(t), [name], 220_000, { ...options(t), ...extra })
    const result = out[name] as T & { error?: string }
    expect(
      result.error,
      `${name} failed in Java; it logged ${out.warnings.join('\n')}`
    ).toBeUndefined()
    expectOnlyWeir(t, out)
    return result
  }

  function expectOnlyWeir(t: Tenant, out: JavaCompatOutput): void {
    const connected = out.connections.map((c) => ({
      at: `${c.host}:${c.port}`,
      address: c.address,
    }))
    const elsewhere = connected.filter((c) => !weirAddresses(t).includes(c.at))
    expect(elsewhere, 'connections that bypass Weir').toEqual([])
    for (const c of out.connections) expect(c.address).toBe(`${c.host}/127.0.0.1`)
    // The bootstrap connection, then the broker's: one of each at least.
    expect(out.connections.some((c) => c.host === t.bootstrapHost && c.nodeId < 0)).toBe(true)
    expect(out.connections.some((c) => c.host === t.brokerHost && c.nodeId === 1)).toBe(true)
  }

  it.each([['a'], ['b']] as const)(
    'tenant %s: creates a topic, describes the cluster and the topic, deletes it',
    SLOW,
    async (tag) => {
      const t = tenants[tag]
      const broker: JavaNode = brokerOf(t)
      const r = await scenario<{
        nodes: JavaNode[]
        controller: JavaNode
        partitions: { partition: number; leader: JavaNode; replicas: JavaNode[] }[]
        listedAfterDelete: boolean
      }>(t, 'admin')
      expect(r.nodes).toEqual([broker])
      expect(r.controller).toEqual(broker)
      expect(r.partitions.map((p) => p.partition)).toEqual([0, 1, 2])
      for (const p of r.partitions) {
        expect(p.leader).toEqual(broker)
        expect(p.replicas).toEqual([broker])
      }
      expect(r.listedAfterDelete).toBe(false)
    }
  )

  it.each([['a'], ['b']] as const)(
    'tenant %s: produces in every compression (idempotent, acks=all) and with acks=0',
    SLOW,
    async (tag) => {
      const t = tenants[tag]
      const r = await scenario<{
        sent: Record<string, { records: number; partitions: number[] }>
        leaders: Record<string, JavaNode[]>
        received: Record<string, number>
        mismatches: string[]
      }>(t, 'produce')
      const compressions = ['none', 'gzip', 'snappy', 'lz4', 'zstd']
      for (const compression of compressions) {
        expect(r.sent[compression]).toEqual({ records: 20, partitions: [0, 1, 2] })
        expect(r.leaders[compression]).toEqual([brokerOf(t), brokerOf(t), brokerOf(t)])
      }
      expect(r.sent.acks0).toEqual({ records: 5 })
      expect(r.received).toEqual({
        ...Object.fromEntries(compressions.map((c) => [c, 20])),
        acks0: 5,
      })
      expect(r.mismatches).toEqual([])
    }
  )

  for (const protocol of ['classic', 'consumer'] as const) {
    it.each([['a'], ['b']] as const)(
      `tenant %s: consumes in a group (${protocol} protocol): a second member rebalances, each record once`,
      SLOW,
      async (tag) => {
        const t = tenants[tag]
        const r = await scenario<{
          aloneAssignment: number[]
          aloneConsumed: number
          assignments: { a: number[]; b: number[] }
          consumedBy: { a: number; b: number }
          groupType: string
          members: number
          coordinator: JavaNode
          committedTotal: number
          distinct: number
          duplicates: number
        }>(t, `group-${protocol}`)
        expect(r.groupType.toLowerCase()).toBe(protocol)
        expect(r.aloneAssignment).toEqual([0, 1, 2])
        expect(r.aloneConsumed).toBe(30)
        expect([...r.assignments.a, ...r.assignments.b].sort()).toEqual([0, 1, 2])
        expect(r.assignments.a.length).toBeGreaterThan(0)
        expect(r.assignments.b.length).toBeGreaterThan(0)
        expect(r.consumedBy.b).toBeGreaterThan(0)
        expect(r.consumedBy.a + r.consumedBy.b).toBe(60)
        expect({ distinct: r.distinct, duplicates: r.duplicates }).toEqual({
          distinct: 60,
          duplicates: 0,
        })
        expect(r.committedTotal).toBe(60)
        expect(r.members).toBe(2)
        expect(r.coordinator).toEqual(brokerOf(t))
      }
    )
  }

  it.each([['a'], ['b']] as const)(
    'tenant %s: commits and aborts transactions, consume-transform-produce included',
    SLOW,
    async (tag) => {
      const t = tenants[tag]
      const r = await scenario<{
        copied: number
        groupCommittedTotal: number
        transactionState: string
        transactionCoordinator: JavaNode
        readCommitted: string[]
        readUncommitted: string[]
        output: string[]
      }>(t, 'transactions')
      const committed = Array.from({ length: 8 }, (_, i) => `committed-${i}`)
      const aborted = Array.from({ length: 5 }, (_, i) => `aborted-${i}`)
      expect(r.readCommitted).toEqual(committed)
      expect(r.readUncommitted).toEqual([...aborted, ...committed])
      expect(r.copied).toBe(8)
      expect(r.output).toEqual(committed)
      expect(r.groupCommittedTotal).toBeGreaterThanOrEqual(8)
      expect(r.transactionState).toBe('CompleteCommit')
      expect(r.transactionCoordinator).toEqual(brokerOf(t))
    }
  )

  it('tenants with the same topic and group names see only their own', SLOW, async () => {
    await isolation('java', async (t, tenant, list) => {
      const r = await scenario<TenantResult & { nodes: JavaNode[] }>(
        t,
        list ? 'tenant-list' : 'tenant',
        { tenant }
      )
      expect(r.nodes).toEqual([brokerOf(t)])
      return r
    })
  })
})

describe('librdkafka through namespaced virtual clusters over SASL+TLS with SNI', () => {
  let hosts: HostsEntries | undefined

  beforeAll(() => {
    // librdkafka resolves through the system only: the four names, until afterAll (or exit).
    hosts = addHostsEntries([tenants.a, tenants.b].flatMap((t) => [t.bootstrapHost, t.brokerHost]))
  })

  afterAll(() => hosts?.remove())

  const options = (t: Tenant): PythonCompatOptions => ({
    config: {
      'security.protocol': 'SASL_SSL',
      'sasl.mechanisms': mechanismOf(t, 'rdkafka').toUpperCase(),
      'sasl.username': 'rdkafka',
      'sasl.password': t.password('rdkafka'),
      'ssl.ca.location': caFile,
      // The default since librdkafka 2.0, spelt out: the certificate must match the SNI name.
      'ssl.endpoint.identification.algorithm': 'https',
    },
  })

  /** Runs kcat against the tenant with the same settings; its stdout, or a failure with its stderr. */
  function kcat(t: Tenant, args: string[], input = ''): Promise<string> {
    const settings = Object.entries(options(t).config ?? {}).flatMap(([k, v]) => [
      '-X',
      `${k}=${v}`,
    ])
    return new Promise((resolve, reject) => {
      const child = spawn('kcat', ['-b', bootstrapOf(t), ...settings, ...args])
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      const timer = setTimeout(() => child.kill(), 60_000)
      child.on('error', reject)
      child.on('close', (code) => {
        clearTimeout(timer)
        if (code === 0) resolve(stdout)
        else reject(new Error(`kcat ${args.join(' ')} exited with ${code}: ${stderr}`))
      })
      child.stdin.end(input)
    })
  }

  /** Runs one scenario on a tenant; its findings, after checking it connected only to Weir. */
  async function scenario<T>(t: Tenant, name: string, extra: PythonCompatOptions = {}): Promise<T> {
    const out = await runPythonCompat(bootstrapOf(t), [name], 220_000, { ...options(t), ...extra })
    const result = out[name] as T & { error?: string }
    expect(
      result.error,
      `${name} failed in Python; it logged ${out.warnings.join('\n')}`
    ).toBeUndefined()
    expectOnlyWeir(t, out)
    return result
  }

  function expectOnlyWeir(t: Tenant, out: PythonCompatOutput): void {
    // A broker handle names the host:port it was told (a logical one, such as GroupCoordinator,
    // the one it was pointed at); the address is what that resolved to.
    const named = out.connections.map((c) => {
      const m = /^(?:\w+:\/\/)?(.+:\d+)\/\w+$/.exec(c.broker)
      return { at: c.nodename ?? m?.[1] ?? c.broker, address: `${c.host}:${c.port}` }
    })
    expect(named.length).toBeGreaterThan(0)
    const elsewhere = named.filter(
      (c) => !weirAddresses(t).includes(c.at) || c.address !== `127.0.0.1:${t.port}`
    )
    expect(elsewhere, 'connections that bypass Weir').toEqual([])
    expect(new Set(named.map((c) => c.at))).toEqual(new Set(weirAddresses(t)))
  }

  it(
    `librdkafka ${librdkafka} logs in with SCRAM at Weir; the Kafka 4 broker refuses it before 2.6.1 (librdkafka#4895)`,
    SLOW,
    async () => {
      for (const t of [tenants.a, tenants.b]) {
        const r = (await runPythonCompat(bootstrapOf(t), ['connect'], 60_000, options(t)))
          .connect as { failed?: string; errors: string[] }
        expect(r.failed, `librdkafka's ${mechanismOf(t, 'rdkafka')} at Weir`).toBeUndefined()
      }
      const atBroker = await runPythonCompat(stack().saslBootstrap, ['connect'], 60_000, {
        config: {
          'security.protocol': 'SASL_PLAINTEXT',
          'sasl.mechanisms': 'SCRAM-SHA-512',
          'sasl.username': 'admin',
          'sasl.password': 'admin-secret',
        },
      })
      const r = atBroker.connect as { failed?: string; errors: string[] }
      if (brokerTakesRdkafkaScram) {
        expect(r.failed, "librdkafka's SCRAM at the broker").toBeUndefined()
      } else {
        expect(r.errors.join('\n')).toMatch(/invalid credentials with SASL mechanism SCRAM-SHA-512/)
      }
    }
  )

  it.each([['a'], ['b']] as const)(
    'tenant %s: kcat produces and consumes with SCRAM',
    SLOW,
    async (tag) => {
      const t = tenants[tag]
      const topic = uniqueName('kcat-scram')
      const admin = testKafka('secure-tenants-kcat').admin()
      await admin.connect()
      try {
        await admin.createTopics({
          topics: [{ topic: `${t.prefix}${topic}` }],
          waitForLeaders: true,
        })
      } finally {
        await admin.disconnect()
      }
      const values = ['one', 'two', 'three']
      await kcat(t, ['-P', '-t', topic], values.join('\n') + '\n')
      const read = await kcat(t, ['-C', '-t', topic, '-o', 'beginning', '-c', '3', '-e'])
      expect(read.split('\n').filter((l) => l !== '')).toEqual(values)
    }
  )

  it.each([['a'], ['b']] as const)(
    'tenant %s: creates a topic, reads metadata, deletes it',
    SLOW,
    async (tag) => {
      const t = tenants[tag]
      const r = await scenario<{
        brokers: Broker[]
        controllerId: number
        leaders: number[]
        listedAfterDelete: boolean
      }>(t, 'admin')
      expect(r.brokers).toEqual([brokerOf(t)])
      expect(r.controllerId).toBe(1)
      expect(r.leaders).toEqual([1, 1, 1])
      expect(r.listedAfterDelete).toBe(false)
    }
  )

  it.each([['a'], ['b']] as const)(
    'tenant %s: produces in every compression (idempotent, acks=all) and with acks=0',
    SLOW,
    async (tag) => {
      const t = tenants[tag]
      const r = await scenario<{
        sent: Record<string, { records: number; partitions: number[]; undelivered: number }>
        errors: string[]
        brokersLearned: Record<string, Broker[]>
        consumerBrokers: Broker[]
        received: Record<string, number>
        mismatches: string[]
      }>(t, 'produce')
      const compressions = ['none', 'gzip', 'snappy', 'lz4', 'zstd']
      for (const compression of compressions) {
        expect(r.sent[compression]).toEqual({ records: 20, partitions: [0, 1, 2], undelivered: 0 })
        expect(r.brokersLearned[compression]).toEqual([brokerOf(t)])
      }
      expect(r.errors).toEqual([])
      expect(r.consumerBrokers).toEqual([brokerOf(t)])
      expect(r.sent.acks0).toEqual({ records: 5, undelivered: 0 })
      expect(r.received).toEqual({
        ...Object.fromEntries(compressions.map((c) => [c, 20])),
        acks0: 5,
      })
      expect(r.mismatches).toEqual([])
    }
  )

  it.each([['a'], ['b']] as const)(
    'tenant %s: consumes in a group: a second member rebalances, each record once',
    SLOW,
    async (tag) => {
      const t = tenants[tag]
      const r = await scenario<{
        aloneAssignment: number[]
        aloneConsumed: number
        assignments: { a: number[]; b: number[] }
        consumedBy: { a: number; b: number }
        commitErrors: string[]
        committedTotal: number
        groupState: string
        members: number
        coordinator: Broker
        distinct: number
        duplicates: number
      }>(t, 'group')
      expect(r.aloneAssignment).toEqual([0, 1, 2])
      expect(r.aloneConsumed).toBe(30)
      expect([...r.assignments.a, ...r.assignments.b].sort()).toEqual([0, 1, 2])
      expect(r.assignments.a.length).toBeGreaterThan(0)
      expect(r.assignments.b.length).toBeGreaterThan(0)
      expect(r.consumedBy.b).toBeGreaterThan(0)
      expect(r.consumedBy.a + r.consumedBy.b).toBe(60)
      expect({ distinct: r.distinct, duplicates: r.duplicates }).toEqual({
        distinct: 60,
        duplicates: 0,
      })
      expect(r.commitErrors).toEqual([])
      expect(r.committedTotal).toBe(60)
      expect(r.groupState).toBe('Stable')
      expect(r.members).toBe(2)
      expect(r.coordinator).toEqual(brokerOf(t))
    }
  )

  it.each([['a'], ['b']] as const)(
    'tenant %s: commits and aborts transactions: read_committed sees only the committed records',
    SLOW,
    async (tag) => {
      const r = await scenario<{ readCommitted: string[]; readUncommitted: string[] }>(
        tenants[tag],
        'transactions'
      )
      const committed = Array.from({ length: 8 }, (_, i) => `committed-${i}`)
      const aborted = Array.from({ length: 5 }, (_, i) => `aborted-${i}`)
      expect(r.readCommitted).toEqual(committed)
      expect(r.readUncommitted).toEqual([...aborted, ...committed])
    }
  )

  it('tenants with the same topic and group names see only their own', SLOW, async () => {
    await isolation('rdkafka', async (t, tenant, list) => {
      const r = await scenario<TenantResult & { brokers: Broker[] }>(
        t,
        list ? 'tenant-list' : 'tenant',
        { tenant }
      )
      expect(r.brokers).toEqual([brokerOf(t)])
      return r
    })
  })
})
