// Java kafka-clients through both tenants on their one SNI port (see tenants.ts), resolving the
// names with jdk.net.hosts.file, logging in with SCRAM-SHA-512: each tenant learns only its own
// names and the port, runs the compatibility suite (admin, every compression, both group
// protocols, transactions), sees only its own topics and groups and is refused by its own ACL
// alone; a server name no tenant has fails the TLS handshake.
import { beforeAll, afterAll, describe, expect, it } from 'vitest'
import {
  prepareJavaCompat,
  runJavaCompat,
  type JavaCompatOptions,
  type JavaCompatOutput,
  type JavaNode,
} from '../../../compat/java/run.ts'
import {
  SLOW,
  TAGS,
  bootstrapOf,
  brokerOf,
  caFile,
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
  type Tenant,
  type TenantResult,
} from './tenants.ts'

beforeAll(async () => {
  // Found, fetched and compiled first, so a missing JDK or Maven fails here.
  await prepareJavaCompat()
  await startTenants()
}, SLOW.timeout)
afterAll(stopTenants, SLOW.timeout)

describe('Java kafka-clients, two tenants on one SNI port', () => {
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

  it.each(TAGS)(
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

  it.each(TAGS)(
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
    it.each(TAGS)(
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

  it.each(TAGS)(
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

  it.each(TAGS)(
    "tenant %s: what its own ACL denies is refused with the authorization exceptions, the other tenant's is not",
    SLOW,
    async (tag) => {
      const t = tenants[tag]
      const refused = `${t.denied}-java`
      const allowed = `${other(t).denied}-java`
      // Both exist in the tenant's namespace: the refusal is the ACL's, not a missing topic's.
      await createTenantTopics(t, [refused, allowed])
      const r = await scenario<Record<string, { error: string | null }>>(t, 'refusals', {
        refusals: {
          topics: [refused, allowed],
          allowedTopic: allowed,
          group: `${t.denied}-readers`,
          txn: `${t.denied}-txn`,
        },
      })
      expect(r[refused]?.error).toBe('TopicAuthorizationException')
      expect(r[allowed]?.error).toBeNull()
      expect(r.group?.error).toBe('GroupAuthorizationException')
      expect(r.txn?.error).toBe('TransactionalIdAuthorizationException')
    }
  )

  it('a server name no tenant has fails the TLS handshake: unrecognized_name', SLOW, async () => {
    // Tenant A's valid credentials: the name alone is refused. A handshake that fails is fatal
    // at once; the timeouts only bound a client that is left to retry.
    const base = options(tenants.a)
    const out = await runJavaCompat(`${unknownHost}:${port}`, ['admin'], 60_000, {
      clientProperties: {
        ...base.clientProperties,
        'default.api.timeout.ms': '10000',
        'request.timeout.ms': '5000',
      },
      hosts: { [unknownHost]: '127.0.0.1' },
    })
    const error = (out.admin as { error?: string }).error
    expect(error).toMatch(/SslAuthenticationException: SSL handshake failed/)
    expect(error).toMatch(/SSLHandshakeException: Received fatal alert: unrecognized_name/)
  })
})
