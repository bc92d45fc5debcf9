// Backpressure against the real broker: a full subscriber never holds back the others; when
// nobody has room the consumer pauses, and it resumes on ready() without losing a record.
import { describe, expect, it } from 'vitest'
import type { ConsumedRecord } from '../../../../src/kafka/consumer/index.ts'
import { createTopic } from '../../../support/kafka.ts'
import { Collector, messages, newHub, produce, sleep, waitFor } from './support.ts'

describe('ConsumerHub backpressure', () => {
  it('keeps a fast subscriber at full rate beside one that is always full', async () => {
    const topic = await createTopic('hub-slow-fast', 2)
    const hub = newHub()
    const spec = { kind: 'shared', cluster: 'main', topics: [topic], stream: 'bp' } as const
    const fast = new Collector()
    // Full from its first record on, and never ready again: it drops what it is handed.
    const slow = new Collector(() => 'full')
    await hub.subscribe(spec, slow)
    await hub.subscribe(spec, fast)

    await produce(topic, messages('a', 300, 2))
    await produce(topic, messages('b', 300, 2))
    await waitFor(() => fast.records.length >= 600, 'the fast subscriber to get all 600')
    expect(new Set(fast.ids()).size).toBe(600)
    expect(hub.stats().details[0]?.paused).toBe(false)
  })

  it('pauses when its only subscriber is full and resumes on ready() without a loss', async () => {
    const topic = await createTopic('hub-pause')
    const hub = newHub()
    const room = 10
    const buffer: ConsumedRecord[] = []
    const subscriber = {
      deliver(record: ConsumedRecord) {
        buffer.push(record)
        return buffer.length >= room ? ('full' as const) : ('ok' as const)
      },
    }
    const subscription = await hub.subscribe(
      { kind: 'shared', cluster: 'main', topics: [topic], stream: 'pause' },
      subscriber
    )
    await produce(topic, messages('p', 100))

    await waitFor(() => buffer.length >= room, 'the buffer to fill')
    await waitFor(() => hub.stats().details[0]?.paused === true, 'the consumer to pause')
    await sleep(1000)
    expect(buffer).toHaveLength(room) // nothing more arrives while paused

    const taken: ConsumedRecord[] = []
    while (taken.length + buffer.length < 100) {
      taken.push(...buffer.splice(0))
      subscription.ready()
      await waitFor(
        () => buffer.length >= room || taken.length + buffer.length >= 100,
        `records after ${taken.length}`
      )
      expect(buffer.length).toBeLessThanOrEqual(room)
    }
    taken.push(...buffer.splice(0))
    expect(taken.map((r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => String(i)))
    expect(taken.map((r) => String(r.value))).toEqual(messages('p', 100).map((m) => m.value))
  })

  it('resumes a paused consumer when a subscriber with room attaches', async () => {
    const topic = await createTopic('hub-pause-join')
    const hub = newHub()
    const spec = { kind: 'shared', cluster: 'main', topics: [topic], stream: 'pj' } as const
    const full = new Collector(() => 'full')
    await hub.subscribe(spec, full)
    await produce(topic, messages('x', 5))
    await waitFor(() => hub.stats().details[0]?.paused === true, 'the consumer to pause')

    const fresh = new Collector()
    await hub.subscribe(spec, fresh)
    expect(hub.stats().details[0]?.paused).toBe(false)
    await produce(topic, messages('y', 5))
    await waitFor(() => fresh.values().filter((v) => v.startsWith('y-')).length >= 5, 'y records')
  })
})
