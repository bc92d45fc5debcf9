import { describe, expect, it } from 'vitest'
import {
  ConsumerLag,
  lagGroup,
  type LagAdmin,
  type LagConsumer,
} from '../../../src/observability/metrics/consumer-lag.ts'
import { GatewayMetrics } from '../../../src/observability/metrics/gateway-metrics.ts'
import { metricValue } from '../../support/metrics.ts'

/** A broker as the admin sees it: end offsets per topic, committed offsets per group. */
function fakeBroker() {
  const ends: Record<string, number[]> = {}
  const commits: Record<string, Record<string, number[]>> = {}
  const calls = { ends: 0, commits: 0 }
  let failing = false
  const admin: LagAdmin = {
    fetchTopicOffsets: async (topic: string) => {
      calls.ends++
      if (failing) throw new Error('broker down')
      return (ends[topic] ?? []).map((high, partition) => ({
        partition,
        offset: String(high),
        high: String(high),
        low: '0',
      }))
    },
    fetchOffsets: (async ({ groupId, topics }: { groupId: string; topics: string[] }) => {
      calls.commits++
      if (failing) throw new Error('broker down')
      return topics.map((topic) => ({
        topic,
        partitions: (ends[topic] ?? []).map((_, partition) => ({
          partition,
          offset: String(commits[groupId]?.[topic]?.[partition] ?? -1),
          metadata: null,
        })),
      }))
    }) as LagAdmin['fetchOffsets'],
  }
  const dropped: string[] = []
  return {
    ends,
    commits,
    calls,
    dropped,
    fail: (on: boolean) => (failing = on),
    admins: {
      get: async () => admin,
      drop: (cluster: string) => void dropped.push(cluster),
    },
  }
}

const group = (over: Partial<LagConsumer> = {}): LagConsumer => ({
  kind: 'group',
  cluster: 'main',
  groupId: 'billing',
  topics: ['orders'],
  state: 'running',
  assigned: [{ topic: 'orders', partitions: [0, 1] }],
  commit: 'auto',
  positions: [],
  ...over,
})

function lagFor(broker: ReturnType<typeof fakeBroker>, consumers: LagConsumer[], clock = { t: 0 }) {
  return new ConsumerLag({
    consumers: () => consumers,
    admins: broker.admins,
    label: (g) => g,
    cacheMs: 5_000,
    now: () => clock.t,
  })
}

