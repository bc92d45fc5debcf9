// librdkafka through the Kafka listener, against the real broker: python3-confluent-kafka for
// admin, produce in every compression, a consumer group with a rebalance and transactions, and
// kcat for metadata. Every address librdkafka connects to, and every broker it is told about,
// must be Weir's. python3-confluent-kafka and kcat are required: this fails without them.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  findConfluentPython,
  runPythonCompat,
  type PythonCompatOutput,
} from '../../compat/python/run.ts'
import { startProxiedBroker } from '../../support/kafka-listener.ts'

const run = promisify(execFile)
const SLOW = { timeout: 180_000 }

interface Broker {
  id: number
  host: string
  port: number
}

describe('librdkafka through the Kafka listener', () => {
  let port = 0
  let bootstrap = ''
  let weirBroker: Broker

  beforeAll(async () => {
    // First, so a missing package fails here with its own message.
    findConfluentPython()
    ;({ port, bootstrap, weirBroker } = await startProxiedBroker())
  }, SLOW.timeout)

  /** Runs one scenario; its findings, after checking it ran and connected only to Weir. */
  async function scenario<T>(name: string): Promise<T> {
    const out = await runPythonCompat(bootstrap, [name])
    const result = out[name] as T & { error?: string }
    expect(result.error, `${name} failed in Python`).toBeUndefined()
    expectOnlyWeir(out)
    return result
  }

  function expectOnlyWeir(out: PythonCompatOutput): void {
    const weir = [`127.0.0.1:${port}`, `127.0.0.1:${port + 2}`]
    const elsewhere = out.connections.filter((c) => !weir.includes(`${c.host}:${c.port}`))
    expect(elsewhere, 'connections that bypass Weir').toEqual([])
    expect(new Set(out.connections.map((c) => `${c.host}:${c.port}`))).toEqual(new Set(weir))
  }

  it('creates a topic, reads metadata, deletes it: only Weir addresses', SLOW, async () => {
    const r = await scenario<{
      brokers: Broker[]
      controllerId: number
      leaders: number[]
      listedAfterDelete: boolean
    }>('admin')
    expect(r.brokers).toEqual([weirBroker])
    expect(r.controllerId).toBe(1)
    expect(r.leaders).toEqual([1, 1, 1])
    expect(r.listedAfterDelete).toBe(false)
  })

  it(
    'produces with keys and headers in every compression (idempotent, acks=all) and with acks=0',
    SLOW,
    async () => {
      const r = await scenario<{
        sent: Record<string, { records: number; partitions: number[]; undelivered: number }>
        errors: string[]
        brokersLearned: Record<string, Broker[]>
        consumerBrokers: Broker[]
        received: Record<string, number>
        mismatches: string[]
      }>('produce')
      const compressions = ['none', 'gzip', 'snappy', 'lz4', 'zstd']
      for (const compression of compressions) {
        expect(r.sent[compression]).toEqual({ records: 20, partitions: [0, 1, 2], undelivered: 0 })
        expect(r.brokersLearned[compression]).toEqual([weirBroker])
      }
      expect(r.errors).toEqual([])
      expect(r.consumerBrokers).toEqual([weirBroker])
      // acks=0 gets no response; its records arrive all the same.
      expect(r.sent.acks0).toEqual({ records: 5, undelivered: 0 })
      expect(r.received).toEqual({
        ...Object.fromEntries(compressions.map((c) => [c, 20])),
        acks0: 5,
      })
      expect(r.mismatches).toEqual([])
    }
  )

  it('consumes in a group: a second member rebalances, each record once', SLOW, async () => {
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
    }>('group')
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
    expect(r.coordinator).toEqual(weirBroker)
  })

  it(
    'commits and aborts transactions: read_committed sees only the committed records',
    SLOW,
    async () => {
      const r = await scenario<{ readCommitted: string[]; readUncommitted: string[] }>(
        'transactions'
      )
      const committed = Array.from({ length: 8 }, (_, i) => `committed-${i}`)
      const aborted = Array.from({ length: 5 }, (_, i) => `aborted-${i}`)
      expect(r.readCommitted).toEqual(committed)
      expect(r.readUncommitted).toEqual([...aborted, ...committed])
    }
  )

  it('kcat -L lists only the Weir broker', SLOW, async () => {
    const { stdout } = await run('kcat', ['-L', '-J', '-b', bootstrap, '-m', '30'], {
      timeout: 60_000,
    })
    const metadata = JSON.parse(stdout) as {
      originating_broker: { id: number; name: string }
      controllerid: number
      brokers: { id: number; name: string }[]
    }
    expect(metadata.originating_broker.name).toBe(`${bootstrap}/bootstrap`)
    expect(metadata.brokers).toEqual([{ id: 1, name: `127.0.0.1:${port + 2}` }])
    expect(metadata.controllerid).toBe(1)
  })
})
