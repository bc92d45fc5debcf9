// The data path: Produce, ListOffsets, OffsetForLeaderEpoch and DescribeProducers. Refused topics
// are taken out of the request and merged back into the broker's answer with Kafka's codes; a
// request refused whole is answered by the gateway.
import { describe, expect, it } from 'vitest'
import type {
  DescribeProducersRequest,
  DescribeProducersResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse,
  ProduceRequest,
  ProduceResponse,
} from '../../../src/protocol/index.ts'
import { allow, harness } from './support.ts'

const ID_ORDERS = 'AAAAAAAAAAAAAAAAAAAAAQ'
const ID_SECRET = 'AAAAAAAAAAAAAAAAAAAAAg'
const ID_UNSEEN = 'AAAAAAAAAAAAAAAAAAAAAw'

const records = Buffer.from('batch')
const producing = (name: string, partitions: number[], topicId = '') => ({
  name,
  topicId: topicId || undefined,
  partitionData: partitions.map((index) => ({ index, records })),
})

function codes(response: ProduceResponse) {
  return Object.fromEntries(
    response.responses.map((t) => [
      t.name || t.topicId,
      t.partitionResponses.map((p) => [p.index, p.errorCode]),
    ])
  )
}

describe('Produce', () => {
  const rules = [
    allow('topic', ['orders-*'], ['produce']),
    allow('transactional-id', ['tx-*'], ['produce']),
  ]

  it.each([3, 9, 12])('v%i: takes refused topics out and merges them back as 29', (v) => {
    const h = harness(rules)
    const out = h.run<ProduceRequest, ProduceResponse>(0, v, {
      acks: -1,
      topicData: [producing('orders-eu', [0, 1]), producing('secret', [0, 2])],
    })
    expect(out.decision).toMatchObject({ kind: 'forward', changed: true })
    expect(out.sent().topicData.map((t) => t.name)).toEqual(['orders-eu'])
    expect(out.sent().topicData[0]?.partitionData[0]?.records).toEqual(records)
    const answer = out.answer({
      responses: [{ name: 'orders-eu', partitionResponses: [{ index: 0 }, { index: 1 }] }],
    })
    expect(codes(answer)).toEqual({
      'orders-eu': [
        [0, 0],
        [1, 0],
      ],
      secret: [
        [0, 29],
        [2, 29],
      ],
    })
  })

  it('forwards an allowed request untouched', () => {
    const out = harness(rules).run(0, 9, { acks: 1, topicData: [producing('orders-us', [0])] })
    expect(out.decision).toEqual({ kind: 'forward', changed: false })
  })

  it('answers a request refused whole itself, every partition 29', () => {
    const out = harness(rules).run<ProduceRequest, ProduceResponse>(0, 11, {
      acks: 1,
      topicData: [producing('secret', [0, 1]), producing('other', [3])],
    })
    expect(out.decision.kind).toBe('respond')
    const local = out.local()
    expect(codes(local)).toEqual({
      secret: [
        [0, 29],
        [1, 29],
      ],
      other: [[3, 29]],
    })
    expect(local.responses[0]?.partitionResponses[0]?.baseOffset).toBe(-1n)
  })

  it('refuses everything with 53 when the transactional id is refused', () => {
    const h = harness(rules)
    const out = h.run<ProduceRequest, ProduceResponse>(0, 9, {
      transactionalId: 'other-tx',
      acks: -1,
      topicData: [producing('orders-eu', [0])],
    })
    expect(codes(out.local())).toEqual({ 'orders-eu': [[0, 53]] })
    const ok = h.run(0, 9, {
      transactionalId: 'tx-1',
      acks: -1,
      topicData: [producing('orders-eu', [0])],
    })
    expect(ok.decision).toEqual({ kind: 'forward', changed: false })
  })

  it('v13: resolves topic ids through the cache, and answers unknown ids 100', () => {
    const h = harness(rules)
    h.topicNames.learn(ID_ORDERS, 'orders-eu')
    h.topicNames.learn(ID_SECRET, 'secret')
    const out = h.run<ProduceRequest, ProduceResponse>(0, 13, {
      acks: -1,
      topicData: [
        producing('', [0], ID_ORDERS),
        producing('', [1], ID_SECRET),
        producing('', [2], ID_UNSEEN),
      ],
    })
    expect(out.sent().topicData.map((t) => t.topicId)).toEqual([ID_ORDERS])
    const answer = out.answer({
      responses: [{ topicId: ID_ORDERS, partitionResponses: [{ index: 0 }] }],
    })
    expect(codes(answer)).toEqual({
      [ID_ORDERS]: [[0, 0]],
      [ID_SECRET]: [[1, 29]],
      [ID_UNSEEN]: [[2, 100]],
    })
  })
})

describe('ListOffsets and OffsetForLeaderEpoch', () => {
  // A consumer allowed to consume may look up offsets: consume implies describe.
  const rules = [allow('topic', ['orders-*'], ['consume'])]

  it.each([1, 6, 10])('ListOffsets v%i: describe, refusals merged back as 29', (v) => {
    const out = harness(rules).run<ListOffsetsRequest, ListOffsetsResponse>(2, v, {
      replicaId: -1,
      topics: [
        { name: 'orders-eu', partitions: [{ partitionIndex: 0, timestamp: -1n }] },
        { name: 'secret', partitions: [{ partitionIndex: 4, timestamp: -2n }] },
      ],
    })
    expect(out.sent().topics.map((t) => t.name)).toEqual(['orders-eu'])
    const answer = out.answer({
      topics: [{ name: 'orders-eu', partitions: [{ partitionIndex: 0, offset: 42n }] }],
    })
    expect(answer.topics.map((t) => [t.name, t.partitions[0]?.errorCode])).toEqual([
      ['orders-eu', 0],
      ['secret', 29],
    ])
    expect(answer.topics[1]?.partitions[0]).toMatchObject({ partitionIndex: 4, offset: -1n })
  })

  it.each([2, 4])('OffsetForLeaderEpoch v%i: refused whole is answered here', (v) => {
    const out = harness(rules).run<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>(
      23,
      v,
      { topics: [{ topic: 'secret', partitions: [{ partition: 1, leaderEpoch: 3 }] }] }
    )
    expect(out.local().topics).toEqual([
      {
        topic: 'secret',
        partitions: [{ errorCode: 29, partition: 1, leaderEpoch: -1, endOffset: -1n }],
      },
    ])
  })

  it('OffsetForLeaderEpoch: allowed topics go on untouched', () => {
    const out = harness(rules).run(23, 4, {
      topics: [{ topic: 'orders-eu', partitions: [{ partition: 1, leaderEpoch: 3 }] }],
    })
    expect(out.decision).toEqual({ kind: 'forward', changed: false })
  })
})

describe('DescribeProducers', () => {
  it('needs describe on each topic', () => {
    const out = harness([allow('topic', ['orders-*'], ['describe'])]).run<
      DescribeProducersRequest,
      DescribeProducersResponse
    >(61, 0, {
      topics: [
        { name: 'orders-eu', partitionIndexes: [0] },
        { name: 'secret', partitionIndexes: [0, 1] },
      ],
    })
    expect(out.sent().topics.map((t) => t.name)).toEqual(['orders-eu'])
    const answer = out.answer({
      topics: [{ name: 'orders-eu', partitions: [{ partitionIndex: 0 }] }],
    })
    expect(answer.topics[1]).toMatchObject({
      name: 'secret',
      partitions: [
        { partitionIndex: 0, errorCode: 29 },
        { partitionIndex: 1, errorCode: 29 },
      ],
    })
  })
})
