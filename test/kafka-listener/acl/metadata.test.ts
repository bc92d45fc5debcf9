// Topics a principal may not describe are left out of listings, and answered
// TOPIC_AUTHORIZATION_FAILED when named, whether they exist or not (as Kafka's broker answers).
// Seeing a topic takes `describe` or any operation implying it.
import { describe, expect, it } from 'vitest'
import type {
  DescribeTopicPartitionsRequest,
  DescribeTopicPartitionsResponse,
  MetadataRequest,
  MetadataResponse,
} from '../../../src/protocol/index.ts'
import { allow, harness } from './support.ts'

const ID = {
  orders: 'AAAAAAAAAAAAAAAAAAAAAQ',
  secret: 'AAAAAAAAAAAAAAAAAAAAAg',
  payments: 'AAAAAAAAAAAAAAAAAAAAAw',
}

const rules = [
  allow('topic', ['orders-*'], ['produce']),
  allow('topic', ['payments'], ['describe']),
  allow('topic', ['orders-new'], ['manage']),
]

const topic = (name: string, topicId: string) => ({
  name,
  topicId,
  partitions: [{ partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1] }],
})

const backendTopics = [
  topic('orders-eu', ID.orders),
  topic('secret', ID.secret),
  topic('payments', ID.payments),
]

const summary = (r: MetadataResponse) => r.topics.map((t) => [t.name, t.errorCode])

describe('Metadata', () => {
  it.each([1, 4, 9, 12, 13])('v%i: a listing of every topic leaves out the invisible ones', (v) => {
    const out = harness(rules).run<MetadataRequest, MetadataResponse>(3, v, { topics: null })
    expect(out.decision).toMatchObject({ kind: 'forward', changed: false })
    const answer = out.answer({
      brokers: [{ nodeId: 1, host: 'b', port: 1 }],
      topics: backendTopics,
    })
    // produce and describe both make a topic visible.
    expect(summary(answer)).toEqual([
      ['orders-eu', 0],
      ['payments', 0],
    ])
    expect(answer.brokers).toHaveLength(1)
  })

  it('v0: an empty list is a listing too', () => {
    const out = harness(rules).run<MetadataRequest, MetadataResponse>(3, 0, { topics: [] })
    expect(summary(out.answer({ topics: backendTopics }))).toEqual([
      ['orders-eu', 0],
      ['payments', 0],
    ])
  })

  it.each([4, 10, 12])(
    'v%i: a topic asked for that may not be described never reaches the broker and is refused',
    (v) => {
      const out = harness(rules).run<MetadataRequest, MetadataResponse>(3, v, {
        topics: [{ name: 'orders-eu' }, { name: 'secret' }],
        allowAutoTopicCreation: false,
      })
      expect(out.sent().topics?.map((t) => t.name)).toEqual(['orders-eu'])
      const answer = out.answer({ topics: [topic('orders-eu', ID.orders)] })
      expect(summary(answer)).toEqual([
        ['orders-eu', 0],
        ['secret', 29],
      ])
      expect(answer.topics[1]).toMatchObject({
        partitions: [],
        isInternal: false,
        topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
      })
    }
  )

  it('asked by id: ids of topics that may not be described are refused, unknown ones are checked on the way back', () => {
    const h = harness(rules)
    h.topicNames.learn(ID.secret, 'secret')
    const out = h.run<MetadataRequest, MetadataResponse>(3, 12, {
      topics: [
        { name: null, topicId: ID.secret },
        { name: null, topicId: ID.payments },
        { name: null, topicId: ID.orders },
      ],
    })
    // Never seen: the broker is asked, and the answer is checked by name.
    expect(out.sent().topics?.map((t) => t.topicId)).toEqual([ID.payments, ID.orders])
    const answer = out.answer({
      topics: [
        topic('payments', ID.payments),
        { ...topic('orders-eu', ID.orders), name: 'hidden-x' },
      ],
    })
    expect(answer.topics.map((t) => [t.name, t.topicId, t.errorCode])).toEqual([
      ['payments', ID.payments, 0],
      [null, ID.orders, 29],
      [null, ID.secret, 29],
    ])
  })

  it('switches auto-creation off unless the principal may manage every topic named', () => {
    const h = harness(rules)
    const produceOnly = h.run<MetadataRequest, MetadataResponse>(3, 9, {
      topics: [{ name: 'orders-brand-new' }],
      allowAutoTopicCreation: true,
    })
    expect(produceOnly.decision).toMatchObject({ kind: 'forward', changed: true })
    expect(produceOnly.sent().allowAutoTopicCreation).toBe(false)
    const manager = h.run<MetadataRequest, MetadataResponse>(3, 9, {
      topics: [{ name: 'orders-new' }],
      allowAutoTopicCreation: true,
    })
    expect(manager.decision).toMatchObject({ kind: 'forward', changed: false })
  })

  it('refuses a topic that may not be described even when it does not exist (v1+: the broker gets an empty list)', () => {
    for (const name of ['secret', 'no-such-topic']) {
      const out = harness(rules).run<MetadataRequest, MetadataResponse>(3, 9, {
        topics: [{ name }],
      })
      expect(out.sent().topics).toEqual([])
      expect(summary(out.answer({ topics: [] }))).toEqual([[name, 29]])
    }
  })

  it('teaches the topic id cache from every answer (hidden topics too: ids are not secret)', () => {
    const h = harness(rules)
    h.run(3, 12, { topics: null }).answer({ topics: backendTopics })
    expect(h.topicNames.nameOf(ID.orders)).toBe('orders-eu')
    expect(h.topicNames.nameOf(ID.secret)).toBe('secret')
  })

  it('leaves broker errors about names (no such topic) as they are', () => {
    const out = harness(rules).run<MetadataRequest, MetadataResponse>(3, 12, {
      topics: [{ name: 'orders-missing' }],
    })
    const answer = out.answer({ topics: [{ name: 'orders-missing', errorCode: 3 }] })
    expect(summary(answer)).toEqual([['orders-missing', 3]])
  })
})

