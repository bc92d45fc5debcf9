// Transactions: the transactional-id resource (produce to run one, describe to look), refused
// with TRANSACTIONAL_ID_AUTHORIZATION_FAILED; what a transaction touches needs its own rights.
import { describe, expect, it } from 'vitest'
import type {
  AddOffsetsToTxnResponse,
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnResponse,
  DescribeTransactionsRequest,
  DescribeTransactionsResponse,
  EndTxnResponse,
  InitProducerIdResponse,
  ListTransactionsResponse,
  TxnOffsetCommitRequest,
  TxnOffsetCommitResponse,
} from '../../../src/protocol/index.ts'
import { allow, harness } from './support.ts'

const rules = [
  allow('transactional-id', ['tx-*'], ['produce']),
  allow('transactional-id', ['audit-*'], ['describe']),
  allow('topic', ['orders-*'], ['produce', 'consume']),
  allow('group', ['app-*'], ['consume']),
]

describe('InitProducerId', () => {
  it.each([0, 3, 5])('v%i: a transactional id takes produce; none (idempotence) goes on', (v) => {
    const h = harness(rules)
    expect(h.run(22, v, { transactionalId: null }).decision.kind).toBe('forward')
    expect(h.run(22, v, { transactionalId: 'tx-1' }).decision.kind).toBe('forward')
    const refused = h.run<unknown, InitProducerIdResponse>(22, v, { transactionalId: 'audit-1' })
    expect(refused.local()).toMatchObject({ errorCode: 53, producerId: -1n, producerEpoch: -1 })
  })
})

describe('AddPartitionsToTxn', () => {
  it.each([0, 3])('v%i: all or nothing, as Kafka: 29 for refused topics, 55 for the rest', (v) => {
    const h = harness(rules)
    const topics = [
      { name: 'orders-eu', partitions: [0, 1] },
      { name: 'secret', partitions: [2] },
    ]
    const out = h.run<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>(24, v, {
      v3AndBelowTransactionalId: 'tx-1',
      v3AndBelowTopics: topics,
    })
    expect(
      out
        .local()
        .resultsByTopicV3AndBelow.map((t) => [
          t.name,
          t.resultsByPartition.map((p) => p.partitionErrorCode),
        ])
    ).toEqual([
      ['orders-eu', [55, 55]],
      ['secret', [29]],
    ])
    const txn = h.run<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>(24, v, {
      v3AndBelowTransactionalId: 'other',
      v3AndBelowTopics: topics.slice(0, 1),
    })
    expect(txn.local().resultsByTopicV3AndBelow[0]?.resultsByPartition[0]?.partitionErrorCode).toBe(
      53
    )
    const ok = h.run(24, v, {
      v3AndBelowTransactionalId: 'tx-1',
      v3AndBelowTopics: topics.slice(0, 1),
    })
    expect(ok.decision).toEqual({ kind: 'forward', changed: false })
  })

  it('v4+: brokers verifying transactions only (31)', () => {
    const out = harness(rules).run<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>(24, 5, {
      transactions: [{ transactionalId: 'tx-1', topics: [{ name: 'orders-eu', partitions: [0] }] }],
    })
    const local = out.local()
    expect(local.errorCode).toBe(31)
    expect(local.resultsByTransaction[0]?.topicResults[0]?.resultsByPartition[0]).toEqual({
      partitionIndex: 0,
      partitionErrorCode: 31,
    })
  })
})

