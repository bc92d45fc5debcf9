// python3-confluent-kafka (librdkafka) through both tenants on their one SNI port (see
// tenants.ts), the names in /etc/hosts, logging in with SCRAM-SHA-512 (A) and SCRAM-SHA-256 (B),
// also a librdkafka older than 2.6.1 that a Kafka 4 broker refuses (see below): each tenant learns
// only its own names and the port, runs the compatibility suite, sees only its own topics and
// groups, is refused by its own ACL alone, and a server name no tenant has fails to connect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  confluentVersions,
  runPythonCompat,
  type PythonCompatOptions,
  type PythonCompatOutput,
} from '../../../compat/python/run.ts'
import { stack } from '../../../support/kafka.ts'
import {
  SLOW,
  TAGS,
  bootstrapOf,
  brokerOf,
  createTenantTopics,
  isolation,
  mechanismOf,
  other,
  port,
  rdkafkaConfig,
  startTenants,
  stopTenants,
  tenants,
  unknownHost,
  weirAddresses,
  type Broker,
  type Tenant,
  type TenantResult,
} from './tenants.ts'

/**
 * librdkafka before 2.6.1 repeats the client nonce in SCRAM's client-final message
 * (confluentinc/librdkafka#4895). Kafka 4 brokers refuse that; Weir accepts that one form, so such
 * a librdkafka (Debian 12 has 2.0.2) logs in with SCRAM at Weir, and a test below shows where the
 * broker itself refuses it. (A missing confluent_kafka fails here, as the file loads.)
 */
const librdkafka = confluentVersions().librdkafka
const brokerTakesRdkafkaScram = atLeast(librdkafka, [2, 6, 1])

function atLeast(version: string, minimum: number[]): boolean {
  const parts = version.split(/[.-]/).map(Number)
  for (const [i, want] of minimum.entries()) {
    const have = parts[i] ?? 0
    if (have !== want) return have > want
  }
  return true
}

beforeAll(() => startTenants({ hostsFile: true }), SLOW.timeout)
afterAll(stopTenants, SLOW.timeout)

describe('python3-confluent-kafka (librdkafka), two tenants on one SNI port', () => {
  const options = (t: Tenant): PythonCompatOptions => ({ config: rdkafkaConfig(t) })

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
      (c) => !weirAddresses(t).includes(c.at) || c.address !== `127.0.0.1:${port}`
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

  it.each(TAGS)('tenant %s: creates a topic, reads metadata, deletes it', SLOW, async (tag) => {
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
  })

  it.each(TAGS)(
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

  it.each(TAGS)(
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

  it.each(TAGS)(
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

  it.each(TAGS)(
    "tenant %s: a topic its own ACL denies is refused with TOPIC_AUTHORIZATION_FAILED, the other tenant's is not",
    SLOW,
    async (tag) => {
      const t = tenants[tag]
      const refused = `${t.denied}-rdkafka`
      const allowed = `${other(t).denied}-rdkafka`
      // Both exist in the tenant's namespace: the refusal is the ACL's, not a missing topic's.
      await createTenantTopics(t, [refused, allowed])
      const r = await scenario<Record<string, string | null>>(t, 'refused', {
        refused: [allowed, refused],
      })
      expect(r[allowed]).toBeNull()
      expect(r[refused]).toBe('TOPIC_AUTHORIZATION_FAILED')
    }
  )

  it('a server name no tenant has: no connection, no metadata', SLOW, async () => {
    // Tenant A's valid credentials: the name alone is refused.
    const out = await runPythonCompat(
      `${unknownHost}:${port}`,
      ['connect'],
      60_000,
      options(tenants.a)
    )
    const r = out.connect as { brokers?: Broker[]; failed?: string; errors: string[] }
    expect(r.brokers).toBeUndefined()
    expect(r.failed).toMatch(/_TRANSPORT.*Broker transport failure/)
  })
})
