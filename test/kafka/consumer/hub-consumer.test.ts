// HubConsumer, through the client port's kafkajs adapter, against a scripted stand-in for the
// kafkajs consumer: what it delivers, resolves, pauses, seeks and commits for each batch. (The
// real broker is in test/integration.)
import type { EachBatchPayload, Kafka } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import type { KafkaClient } from '../../../src/kafka/client/port.ts'
import { HubConsumer, type HubConsumerOptions } from '../../../src/kafka/consumer/hub-consumer.ts'
import { hubSettings } from '../../../src/kafka/consumer/hub-settings.ts'
import type {
  ClosedReason,
  ConsumedRecord,
  DeliverResult,
} from '../../../src/kafka/consumer/types.ts'
import { kafkaJsConsumer } from '../../../src/kafka/kafkajs/consumer.ts'
import { createLogger } from '../../../src/observability/logger.ts'

const T = 't'

class FakeConsumer {
  readonly events = {
    GROUP_JOIN: 'consumer.group_join',
    CRASH: 'consumer.crash',
    REBALANCING: 'consumer.rebalancing',
  }
  readonly listeners = new Map<string, ((event: { payload: unknown }) => void)[]>()
  eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined
  paused = false
  stale = false
  seeks: { topic: string; partition: number; offset: string }[] = []
  commits: unknown[] = []
  disconnected = false
  resolved: string[] = []

  on(name: string, listener: (event: { payload: unknown }) => void) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener])
  }
  emit(name: string, payload: unknown) {
    for (const listener of this.listeners.get(name) ?? []) listener({ payload })
  }
  join(partitions = [0]) {
    this.emit(this.events.GROUP_JOIN, { memberAssignment: { [T]: partitions } })
  }
  async connect() {}
  async subscribe() {}
  async run(options: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) {
    this.eachBatch = options.eachBatch
    this.join()
  }
  pause() {
    this.paused = true
  }
  resume() {
    this.paused = false
  }
  seek(position: { topic: string; partition: number; offset: string }) {
    this.seeks.push(position)
  }
  async commitOffsets(offsets: unknown) {
    this.commits.push(offsets)
  }
  async disconnect() {
    this.disconnected = true
  }

  /** Hands the consumer one batch of `offsets` of partition 0, as kafkajs would. */
  async batch(offsets: number[]) {
    const messages = offsets.map((o) => ({
      offset: String(o),
      timestamp: '0',
      key: null,
      value: Buffer.from(`v${o}`),
      headers: {},
    }))
    await this.eachBatch!({
      batch: { topic: T, partition: 0, messages },
      resolveOffset: (offset: string) => this.resolved.push(offset),
      heartbeat: async () => {},
      isRunning: () => true,
      isStale: () => this.stale,
    } as unknown as EachBatchPayload)
  }
}

/** The port's client, its consumers the adapter's around `fake`. */
const clientOf = (fake: FakeConsumer): KafkaClient =>
  ({
    consumer: (options) => kafkaJsConsumer({ consumer: () => fake } as unknown as Kafka, options),
  }) as Partial<KafkaClient> as KafkaClient

function setup(options: Partial<HubConsumerOptions> = {}) {
  const fake = new FakeConsumer()
  const idle: HubConsumer[] = []
  const failed: HubConsumer[] = []
  const consumer = new HubConsumer({
    kind: 'shared',
    cluster: 'main',
    topics: [T],
    groupId: 'g',
    commit: 'none',
    fromBeginning: false,
    kafka: clientOf(fake),
    logger: createLogger({ level: 'silent', pretty: false }),
    settings: hubSettings({ commitIntervalMs: 0 }),
    onIdle: (c) => idle.push(c),
    onFailed: (c) => failed.push(c),
    ...options,
  })
  return { fake, consumer, idle, failed }
}

/** A subscriber with room for `room` records until it is drained. */
function bounded(room = Infinity) {
  const got: string[] = []
  const closings: ClosedReason[] = []
  let held = 0
  return {
    got,
    closings,
    drain: () => (held = 0),
    deliver(record: ConsumedRecord): DeliverResult {
      got.push(record.offset)
      return ++held >= room ? 'full' : 'ok'
    },
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5))

