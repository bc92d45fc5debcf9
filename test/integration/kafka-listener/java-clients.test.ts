// Java kafka-clients (the Kafka release the stack pins) through the Kafka listener, against the
// real broker: admin, produce in every compression with idempotence, consumer groups of both
// protocols with a rebalance, and transactions. Every address the clients connect to, and every
// node they are told about, must be Weir's. Java and Maven are required: this fails without them.
import { beforeAll, describe, expect, it } from 'vitest'
import {
  prepareJavaCompat,
  runJavaCompat,
  type JavaCompatOutput,
  type JavaNode,
} from '../../compat/java/run.ts'
import { startProxiedBroker } from '../../support/kafka-listener.ts'

// A JVM, then the clients, start slowly on two cores (KIP-848 heartbeats every 5 s, too).
const SLOW = { timeout: 180_000 }

interface GroupResult {
  aloneAssignment: number[]
  aloneConsumed: number
  assignments: { a: number[]; b: number[] }
  consumedBy: { a: number; b: number }
  groupType: string
  groupState: string
  members: number
  coordinator: JavaNode
  committedTotal: number
  produced: number
  distinct: number
  duplicates: number
}

describe('Java kafka-clients through the Kafka listener', () => {
  let port = 0
  let bootstrap = ''
  let weirBroker: JavaNode

  beforeAll(async () => {
    // Found, fetched and compiled first, so a missing JDK or Maven fails here with its message.
    await prepareJavaCompat()
    ;({ port, bootstrap, weirBroker } = await startProxiedBroker())
  }, SLOW.timeout)

  /** Runs one scenario; its findings, after checking it ran and connected only to Weir. */
  async function scenario<T>(name: string): Promise<T> {
    const out = await runJavaCompat(bootstrap, [name])
    const result = out[name] as T & { error?: string }
    expect(result.error, `${name} failed in Java`).toBeUndefined()
    expectOnlyWeir(out)
    return result
  }

  function expectOnlyWeir(out: JavaCompatOutput): void {
    expect(out.connections.length).toBeGreaterThan(0)
    const weir = [`127.0.0.1:${port}`, `127.0.0.1:${port + 2}`]
    const elsewhere = out.connections.filter((c) => !weir.includes(`${c.host}:${c.port}`))
    expect(elsewhere, 'connections that bypass Weir').toEqual([])
    // The bootstrap connection, then node 1's: one of each at least.
    expect(out.connections.some((c) => c.port === port && c.nodeId < 0)).toBe(true)
    expect(out.connections.some((c) => c.port === port + 2 && c.nodeId === 1)).toBe(true)
  }

  it(
    'creates a topic, describes the cluster and the topic, deletes it: only Weir addresses',
    SLOW,
    async () => {
      const r = await scenario<{
        nodes: JavaNode[]
        controller: JavaNode
        partitions: { partition: number; leader: JavaNode; replicas: JavaNode[] }[]
        listedAfterDelete: boolean
      }>('admin')
      expect(r.nodes).toEqual([weirBroker])
      expect(r.controller).toEqual(weirBroker)
      expect(r.partitions.map((p) => p.partition)).toEqual([0, 1, 2])
      for (const p of r.partitions) {
        expect(p.leader).toEqual(weirBroker)
        expect(p.replicas).toEqual([weirBroker])
      }
      expect(r.listedAfterDelete).toBe(false)
    }
  )

  it(
    'produces with keys and headers in every compression (idempotent, acks=all) and with acks=0',
    SLOW,
    async () => {
      const r = await scenario<{
        sent: Record<string, { records: number; partitions: number[] }>
        leaders: Record<string, JavaNode[]>
        received: Record<string, number>
        mismatches: string[]
      }>('produce')
      const compressions = ['none', 'gzip', 'snappy', 'lz4', 'zstd']
      for (const compression of compressions) {
        expect(r.sent[compression]).toEqual({ records: 20, partitions: [0, 1, 2] })
        expect(r.leaders[compression]).toEqual([weirBroker, weirBroker, weirBroker])
      }
      // acks=0 gets no response; its records arrive all the same.
      expect(r.sent.acks0).toEqual({ records: 5 })
      expect(r.received).toEqual({
        ...Object.fromEntries(compressions.map((c) => [c, 20])),
        acks0: 5,
      })
      expect(r.mismatches).toEqual([])
    }
  )

  for (const protocol of ['classic', 'consumer'] as const) {
    it(
      `consumes in a group (${protocol} protocol): a second member rebalances, each record once`,
      SLOW,
      async () => {
        const r = await scenario<GroupResult>(`group-${protocol}`)
        expect(r.groupType.toLowerCase()).toBe(protocol)
        expect(r.aloneAssignment).toEqual([0, 1, 2])
        expect(r.aloneConsumed).toBe(30)
        // After the rebalance the members split the partitions and both consume.
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
        expect(r.coordinator).toEqual(weirBroker)
      }
    )
  }

  it(
    'commits and aborts transactions: read_committed sees only the committed records',
    SLOW,
    async () => {
      const r = await scenario<{
        copied: number
        groupCommittedTotal: number
        transactionState: string
        transactionCoordinator: JavaNode
        readCommitted: string[]
        readUncommitted: string[]
        output: string[]
      }>('transactions')
      const committed = Array.from({ length: 8 }, (_, i) => `committed-${i}`)
      const aborted = Array.from({ length: 5 }, (_, i) => `aborted-${i}`)
      expect(r.readCommitted).toEqual(committed)
      expect(r.readUncommitted).toEqual([...aborted, ...committed])
      // Consume-transform-produce: the output and the group's offsets committed together.
      expect(r.copied).toBe(8)
      expect(r.output).toEqual(committed)
      expect(r.groupCommittedTotal).toBeGreaterThanOrEqual(8)
      expect(r.transactionState).toBe('CompleteCommit')
      expect(r.transactionCoordinator).toEqual(weirBroker)
    }
  )
})