describe('DescribeTopicPartitions', () => {
  const dtp = (r: DescribeTopicPartitionsResponse) => r.topics.map((t) => [t.name, t.errorCode])

  it('refuses topics asked for that may not be described', () => {
    const out = harness(rules).run<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse>(
      75,
      0,
      { topics: [{ name: 'payments' }, { name: 'secret' }], responsePartitionLimit: 100 }
    )
    expect(out.sent().topics).toEqual([{ name: 'payments' }])
    const answer = out.answer({ topics: [{ name: 'payments', topicId: ID.payments }] })
    expect(dtp(answer)).toEqual([
      ['payments', 0],
      ['secret', 29],
    ])
  })

  it('answers itself when no topic asked for may be described', () => {
    const out = harness(rules).run<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse>(
      75,
      0,
      { topics: [{ name: 'secret' }] }
    )
    expect(dtp(out.local())).toEqual([['secret', 29]])
  })

  it('a listing leaves invisible topics out, and ends where the cursor names one', () => {
    const h = harness(rules)
    const out = h.run<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse>(75, 0, {
      topics: [],
    })
    const answer = out.answer({
      topics: [
        { name: 'orders-eu', topicId: ID.orders },
        { name: 'secret', topicId: ID.secret },
      ],
      nextCursor: { topicName: 'secret-2', partitionIndex: 0 },
    })
    expect(dtp(answer)).toEqual([['orders-eu', 0]])
    expect(answer.nextCursor).toBeNull()
    expect(h.topicNames.nameOf(ID.secret)).toBe('secret')
    const visible = h
      .run<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse>(75, 0, { topics: [] })
      .answer({ topics: [], nextCursor: { topicName: 'payments', partitionIndex: 3 } })
    expect(visible.nextCursor).toEqual({ topicName: 'payments', partitionIndex: 3 })
  })
})
