// The consumer hub against the real broker: shared fan-out, dedicated start positions, consumer
// groups split across nodes (two hubs), and failures at subscribe.
import { CompressionTypes } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../../src/core/errors.ts'
import type { Subscription } from '../../../../src/kafka/consumer/index.ts'
import { createTopic, uniqueName } from '../../../support/kafka.ts'
import { Collector, messages, newHub, produce, sleep, waitFor } from './support.ts'

const sorted = (ids: string[]) => [...ids].sort()

describe('ConsumerHub: shared fan-out', () => {
  it('fans one consumer out to every subscriber, each from when it attached', async () => {
    const topic = await createTopic('hub-shared', 2)
    await produce(topic, messages('before', 4, 2))
    const hub = newHub()
    const spec = { kind: 'shared', cluster: 'main', topics: [topic], stream: 'live' } as const
    const subscribers = [new Collector(), new Collector(), new Collector()]
    const subscriptions: Subscription[] = await Promise.all(
      subscribers.map((s) => hub.subscribe(spec, s))
    )
    expect(hub.stats()).toMatchObject({ consumers: 1, subscribers: 3 })

    await produce(topic, messages('first', 20, 2))
    await waitFor(() => subscribers.every((s) => s.records.length >= 20), 'all 20 records x3')
    const expected = Array.from({ length: 20 }, (_, i) => `${i % 2}:${Math.floor(i / 2) + 2}`)
    for (const s of subscribers) {
      expect(sorted(s.ids())).toEqual(sorted(expected))
      expect(s.values().every((v) => v.startsWith('first-'))).toBe(true)
    }

    // A late subscriber shares the running consumer and gets only what comes after it.
    const late = new Collector()
    subscriptions.push(await hub.subscribe(spec, late))
    expect(hub.stats()).toMatchObject({ consumers: 1, subscribers: 4 })
    await produce(topic, messages('second', 6, 2))
    await waitFor(() => late.records.length >= 6 && subscribers[0]!.records.length >= 26, 'more')
    await sleep(300)
    expect(sorted(late.values())).toEqual(sorted(messages('second', 6).map((m) => `${m.value}`)))
    for (const s of subscribers) expect(s.records).toHaveLength(26)

    // The consumer outlives its last subscriber only by the linger time.
    await Promise.all(subscriptions.map((s) => s.unsubscribe()))
    expect(hub.stats().subscribers).toBe(0)
    await waitFor(() => hub.stats().consumers === 0, 'the idle consumer to stop')
  })

  it('gives another stream, or another topic set, a consumer of its own', async () => {
    const topic = await createTopic('hub-keys')
    const hub = newHub()
    const a = await hub.subscribe(
      { kind: 'shared', cluster: 'main', topics: [topic], stream: 'a' },
      new Collector()
    )
    const b = await hub.subscribe(
      { kind: 'shared', cluster: 'main', topics: [topic], stream: 'b' },
      new Collector()
    )
    expect(hub.stats().consumers).toBe(2)
    await Promise.all([a.unsubscribe(), b.unsubscribe()])
  })
})

describe('ConsumerHub: dedicated start positions', () => {
  it('starts at earliest, an offset, a timestamp, or explicit per-partition positions', async () => {
    const topic = await createTopic('hub-dedicated', 2)
    const base = Date.now() - 60_000
    // Five records per partition, record i of each written "at" base + i seconds.
    await produce(
      topic,
      Array.from({ length: 10 }, (_, i) => ({
        partition: i % 2,
        value: `r-${i % 2}-${Math.floor(i / 2)}`,
        timestamp: String(base + Math.floor(i / 2) * 1000),
      }))
    )
    const hub = newHub()
    const read = async (
      start: 'earliest' | 'latest' | { offset: number } | { timestamp: number },
      positions?: { topic: string; partition: number; offset: string }[]
    ) => {
      const collector = new Collector()
      const spec = { kind: 'dedicated', cluster: 'main', topics: [topic], stream: 's' } as const
      const subscription = await hub.subscribe({ ...spec, start, positions }, collector)
      return { collector, subscription }
    }
    const [earliest, offset, timestamp, resumed] = await Promise.all([
      read('earliest'),
      read({ offset: 3 }),
      read({ timestamp: base + 2500 }),
      read('latest', [{ topic, partition: 0, offset: '1' }]),
    ])
    expect(hub.stats()).toMatchObject({ consumers: 4, subscribers: 4 })

    await waitFor(() => earliest.collector.records.length >= 10, 'earliest: 10 records')
    await waitFor(() => offset.collector.records.length >= 4, 'offset 3: 4 records')
    await waitFor(() => timestamp.collector.records.length >= 4, 'timestamp: 4 records')
    await waitFor(() => resumed.collector.records.length >= 4, 'resumed: 4 records')
    // Partition 1 of the resumed reader starts at latest: only what is written now.
    await produce(topic, [{ partition: 1, value: 'new-1' }])
    await waitFor(() => resumed.collector.records.length >= 5, 'resumed: the new record')
    await sleep(300)

    // Every reader also sees the new record on partition 1 (offset 5): leave it out of the rest.
    const before = (c: Collector) => sorted(c.ids().filter((id) => id !== '1:5'))
    const all = ['0:0', '0:1', '0:2', '0:3', '0:4', '1:0', '1:1', '1:2', '1:3', '1:4']
    expect(before(earliest.collector)).toEqual(all)
    expect(before(offset.collector)).toEqual(['0:3', '0:4', '1:3', '1:4'])
    expect(before(timestamp.collector)).toEqual(['0:3', '0:4', '1:3', '1:4'])
    expect(sorted(resumed.collector.ids())).toEqual(['0:1', '0:2', '0:3', '0:4', '1:5'])
    for (const { collector } of [earliest, offset, timestamp, resumed]) {
      expect(new Set(collector.ids()).size).toBe(collector.records.length)
    }

    await Promise.all(
      [earliest, offset, timestamp, resumed].map(({ subscription }) => subscription.unsubscribe())
    )
    // Dedicated consumers stop with their subscriber, without lingering.
    expect(hub.stats().consumers).toBe(0)
  })
})