describe('HubConsumer', () => {
  it('stops mid-batch when every subscriber is full and reads on from there after ready()', async () => {
    const { fake, consumer } = setup()
    const sub = bounded(3)
    const member = consumer.attach(sub)
    await consumer.started
    await fake.batch([0, 1, 2, 3, 4, 5])
    expect(sub.got).toEqual(['0', '1', '2'])
    expect(fake.resolved).toEqual(['0', '1', '2']) // 3.. are fetched again after the resume
    expect(fake.paused).toBe(true)
    expect(consumer.stats().paused).toBe(true)

    sub.drain()
    consumer.ready(member)
    expect(fake.paused).toBe(false)
    await fake.batch([3, 4, 5])
    expect(sub.got).toEqual(['0', '1', '2', '3', '4', '5'])
  })

  it('keeps a shared consumer reading without subscribers, pauses a group one', async () => {
    const shared = setup()
    await shared.consumer.started
    expect(shared.fake.paused).toBe(false)
    await shared.fake.batch([0, 1])
    expect(shared.fake.resolved).toEqual(['0', '1'])

    const group = setup({ kind: 'group', commit: 'auto' })
    await group.consumer.started
    expect(group.fake.paused).toBe(true)
    await group.fake.batch([0, 1])
    expect(group.fake.resolved).toEqual([])
  })

  it('seeks to its start offsets on joining, and to where it stopped on rejoining', async () => {
    const { fake, consumer } = setup({
      kind: 'dedicated',
      startOffsets: async () => new Map([[`0\u0000${T}`, '7']]),
    })
    consumer.attach(bounded())
    await consumer.started
    expect(fake.seeks).toEqual([{ topic: T, partition: 0, offset: '7' }])
    await fake.batch([7, 8])
    fake.join() // a rebalance or a crash restart
    expect(fake.seeks.at(-1)).toEqual({ topic: T, partition: 0, offset: '9' })
  })

  // Issue 8: what weir_consumer_lag reads.
  it('reports where it stands per assigned partition: its start, then past what it delivered', async () => {
    const dedicated = setup({
      kind: 'dedicated',
      startOffsets: async () => new Map([[`0\u0000${T}`, '7']]),
    })
    dedicated.consumer.attach(bounded())
    await dedicated.consumer.started
    expect(dedicated.consumer.stats()).toMatchObject({
      commit: 'none',
      positions: [{ topic: T, partition: 0, offset: '7' }],
    })
    await dedicated.fake.batch([7, 8])
    expect(dedicated.consumer.stats().positions).toEqual([{ topic: T, partition: 0, offset: '9' }])

    const group = setup({ kind: 'group', commit: 'auto' })
    group.consumer.attach(bounded(2))
    await group.consumer.started
    expect(group.consumer.stats().positions).toEqual([]) // nothing read yet: not known
    await group.fake.batch([0, 1, 2, 3])
    expect(group.consumer.stats()).toMatchObject({
      commit: 'auto',
      positions: [{ topic: T, partition: 0, offset: '2' }], // stopped after two: full
    })
  })

  it('re-applies a pause after a rejoin (a restarted kafkajs consumer starts unpaused)', async () => {
    const { fake, consumer } = setup({ kind: 'group', commit: 'auto' })
    await consumer.started
    fake.paused = false
    fake.join()
    expect(fake.paused).toBe(true)
  })

  it('commits what was acked and reads again what a leaving subscriber did not ack', async () => {
    const { fake, consumer } = setup({ kind: 'group', commit: 'acked' })
    const member = consumer.attach(bounded())
    await consumer.started
    await fake.batch([0, 1, 2, 3])
    consumer.ack(member, T, 0, '0')
    consumer.ack(member, T, 0, '1')
    await tick()
    expect(fake.commits).toEqual([[{ topic: T, partition: 0, offset: '2' }]])

    consumer.detach(member)
    expect(fake.seeks).toEqual([{ topic: T, partition: 0, offset: '2' }])
    expect(fake.paused).toBe(true) // no subscriber left
    await consumer.stop()
    expect(fake.disconnected).toBe(true)
  })

  it('tells its subscribers when it crashed for good', async () => {
    const { fake, consumer, failed } = setup()
    const sub = bounded()
    consumer.attach({ deliver: sub.deliver, closed: (reason) => sub.closings.push(reason) })
    await consumer.started
    fake.emit(fake.events.CRASH, { error: new Error('gone'), restart: false })
    expect(failed).toEqual([consumer])
    expect(consumer.state).toBe('failed')
    expect(sub.closings).toHaveLength(1)
    expect(sub.closings[0]).toMatchObject({
      kind: 'failed',
      error: { code: 'backend-unavailable' },
    })
  })

  it('unsubscribes a subscriber that throws, and serves the others', async () => {
    const { fake, consumer } = setup()
    const closed: ClosedReason[] = []
    consumer.attach({
      deliver() {
        throw new Error('broken')
      },
      closed: (reason) => closed.push(reason),
    })
    const fine = bounded()
    consumer.attach(fine)
    await consumer.started
    await fake.batch([0, 1])
    expect(fine.got).toEqual(['0', '1'])
    expect(consumer.size).toBe(1)
    expect(closed).toMatchObject([{ kind: 'failed', error: { code: 'internal' } }])
  })

  it('fails its start when kafkajs gives up before the first join', async () => {
    const fake = new FakeConsumer()
    fake.run = async () => {
      fake.emit(fake.events.CRASH, { error: new Error('no coordinator'), restart: false })
    }
    const { consumer } = setup({ kafka: clientOf(fake) })
    await expect(consumer.started).rejects.toMatchObject({ code: 'backend-unavailable' })
    expect(consumer.state).toBe('failed')
  })
})
