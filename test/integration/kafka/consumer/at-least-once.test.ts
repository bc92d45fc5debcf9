// At-least-once against the real broker: a group with commit `acked` commits only what every
// subscriber acknowledged, and what was not acknowledged comes again to the next subscriber.
import { describe, expect, it } from 'vitest'
import type { GroupSpec } from '../../../../src/kafka/consumer/index.ts'
import { createTopic, uniqueName } from '../../../support/kafka.ts'
import { Collector, committed, messages, newHub, produce, sleep, waitFor } from './support.ts'

async function ackedGroup(prefix: string, partitions = 1): Promise<GroupSpec> {
  const topic = await createTopic(prefix, partitions)
  return {
    kind: 'group',
    cluster: 'main',
    topics: [topic],
    groupId: uniqueName('weir-test-acked'),
    commit: 'acked',
    start: 'earliest',
  }
}

describe('ConsumerHub at-least-once', () => {
  it('delivers unacknowledged records again to the next subscriber of the group', async () => {
    const spec = await ackedGroup('hub-acked')
    const topic = spec.topics[0]!
    await produce(topic, messages('m', 10))
    const hub = newHub()

    const first = new Collector()
    const a = await hub.subscribe(spec, first)
    await waitFor(() => first.records.length >= 10, 'the first subscriber to get 10')
    for (const offset of ['0', '1', '2', '4', '5', '3']) a.ack(topic, 0, offset) // out of order
    a.ack(topic, 0, '7') // 6 is not acknowledged: the commit stays before it
    await a.unsubscribe()
    await waitFor(() => hub.stats().consumers === 0, 'the consumer to stop and leave the group')
    expect(await committed(spec.groupId, topic)).toEqual(new Map([[0, '6']]))

    const second = new Collector()
    const b = await hub.subscribe(spec, second)
    await waitFor(() => second.records.length >= 4, 'the unacknowledged records again')
    await sleep(300)
    expect(second.ids()).toEqual(['0:6', '0:7', '0:8', '0:9'])
    for (const record of second.records) b.ack(topic, 0, record.offset)
    await waitFor(() => hub.stats().details[0]?.subscribers === 1, 'still subscribed')
    await sleep(300) // a commit interval
    expect(await committed(spec.groupId, topic)).toEqual(new Map([[0, '10']]))
  })

  it('reads unacknowledged records again when a subscriber returns while the consumer lingers', async () => {
    const spec = await ackedGroup('hub-acked-linger')
    const topic = spec.topics[0]!
    await produce(topic, messages('m', 10))
    const hub = newHub({ lingerMs: 10_000 })

    const first = new Collector()
    const a = await hub.subscribe(spec, first)
    await waitFor(() => first.records.length >= 10, 'the first subscriber to get 10')
    for (let i = 0; i < 7; i++) a.ack(topic, 0, String(i))
    await a.unsubscribe()
    expect(hub.stats().consumers).toBe(1) // lingering

    const second = new Collector()
    await hub.subscribe(spec, second)
    expect(hub.stats().consumers).toBe(1) // the same consumer
    await waitFor(() => second.records.length >= 3, 'the unacknowledged records again')
    await sleep(300)
    expect(second.ids()).toEqual(['0:7', '0:8', '0:9'])
  })

  it('commits only up to what every subscriber of the consumer acknowledged', async () => {
    const spec = await ackedGroup('hub-acked-two')
    const topic = spec.topics[0]!
    const hub = newHub()
    const [first, second] = [new Collector(), new Collector()]
    const [a, b] = await Promise.all([hub.subscribe(spec, first), hub.subscribe(spec, second)])
    await produce(topic, messages('m', 10))
    await waitFor(() => first.records.length >= 10 && second.records.length >= 10, 'both get 10')
    for (let i = 0; i < 10; i++) a.ack(topic, 0, String(i))
    for (let i = 0; i < 3; i++) b.ack(topic, 0, String(i))
    await sleep(400)
    expect(await committed(spec.groupId, topic)).toEqual(new Map([[0, '3']]))
    for (let i = 3; i < 10; i++) b.ack(topic, 0, String(i))
    await sleep(400)
    expect(await committed(spec.groupId, topic)).toEqual(new Map([[0, '10']]))
  })

  it('pauses while a subscriber holds too many unacknowledged records', async () => {
    const spec = await ackedGroup('hub-acked-limit')
    const topic = spec.topics[0]!
    const hub = newHub({ maxUnackedPerSubscriber: 20 })
    const collector = new Collector()
    const subscription = await hub.subscribe(spec, collector)
    await produce(topic, messages('m', 50))
    await waitFor(() => collector.records.length >= 20, '20 records')
    await waitFor(() => hub.stats().details[0]?.paused === true, 'the consumer to pause')
    await sleep(500)
    expect(collector.records).toHaveLength(20)
    // Acknowledging down to half the limit lets it read on.
    for (let i = 0; i < 10; i++) subscription.ack(topic, 0, String(i))
    await waitFor(() => collector.records.length >= 30, 'ten more after the acks')
    expect(collector.ids().slice(0, 30)).toEqual(Array.from({ length: 30 }, (_, i) => `0:${i}`))
  })
})
