// Refusals of the transaction APIs, in the shape of each response (every partition, and the
// top-level error where the response has one).
import {
  apis,
  type AddOffsetsToTxnRequest,
  type AddOffsetsToTxnResponse,
  type AddPartitionsToTxnRequest,
  type AddPartitionsToTxnResponse,
  type DescribeTransactionsRequest,
  type DescribeTransactionsResponse,
  type EndTxnRequest,
  type EndTxnResponse,
  type InitProducerIdRequest,
  type InitProducerIdResponse,
  type TxnOffsetCommitRequest,
  type TxnOffsetCommitResponse,
} from '../../../protocol/index.ts'

type TxnTopic = AddPartitionsToTxnRequest['v3AndBelowTopics'][number]
type TxnTopicResult = AddPartitionsToTxnResponse['resultsByTopicV3AndBelow'][number]

export function initProducerIdError(
  _r: InitProducerIdRequest,
  _v: number,
  code: number
): InitProducerIdResponse {
  return { ...apis.initProducerId.defaultResponse(), errorCode: code, producerEpoch: -1 }
}

export function txnTopicError(topic: TxnTopic, code: number): TxnTopicResult {
  return {
    name: topic.name,
    resultsByPartition: topic.partitions.map((partitionIndex) => ({
      partitionIndex,
      partitionErrorCode: code,
    })),
  }
}

/** v0-3 add one transaction's partitions; v4+ (brokers verifying) several transactions. */
export function addPartitionsToTxnResponse(
  version: number,
  topics: TxnTopicResult[],
  byTransaction: AddPartitionsToTxnResponse['resultsByTransaction'] = [],
  code = 0
): AddPartitionsToTxnResponse {
  const body = apis.addPartitionsToTxn.defaultResponse()
  if (version >= 4) return { ...body, errorCode: code, resultsByTransaction: byTransaction }
  return { ...body, resultsByTopicV3AndBelow: topics }
}

export function addPartitionsToTxnError(
  request: AddPartitionsToTxnRequest,
  version: number,
  code: number
): AddPartitionsToTxnResponse {
  const topics = request.v3AndBelowTopics.map((t) => txnTopicError(t, code))
  const byTransaction = request.transactions.map((tx) => ({
    transactionalId: tx.transactionalId,
    topicResults: tx.topics.map((t) => txnTopicError(t, code)),
  }))
  return addPartitionsToTxnResponse(version, topics, byTransaction, code)
}

export function addOffsetsToTxnError(
  _r: AddOffsetsToTxnRequest,
  _v: number,
  code: number
): AddOffsetsToTxnResponse {
  return { ...apis.addOffsetsToTxn.defaultResponse(), errorCode: code }
}

export function endTxnError(_r: EndTxnRequest, _v: number, code: number): EndTxnResponse {
  return { ...apis.endTxn.defaultResponse(), errorCode: code, producerId: -1n, producerEpoch: -1 }
}

export function txnOffsetCommitTopicError(
  topic: TxnOffsetCommitRequest['topics'][number],
  code: number
): TxnOffsetCommitResponse['topics'][number] {
  return {
    name: topic.name,
    partitions: topic.partitions.map((p) => ({
      partitionIndex: p.partitionIndex,
      errorCode: code,
    })),
  }
}

export function txnOffsetCommitResponse(
  topics: TxnOffsetCommitResponse['topics']
): TxnOffsetCommitResponse {
  return { ...apis.txnOffsetCommit.defaultResponse(), topics }
}

export function txnOffsetCommitError(request: TxnOffsetCommitRequest, _v: number, code: number) {
  return txnOffsetCommitResponse(request.topics.map((t) => txnOffsetCommitTopicError(t, code)))
}

export function transactionStateError(
  transactionalId: string,
  code: number
): DescribeTransactionsResponse['transactionStates'][number] {
  return {
    errorCode: code,
    transactionalId,
    transactionState: '',
    transactionTimeoutMs: 0,
    transactionStartTimeMs: -1n,
    producerId: -1n,
    producerEpoch: -1,
    topics: [],
  }
}

export function describeTransactionsResponse(
  states: DescribeTransactionsResponse['transactionStates']
): DescribeTransactionsResponse {
  return { ...apis.describeTransactions.defaultResponse(), transactionStates: states }
}

export function describeTransactionsError(
  request: DescribeTransactionsRequest,
  _v: number,
  code: number
) {
  return describeTransactionsResponse(
    request.transactionalIds.map((id) => transactionStateError(id, code))
  )
}
