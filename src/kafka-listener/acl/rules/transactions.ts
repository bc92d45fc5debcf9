// Transactions: the transactional-id resource, `produce` to run a transaction (Kafka's WRITE)
// and `describe` to look at one, refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED. What a
// transaction touches needs its own rights too: topics `produce` to add partitions, the group
// `consume` and topics `consume` to commit offsets in it.
import type {
  AddOffsetsToTxnRequest,
  AddPartitionsToTxnRequest,
  DescribeTransactionsRequest,
  DescribeTransactionsResponse,
  EndTxnRequest,
  InitProducerIdRequest,
  ListTransactionsRequest,
  ListTransactionsResponse,
  TxnOffsetCommitRequest,
  TxnOffsetCommitResponse,
} from '../../../protocol/index.ts'
import {
  CLUSTER_AUTHORIZATION_FAILED,
  GROUP_AUTHORIZATION_FAILED,
  OPERATION_NOT_ATTEMPTED,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
} from '../error-codes.ts'
import {
  addOffsetsToTxnError,
  addPartitionsToTxnError,
  addPartitionsToTxnResponse,
  describeTransactionsResponse,
  endTxnError,
  initProducerIdError,
  transactionStateError,
  txnOffsetCommitError,
  txnOffsetCommitResponse,
  txnOffsetCommitTopicError,
  txnTopicError,
} from '../responses/transactions.ts'
import {
  alsoEdit,
  forwardAsIs,
  refuseEntries,
  refusals,
  respond,
  topicVerdict,
  watched,
  type Rule,
  type RuleContext,
} from './context.ts'
import { mayGroup } from './groups.ts'

const TXN = TRANSACTIONAL_ID_AUTHORIZATION_FAILED

function mayWrite(ctx: RuleContext, transactionalId: string): boolean {
  return ctx.access.may('transactional-id', 'produce', transactionalId)
}

/**
 * A null transactional id is an idempotent producer's: Kafka asks IDEMPOTENT_WRITE on the cluster
 * (or WRITE on any topic), which no Weir resource stands for; its records are checked per topic
 * on Produce, so it goes on.
 */
export const initProducerId: Rule<InitProducerIdRequest> = (request, ctx) => {
  const txn = request.transactionalId
  if (txn === null || mayWrite(ctx, txn)) return forwardAsIs
  return respond(initProducerIdError(request, ctx.version, TXN))
}

/**
 * All or nothing, as in Kafka: a refused topic answers TOPIC_AUTHORIZATION_FAILED and every other
 * partition OPERATION_NOT_ATTEMPTED. v4+ (several transactions, to verify) is brokers' only.
 */
export const addPartitionsToTxn: Rule<AddPartitionsToTxnRequest> = (request, ctx) => {
  const { version } = ctx
  if (version >= 4) {
    return respond(addPartitionsToTxnError(request, version, CLUSTER_AUTHORIZATION_FAILED))
  }
  if (!mayWrite(ctx, request.v3AndBelowTransactionalId)) {
    return respond(addPartitionsToTxnError(request, version, TXN))
  }
  const topics = request.v3AndBelowTopics
  const refused = refusals(topics, (t) => topicVerdict(ctx, 'produce', t.name))
  if (refused.length === 0) return forwardAsIs
  const codes = new Map(refused.map((r) => [r.entry, r.code]))
  const results = topics.map((t) => txnTopicError(t, codes.get(t) ?? OPERATION_NOT_ATTEMPTED))
  return respond(addPartitionsToTxnResponse(version, results))
}

export const addOffsetsToTxn: Rule<AddOffsetsToTxnRequest> = (request, ctx) => {
  if (!mayWrite(ctx, request.transactionalId)) {
    return respond(addOffsetsToTxnError(request, ctx.version, TXN))
  }
  if (!mayGroup(ctx.access, 'consume', request.groupId)) {
    return respond(addOffsetsToTxnError(request, ctx.version, GROUP_AUTHORIZATION_FAILED))
  }
  return forwardAsIs
}

export const endTxn: Rule<EndTxnRequest> = (request, ctx) =>
  mayWrite(ctx, request.transactionalId)
    ? forwardAsIs
    : respond(endTxnError(request, ctx.version, TXN))

export const txnOffsetCommit: Rule<TxnOffsetCommitRequest> = (request, ctx) => {
  const { version } = ctx
  if (!mayWrite(ctx, request.transactionalId)) {
    return respond(txnOffsetCommitError(request, version, TXN))
  }
  if (!mayGroup(ctx.access, 'consume', request.groupId)) {
    return respond(txnOffsetCommitError(request, version, GROUP_AUTHORIZATION_FAILED))
  }
  return refuseEntries(request.topics, (t) => topicVerdict(ctx, 'consume', t.name), {
    keep: (kept) => (request.topics = kept),
    error: txnOffsetCommitTopicError,
    answer: txnOffsetCommitResponse,
    into: (response: TxnOffsetCommitResponse) => response.topics,
  })
}

/** Transactional ids `describe`; the topics a transaction touches are shown only if visible. */
export const describeTransactions: Rule<DescribeTransactionsRequest> = (request, ctx) => {
  const { access } = ctx
  const decision = refuseEntries(
    request.transactionalIds,
    (id) => (access.sees('transactional-id', id) ? 0 : TXN),
    {
      keep: (kept) => (request.transactionalIds = kept),
      error: transactionStateError,
      answer: describeTransactionsResponse,
      into: (response: DescribeTransactionsResponse) => response.transactionStates,
    }
  )
  return alsoEdit(decision, (response: DescribeTransactionsResponse) => {
    for (const state of response.transactionStates) {
      state.topics = state.topics.filter((t) => access.sees('topic', t.topic))
    }
  })
}

/** Lists only the transactional ids the principal may describe, as Kafka does. */
export const listTransactions: Rule<ListTransactionsRequest> = (_request, ctx) =>
  watched((response: ListTransactionsResponse) => {
    response.transactionStates = response.transactionStates.filter((s) =>
      ctx.access.sees('transactional-id', s.transactionalId)
    )
  })
