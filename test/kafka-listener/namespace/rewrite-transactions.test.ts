// Transactions and producers: transactional ids wherever they appear, the topics and groups a
// transaction touches, and the listings that must show one tenant's transactions only.
import { describe, expect, it } from 'vitest'
import { rewriteRequest, rewriteResponse } from '../../../src/kafka-listener/namespace/index.ts'
import type {
  AddOffsetsToTxnRequest,
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnResponse,
  DescribeProducersRequest,
  DescribeProducersResponse,
  DescribeTransactionsRequest,
  DescribeTransactionsResponse,
  EndTxnRequest,
  InitProducerIdRequest,
  ListTransactionsRequest,
  ListTransactionsResponse,
  TxnOffsetCommitRequest,
  TxnOffsetCommitResponse,
} from '../../../src/protocol/index.ts'
import { acme, acmeVisible, request, response } from './messages.ts'

describe('a transaction', () => {
  it('InitProducerId maps the transactional id and leaves idempotent producers (null) alone', () => {
    const body = request<InitProducerIdRequest>(22, 5, { transactionalId: 'tx-1' })
    rewriteRequest(22, 5, body, acme)
    expect(body.transactionalId).toBe('acme.tx-1')
    const idempotent = request<InitProducerIdRequest>(22, 5, { transactionalId: null })
    expect(rewriteRequest(22, 5, idempotent, acme).changed).toBe(false)
  })

  it('AddPartitionsToTxn v3 maps the id and topics', () => {
    const body = request<AddPartitionsToTxnRequest>(24, 3, {
      v3AndBelowTransactionalId: 'tx-1',
      v3AndBelowTopics: [{ name: 'orders', partitions: [0] }],
    })
    rewriteRequest(24, 3, body, acme)
    expect(body.v3AndBelowTransactionalId).toBe('acme.tx-1')
    expect(body.v3AndBelowTopics[0]?.name).toBe('acme.orders')
    const res = response<AddPartitionsToTxnResponse>(24, 3, {
      resultsByTopicV3AndBelow: [{ name: 'acme.orders' }],
    })
    rewriteResponse(24, 3, res, acme)
    expect(res.resultsByTopicV3AndBelow[0]?.name).toBe('orders')
  })

  it('AddPartitionsToTxn v4+ maps every batched transaction and its topics', () => {
    const body = request<AddPartitionsToTxnRequest>(24, 5, {
      transactions: [
        { transactionalId: 'tx-1', topics: [{ name: 'orders', partitions: [0] }] },
        { transactionalId: 'tx-2', topics: [{ name: 'ref.fx', partitions: [1] }] },
      ],
    })
    rewriteRequest(24, 5, body, acme)
    expect(body.transactions.map((t) => [t.transactionalId, t.topics[0]?.name])).toEqual([
      ['acme.tx-1', 'acme.orders'],
      ['acme.tx-2', 'ref.fx'],
    ])
    const res = response<AddPartitionsToTxnResponse>(24, 5, {
      resultsByTransaction: [
        { transactionalId: 'acme.tx-1', topicResults: [{ name: 'acme.orders' }] },
      ],
    })
    rewriteResponse(24, 5, res, acme)
    expect(res.resultsByTransaction[0]?.transactionalId).toBe('tx-1')
    expect(res.resultsByTransaction[0]?.topicResults[0]?.name).toBe('orders')
  })

  it('AddOffsetsToTxn maps both the transaction and the group; EndTxn the transaction', () => {
    const add = request<AddOffsetsToTxnRequest>(25, 4, {
      transactionalId: 'tx-1',
      groupId: 'shared-audit',
    })
    rewriteRequest(25, 4, add, acme)
    expect([add.transactionalId, add.groupId]).toEqual(['acme.tx-1', 'shared-audit'])
    const end = request<EndTxnRequest>(26, 5, { transactionalId: 'tx-1', committed: true })
    rewriteRequest(26, 5, end, acme)
    expect(end.transactionalId).toBe('acme.tx-1')
  })

  it('TxnOffsetCommit maps the transaction, the group and the topics', () => {
    const body = request<TxnOffsetCommitRequest>(28, 5, {
      transactionalId: 'tx-1',
      groupId: 'billing',
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 3n }] }],
    })
    rewriteRequest(28, 5, body, acme)
    expect([body.transactionalId, body.groupId, body.topics[0]?.name]).toEqual([
      'acme.tx-1',
      'acme.billing',
      'acme.orders',
    ])
    const res = response<TxnOffsetCommitResponse>(28, 5, { topics: [{ name: 'acme.orders' }] })
    rewriteResponse(28, 5, res, acme)
    expect(res.topics[0]?.name).toBe('orders')
  })

  it("reports another tenant's transactional id when the prefix is visible", () => {
    const body = request<EndTxnRequest>(26, 5, { transactionalId: 'globex.tx' })
    expect(rewriteRequest(26, 5, body, acmeVisible).outside).toEqual([
      { kind: 'transactionalId', name: 'globex.tx' },
    ])
  })
})

describe('describing producers and transactions', () => {
  it('DescribeProducers maps its topics both ways', () => {
    const body = request<DescribeProducersRequest>(61, 0, {
      topics: [{ name: 'orders', partitionIndexes: [0] }],
    })
    rewriteRequest(61, 0, body, acme)
    expect(body.topics[0]?.name).toBe('acme.orders')
    const res = response<DescribeProducersResponse>(61, 0, {
      topics: [{ name: 'acme.orders', partitions: [{ partitionIndex: 0 }] }],
    })
    rewriteResponse(61, 0, res, acme)
    expect(res.topics[0]?.name).toBe('orders')
  })

  it('DescribeTransactions maps ids asked for, and ids and topics described', () => {
    const body = request<DescribeTransactionsRequest>(65, 0, { transactionalIds: ['tx-1'] })
    rewriteRequest(65, 0, body, acme)
    expect(body.transactionalIds).toEqual(['acme.tx-1'])
    const res = response<DescribeTransactionsResponse>(65, 0, {
      transactionStates: [
        {
          transactionalId: 'acme.tx-1',
          topics: [
            { topic: 'acme.orders', partitions: [0] },
            { topic: 'ref.fx', partitions: [] },
          ],
        },
        { transactionalId: 'globex.tx' },
      ],
    })
    rewriteResponse(65, 0, res, acme)
    expect(res.transactionStates.map((t) => t.transactionalId)).toEqual(['tx-1'])
    expect(res.transactionStates[0]?.topics.map((t) => t.topic)).toEqual(['orders', 'ref.fx'])
  })

  it("ListTransactions shows the tenant's transactions only and confines the id pattern", () => {
    const body = request<ListTransactionsRequest>(66, 2, { transactionalIdPattern: 'tx-.*' })
    rewriteRequest(66, 2, body, acme)
    expect(body.transactionalIdPattern).toBe('acme\\.(?:tx-.*)')
    const all = request<ListTransactionsRequest>(66, 2, { transactionalIdPattern: null })
    expect(rewriteRequest(66, 2, all, acme).changed).toBe(false)

    const res = response<ListTransactionsResponse>(66, 2, {
      transactionStates: [
        { transactionalId: 'acme.tx-1', transactionState: 'Ongoing' },
        { transactionalId: 'globex.tx-1', transactionState: 'Ongoing' },
        { transactionalId: 'shared-audit', transactionState: 'Empty' },
      ],
    })
    rewriteResponse(66, 2, res, acme)
    // Groups may be shared, transactions never: `shared-audit` is no transaction of this tenant's.
    expect(res.transactionStates.map((t) => t.transactionalId)).toEqual(['tx-1'])
  })
})
