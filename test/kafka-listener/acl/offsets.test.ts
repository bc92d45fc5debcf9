// Committed offsets: the group and its topics. A refused group refuses everything; refused topics
// are taken out and merged back.
import { describe, expect, it } from 'vitest'
import type {
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetDeleteRequest,
  OffsetDeleteResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
} from '../../../src/protocol/index.ts'
import { allow, harness } from './support.ts'

const rules = [
  allow('group', ['app-*'], ['consume']),
  allow('group', ['app-admin'], ['manage']),
  allow('topic', ['orders-*'], ['consume']),
]

const ID_ORDERS = 'AAAAAAAAAAAAAAAAAAAAAQ'

const committing = (name: string, partitions: number[], topicId?: string) => ({
  name,
  topicId,
  partitions: partitions.map((partitionIndex) => ({ partitionIndex, committedOffset: 5n })),
})

describe('OffsetCommit', () => {
  it.each([2, 8, 9])('v%i: the group and topics consume', (v) => {
    const out = harness(rules).run<OffsetCommitRequest, OffsetCommitResponse>(8, v, {
      groupId: 'app-1',
      topics: [committing('orders-eu', [0]), committing('secret', [0, 1])],
    })
    expect(out.sent().topics.map((t) => t.name)).toEqual(['orders-eu'])
    const answer = out.answer({
      topics: [{ name: 'orders-eu', partitions: [{ partitionIndex: 0 }] }],
    })
    expect(answer.topics.map((t) => [t.name, t.partitions.map((p) => p.errorCode)])).toEqual([
      ['orders-eu', [0]],
      ['secret', [29, 29]],
    ])
  })

  it('refuses every partition with 30 when the group is refused', () => {
    const out = harness(rules).run<OffsetCommitRequest, OffsetCommitResponse>(8, 9, {
      groupId: 'other',
      topics: [committing('orders-eu', [0, 1])],
    })
    expect(out.local().topics[0]?.partitions.map((p) => p.errorCode)).toEqual([30, 30])
  })

  it('v10: topics by id', () => {
    const h = harness(rules)
    h.topicNames.learn(ID_ORDERS, 'orders-eu')
    const ok = h.run(8, 10, { groupId: 'app-1', topics: [committing('', [0], ID_ORDERS)] })
    expect(ok.decision).toEqual({ kind: 'forward', changed: false })
    const unknown = h.run<OffsetCommitRequest, OffsetCommitResponse>(8, 10, {
      groupId: 'app-1',
      topics: [committing('', [0], 'AAAAAAAAAAAAAAAAAAAAAg')],
    })
    expect(unknown.local().topics[0]?.partitions[0]?.errorCode).toBe(100)
  })
})