describe('ConsumerHub: compressed batches', () => {
  it('reads snappy, lz4 and zstd batches', async () => {
    const topic = await createTopic('hub-compressed')
    const hub = newHub() // registers the codecs, for the test producer too
    const codecs = [CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD]
    for (const [i, codec] of codecs.entries()) await produce(topic, messages(`c${i}`, 50), codec)
    const collector = new Collector()
    const spec = { kind: 'dedicated', cluster: 'main', topics: [topic], stream: 'z' } as const
    await hub.subscribe({ ...spec, start: 'earliest' }, collector)
    await waitFor(() => collector.records.length >= 150, 'all 150 records')
    const expected = codecs.flatMap((_, i) => messages(`c${i}`, 50).map((m) => `${m.value}`))
    expect(collector.values()).toEqual(expected)
  })
})

describe('ConsumerHub: consumer groups across nodes', () => {
  it('splits a named group between two hubs; together they see every record once', async () => {
    const topic = await createTopic('hub-group', 4)
    const groupId = uniqueName('weir-test-group')
    const spec = {
      kind: 'group',
      cluster: 'main',
      topics: [topic],
      groupId,
      commit: 'auto',
      start: 'earliest',
    } as const
    const [hubA, hubB] = [newHub(), newHub()]
    const [a, b] = [new Collector(), new Collector()]
    await hubA.subscribe(spec, a)
    await hubB.subscribe(spec, b)
    const assigned = (hub: typeof hubA) =>
      hub.stats().details.flatMap((d) => d.assigned.flatMap((t) => t.partitions))
    await waitFor(
      () => assigned(hubA).length === 2 && assigned(hubB).length === 2,
      'the group to settle on two partitions per hub'
    )
    expect(sorted([...assigned(hubA), ...assigned(hubB)].map(String))).toEqual(['0', '1', '2', '3'])

    await produce(topic, messages('g', 40, 4))
    await waitFor(() => a.records.length + b.records.length >= 40, 'all 40 records')
    await sleep(500)
    expect(a.records.length).toBeGreaterThan(0)
    expect(b.records.length).toBeGreaterThan(0)
    const all = [...a.ids(), ...b.ids()]
    expect(all).toHaveLength(40)
    expect(new Set(all).size).toBe(40)
    // Each hub saw only the partitions it was assigned.
    expect(a.records.every((r) => assigned(hubA).includes(r.partition))).toBe(true)
    expect(b.records.every((r) => assigned(hubB).includes(r.partition))).toBe(true)
  })

  it('fans a group consumer out to every subscriber with that group on the node', async () => {
    const topic = await createTopic('hub-group-fan', 2)
    const groupId = uniqueName('weir-test-group')
    const spec = {
      kind: 'group',
      cluster: 'main',
      topics: [topic],
      groupId,
      commit: 'auto',
      start: 'earliest',
    } as const
    const hub = newHub()
    const [a, b] = [new Collector(), new Collector()]
    await Promise.all([hub.subscribe(spec, a), hub.subscribe(spec, b)])
    expect(hub.stats()).toMatchObject({ consumers: 1, subscribers: 2 })
    await produce(topic, messages('f', 10, 2))
    await waitFor(() => a.records.length >= 10 && b.records.length >= 10, 'both get all 10')
    expect(sorted(a.ids())).toEqual(sorted(b.ids()))
  })
})

describe('ConsumerHub: failures at subscribe', () => {
  it('rejects a missing topic with not-found', async () => {
    const hub = newHub()
    const error = await hub
      .subscribe(
        { kind: 'shared', cluster: 'main', topics: [uniqueName('missing')], stream: 's' },
        new Collector()
      )
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GatewayError)
    expect((error as GatewayError).code).toBe('not-found')
    expect(hub.stats().consumers).toBe(0)
  })

  it('rejects an unreachable backend with backend-unavailable, promptly', async () => {
    const hub = newHub({}, { bootstrapServers: '127.0.0.1:1', connectionTimeoutMs: 300 })
    const startedAt = Date.now()
    const error = await hub
      .subscribe(
        { kind: 'group', cluster: 'main', topics: ['t'], groupId: 'g', commit: 'auto' },
        new Collector()
      )
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GatewayError)
    expect((error as GatewayError).code).toBe('backend-unavailable')
    expect((error as GatewayError).detail).toMatch(/backend cluster "main"/)
    expect(Date.now() - startedAt).toBeLessThan(10_000)
  })

  it('tells subscribers when the hub closes', async () => {
    const topic = await createTopic('hub-close')
    const hub = newHub()
    const collector = new Collector()
    await hub.subscribe(
      { kind: 'shared', cluster: 'main', topics: [topic], stream: 's' },
      collector
    )
    await hub.close()
    expect(collector.closedWith).toEqual([{ kind: 'shutdown' }])
    expect(hub.stats().consumers).toBe(0)
    const error = await hub
      .subscribe({ kind: 'shared', cluster: 'main', topics: [topic], stream: 's' }, collector)
      .catch((e: unknown) => e)
    expect((error as GatewayError).code).toBe('backend-unavailable')
  })
})