describe('ConsumerLag', () => {
  it('is the end offset minus the committed offset, over the assigned partitions only', async () => {
    const broker = fakeBroker()
    broker.ends.orders = [100, 50, 70]
    broker.commits.billing = { orders: [90, 20, 0] }
    // Partition 2 belongs to another node's member of the group: not counted here.
    expect(await lagFor(broker, [group()]).read()).toEqual({ billing: 10 + 30 })
  })

  it('falls back to the read position where the group committed nothing, and to 0 when neither is known', async () => {
    const broker = fakeBroker()
    broker.ends.orders = [100, 50]
    broker.commits.billing = { orders: [-1, -1] }
    const consumer = group({ positions: [{ topic: 'orders', partition: 0, offset: '60' }] })
    expect(await lagFor(broker, [consumer]).read()).toEqual({ billing: 40 })
  })

  it('uses the read position of ephemeral consumers, summed per stream under one label', async () => {
    const broker = fakeBroker()
    broker.ends.prices = [1000]
    const ephemeral = (kind: 'shared' | 'dedicated', id: string, offset: string): LagConsumer => ({
      kind,
      cluster: 'main',
      groupId: `weir-${kind === 'shared' ? 'fanout' : 'dedicated'}-prices-${id}`,
      topics: ['prices'],
      state: 'running',
      assigned: [{ topic: 'prices', partitions: [0] }],
      commit: 'none',
      positions: [{ topic: 'prices', partition: 0, offset }],
    })
    const lag = lagFor(broker, [
      ephemeral('shared', '0a1b2c3d', '1000'),
      ephemeral('dedicated', 'deadbeef', '900'),
      ephemeral('dedicated', '12345678', '400'),
      // Not running: left out.
      { ...ephemeral('dedicated', 'ffffffff', '0'), state: 'stopping' },
    ])
    expect(await lag.read()).toEqual({ 'weir-fanout-prices': 0, 'weir-dedicated-prices': 700 })
    expect(broker.calls.commits).toBe(0) // nothing committed to ask for
  })

  it('never counts below zero when the cached end is older than the position', async () => {
    const broker = fakeBroker()
    broker.ends.orders = [10, 10]
    const consumer = group({
      commit: 'none',
      kind: 'shared',
      groupId: 'weir-fanout-x-00000000',
      positions: [{ topic: 'orders', partition: 0, offset: '15' }],
    })
    expect(await lagFor(broker, [consumer]).read()).toEqual({ 'weir-fanout-x': 0 })
  })

  it('asks the brokers at most once per cacheMs, shared by concurrent reads', async () => {
    const broker = fakeBroker()
    broker.ends.orders = [100, 100]
    broker.commits.billing = { orders: [100, 100] }
    broker.commits.audit = { orders: [100, 100] }
    const clock = { t: 0 }
    const consumers = [group(), group({ groupId: 'audit' })]
    const lag = lagFor(broker, consumers, clock)
    await Promise.all([lag.read(), lag.read(), lag.read()])
    expect(broker.calls).toEqual({ ends: 1, commits: 2 })
    broker.ends.orders = [150, 100]
    clock.t = 4_999
    expect(await lag.read()).toEqual({ billing: 0, audit: 0 })
    expect(broker.calls).toEqual({ ends: 1, commits: 2 })
    clock.t = 5_000
    expect(await lag.read()).toEqual({ billing: 50, audit: 50 })
    expect(broker.calls).toEqual({ ends: 2, commits: 4 })
  })

  it('keeps the last known answer when the brokers fail, and drops the admin client', async () => {
    const broker = fakeBroker()
    broker.ends.orders = [100, 100]
    broker.commits.billing = { orders: [40, 100] }
    const clock = { t: 0 }
    const lag = lagFor(broker, [group()], clock)
    expect(await lag.read()).toEqual({ billing: 60 })
    broker.fail(true)
    clock.t = 10_000
    expect(await lag.read()).toEqual({ billing: 60 })
    expect(broker.dropped).toContain('main')
    // A consumer whose offsets were never known reports nothing rather than a made-up 0.
    const fresh = lagFor(broker, [group()], clock)
    expect(await fresh.read()).toEqual({})
  })

  it('names groups: ids of named groups as they are, ephemeral ones without their suffix', () => {
    expect(lagGroup({ kind: 'group', groupId: 'shop.billing' })).toBe('shop.billing')
    expect(lagGroup({ kind: 'shared', groupId: 'weir-fanout-prices-a1b2c3d4' })).toBe(
      'weir-fanout-prices'
    )
    expect(lagGroup({ kind: 'dedicated', groupId: 'ns.weir-dedicated-p-0a0a0a0a' })).toBe(
      'ns.weir-dedicated-p'
    )
  })
})

describe('weir_consumer_lag', () => {
  it('reads asynchronous sources at scrape time, with group labels bounded', async () => {
    const metrics = new GatewayMetrics({
      labels: {
        principal: { mode: 'cap', max: 10 },
        topic: { mode: 'cap', max: 10 },
        route: { mode: 'cap', max: 10 },
        group: { mode: 'cap', max: 2 },
      },
      latencyBuckets: [1],
    })
    // Sources add their groups up, as ConsumerLag does.
    const lags = (entries: [string, number][]) => {
      const totals: Record<string, number> = {}
      for (const [g, n] of entries) {
        const key = metrics.groupLabel(g)
        totals[key] = (totals[key] ?? 0) + n
      }
      return totals
    }
    const source = metrics.source('weir_consumer_lag', async () =>
      lags([
        ['a', 1],
        ['b', 2],
      ])
    )
    metrics.source('weir_consumer_lag', async () =>
      lags([
        ['c', 3],
        ['d', 4],
      ])
    )
    expect(await metricValue(metrics, 'weir_consumer_lag', { group: 'a' })).toBe(1)
    expect(await metricValue(metrics, 'weir_consumer_lag', { group: '_other' })).toBe(7)
    source.remove()
    expect(await metricValue(metrics, 'weir_consumer_lag')).toBe(7)
  })

  it('leaves out a source that fails, without failing the scrape', async () => {
    const metrics = new GatewayMetrics()
    metrics.source('weir_consumer_lag', async () => {
      throw new Error('no broker')
    })
    metrics.source('weir_consumer_lag', () => ({ g: 5 }))
    expect(await metricValue(metrics, 'weir_consumer_lag')).toBe(5)
    expect(await metrics.metrics()).toContain('weir_consumer_lag{group="g"} 5')
  })
})