describe('OffsetFetch', () => {
  it.each([1, 5, 7])('v%i: named topics, describe', (v) => {
    const out = harness(rules).run<OffsetFetchRequest, OffsetFetchResponse>(9, v, {
      groupId: 'app-1',
      topics: [
        { name: 'orders-eu', partitionIndexes: [0] },
        { name: 'secret', partitionIndexes: [2] },
      ],
    })
    expect(out.sent().topics?.map((t) => t.name)).toEqual(['orders-eu'])
    const answer = out.answer({
      topics: [{ name: 'orders-eu', partitions: [{ partitionIndex: 0, committedOffset: 9n }] }],
    })
    expect(answer.topics.map((t) => [t.name, t.partitions[0]?.errorCode])).toEqual([
      ['orders-eu', 0],
      ['secret', 29],
    ])
  })

  it('v2-7: all topics leaves out the invisible ones', () => {
    const out = harness(rules).run<OffsetFetchRequest, OffsetFetchResponse>(9, 7, {
      groupId: 'app-1',
      topics: null,
    })
    const answer = out.answer({ topics: [{ name: 'orders-eu' }, { name: 'secret' }] })
    expect(answer.topics.map((t) => t.name)).toEqual(['orders-eu'])
  })

  it('v0-7: a refused group answers 30 at the top and on every partition', () => {
    const out = harness(rules).run<OffsetFetchRequest, OffsetFetchResponse>(9, 6, {
      groupId: 'other',
      topics: [{ name: 'orders-eu', partitionIndexes: [0, 1] }],
    })
    const local = out.local()
    expect(local.errorCode).toBe(30)
    expect(local.topics[0]?.partitions.map((p) => p.errorCode)).toEqual([30, 30])
  })

  it('v8+: several groups: refused groups, refused topics and all-topics filtering together', () => {
    const out = harness(rules).run<OffsetFetchRequest, OffsetFetchResponse>(9, 9, {
      groups: [
        {
          groupId: 'app-1',
          topics: [
            { name: 'orders-eu', partitionIndexes: [0] },
            { name: 'secret', partitionIndexes: [1] },
          ],
        },
        { groupId: 'app-2', topics: null },
        { groupId: 'other', topics: [{ name: 'orders-eu', partitionIndexes: [0] }] },
      ],
    })
    const sent = out.sent()
    expect(sent.groups.map((g) => [g.groupId, g.topics?.map((t) => t.name) ?? null])).toEqual([
      ['app-1', ['orders-eu']],
      ['app-2', null],
    ])
    const answer = out.answer({
      groups: [
        { groupId: 'app-1', topics: [{ name: 'orders-eu', partitions: [{ partitionIndex: 0 }] }] },
        { groupId: 'app-2', topics: [{ name: 'orders-us' }, { name: 'secret' }] },
      ],
    })
    expect(
      answer.groups.map((g) => [
        g.groupId,
        g.errorCode,
        g.topics.map((t) => [t.name, t.partitions.map((p) => p.errorCode)]),
      ])
    ).toEqual([
      [
        'app-1',
        0,
        [
          ['orders-eu', [0]],
          ['secret', [29]],
        ],
      ],
      ['app-2', 0, [['orders-us', []]]],
      ['other', 30, [['orders-eu', [30]]]],
    ])
  })

  it('v8+: every group refused is answered here', () => {
    const out = harness(rules).run<OffsetFetchRequest, OffsetFetchResponse>(9, 8, {
      groups: [{ groupId: 'other', topics: null }],
    })
    expect(out.local().groups).toEqual([{ groupId: 'other', topics: [], errorCode: 30 }])
  })

  it('v8+: a request with nothing to hide goes on untouched', () => {
    const out = harness(rules).run(9, 9, {
      groups: [{ groupId: 'app-1', topics: [{ name: 'orders-eu', partitionIndexes: [0] }] }],
    })
    expect(out.decision).toEqual({ kind: 'forward', changed: false })
  })
})

describe('OffsetDelete', () => {
  it('takes the group manage and the topics consume', () => {
    const h = harness(rules)
    const refused = h.run<OffsetDeleteRequest, OffsetDeleteResponse>(47, 0, {
      groupId: 'app-1',
      topics: [{ name: 'orders-eu', partitions: [{ partitionIndex: 0 }] }],
    })
    expect(refused.local()).toMatchObject({
      errorCode: 30,
      topics: [{ name: 'orders-eu', partitions: [{ partitionIndex: 0, errorCode: 30 }] }],
    })
    const out = h.run<OffsetDeleteRequest, OffsetDeleteResponse>(47, 0, {
      groupId: 'app-admin',
      topics: [
        { name: 'orders-eu', partitions: [{ partitionIndex: 0 }] },
        { name: 'secret', partitions: [{ partitionIndex: 0 }] },
      ],
    })
    expect(out.sent().topics.map((t) => t.name)).toEqual(['orders-eu'])
    const answer = out.answer({
      topics: [{ name: 'orders-eu', partitions: [{ partitionIndex: 0 }] }],
    })
    expect(answer.topics.map((t) => [t.name, t.partitions[0]?.errorCode])).toEqual([
      ['orders-eu', 0],
      ['secret', 29],
    ])
  })
})