describe('AddOffsetsToTxn and EndTxn', () => {
  it('AddOffsetsToTxn: the transactional id produce, then the group consume', () => {
    const h = harness(rules)
    expect(h.run(25, 4, { transactionalId: 'tx-1', groupId: 'app-1' }).decision.kind).toBe(
      'forward'
    )
    const txn = h.run<unknown, AddOffsetsToTxnResponse>(25, 4, {
      transactionalId: 'x',
      groupId: 'app-1',
    })
    expect(txn.local().errorCode).toBe(53)
    const group = h.run<unknown, AddOffsetsToTxnResponse>(25, 0, {
      transactionalId: 'tx-1',
      groupId: 'other',
    })
    expect(group.local().errorCode).toBe(30)
  })

  it.each([0, 5])('EndTxn v%i', (v) => {
    const h = harness(rules)
    expect(h.run(26, v, { transactionalId: 'tx-1' }).decision.kind).toBe('forward')
    expect(h.run<unknown, EndTxnResponse>(26, v, { transactionalId: 'x' }).local().errorCode).toBe(
      53
    )
  })
})

describe('TxnOffsetCommit', () => {
  const topics = [
    { name: 'orders-eu', partitions: [{ partitionIndex: 0, committedOffset: 1n }] },
    { name: 'secret', partitions: [{ partitionIndex: 1, committedOffset: 1n }] },
  ]

  it.each([0, 3, 5])('v%i: transactional id, group, then topics', (v) => {
    const h = harness(rules)
    const out = h.run<TxnOffsetCommitRequest, TxnOffsetCommitResponse>(28, v, {
      transactionalId: 'tx-1',
      groupId: 'app-1',
      topics,
    })
    expect(out.sent().topics.map((t) => t.name)).toEqual(['orders-eu'])
    const answer = out.answer({
      topics: [{ name: 'orders-eu', partitions: [{ partitionIndex: 0 }] }],
    })
    expect(answer.topics.map((t) => [t.name, t.partitions[0]?.errorCode])).toEqual([
      ['orders-eu', 0],
      ['secret', 29],
    ])
    const txn = h.run<TxnOffsetCommitRequest, TxnOffsetCommitResponse>(28, v, {
      transactionalId: 'x',
      groupId: 'app-1',
      topics,
    })
    expect(txn.local().topics.flatMap((t) => t.partitions.map((p) => p.errorCode))).toEqual([
      53, 53,
    ])
    const group = h.run<TxnOffsetCommitRequest, TxnOffsetCommitResponse>(28, v, {
      transactionalId: 'tx-1',
      groupId: 'other',
      topics,
    })
    expect(group.local().topics.flatMap((t) => t.partitions.map((p) => p.errorCode))).toEqual([
      30, 30,
    ])
  })
})

describe('describing transactions', () => {
  it('DescribeTransactions: ids describe (produce implies it); invisible topics left out', () => {
    const out = harness(rules).run<DescribeTransactionsRequest, DescribeTransactionsResponse>(
      65,
      0,
      {
        transactionalIds: ['tx-1', 'audit-2', 'other'],
      }
    )
    expect(out.sent().transactionalIds).toEqual(['tx-1', 'audit-2'])
    const answer = out.answer({
      transactionStates: [
        {
          transactionalId: 'tx-1',
          transactionState: 'Ongoing',
          topics: [
            { topic: 'orders-eu', partitions: [0] },
            { topic: 'secret', partitions: [1] },
          ],
        },
        { transactionalId: 'audit-2', transactionState: 'Empty' },
      ],
    })
    expect(
      answer.transactionStates.map((s) => [
        s.transactionalId,
        s.errorCode,
        s.topics.map((t) => t.topic),
      ])
    ).toEqual([
      ['tx-1', 0, ['orders-eu']],
      ['audit-2', 0, []],
      ['other', 53, []],
    ])
  })

  it('ListTransactions: only the ids the principal may describe', () => {
    const out = harness(rules).run<unknown, ListTransactionsResponse>(66, 1, {})
    const answer = out.answer({
      transactionStates: [
        { transactionalId: 'tx-1' },
        { transactionalId: 'other' },
        { transactionalId: 'audit-9' },
      ],
    })
    expect(answer.transactionStates.map((s) => s.transactionalId)).toEqual(['tx-1', 'audit-9'])
  })
})
