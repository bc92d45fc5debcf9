// The data path: Produce (topics `produce`, a transactional id `produce`), and the offset lookups
// a consumer makes besides fetching (ListOffsets, OffsetForLeaderEpoch: topics `describe`), and
// DescribeProducers (topics `describe`). Refused topics are taken out, answered with
// TOPIC_AUTHORIZATION_FAILED (UNKNOWN_TOPIC_ID for an id never seen), the rest goes on.
import type {
  DescribeProducersRequest,
  DescribeProducersResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse,
  ProduceRequest,
  ProduceResponse,
} from '../../../protocol/index.ts'
import { TRANSACTIONAL_ID_AUTHORIZATION_FAILED } from '../error-codes.ts'
import {
  describeProducersResponse,
  describeProducersTopicError,
  epochResponse,
  epochTopicError,
  listOffsetsResponse,
  listOffsetsTopicError,
  produceError,
  produceResponse,
  produceTopicError,
} from '../responses/data.ts'
import { topicsById } from '../../version-caps.ts'
import { refuseEntries, respond, topicName, topicVerdict, type Rule } from './context.ts'

/** v13 names topics by id. A transactional producer needs its transactional id first. */
export const produce: Rule<ProduceRequest> = (request, ctx) => {
  const txn = request.transactionalId
  if (txn !== null && !ctx.access.may('transactional-id', 'produce', txn)) {
    return respond(produceError(request, ctx.version, TRANSACTIONAL_ID_AUTHORIZATION_FAILED))
  }
  const byId = topicsById('produce', ctx.version)
  return refuseEntries(
    request.topicData,
    (t) => topicVerdict(ctx, 'produce', topicName(ctx, t.name, t.topicId, byId)),
    {
      keep: (kept) => (request.topicData = kept),
      error: produceTopicError,
      answer: produceResponse,
      into: (response: ProduceResponse) => response.responses,
    }
  )
}

export const listOffsets: Rule<ListOffsetsRequest> = (request, ctx) =>
  refuseEntries(request.topics, (t) => topicVerdict(ctx, 'describe', t.name), {
    keep: (kept) => (request.topics = kept),
    error: listOffsetsTopicError,
    answer: listOffsetsResponse,
    into: (response: ListOffsetsResponse) => response.topics,
  })

export const offsetForLeaderEpoch: Rule<OffsetForLeaderEpochRequest> = (request, ctx) =>
  refuseEntries(request.topics, (t) => topicVerdict(ctx, 'describe', t.topic), {
    keep: (kept) => (request.topics = kept),
    error: epochTopicError,
    answer: epochResponse,
    into: (response: OffsetForLeaderEpochResponse) => response.topics,
  })

/** Producer state of partitions (Kafka asks READ; Weir's `describe` covers what is shown). */
export const describeProducers: Rule<DescribeProducersRequest> = (request, ctx) =>
  refuseEntries(request.topics, (t) => topicVerdict(ctx, 'describe', t.name), {
    keep: (kept) => (request.topics = kept),
    error: describeProducersTopicError,
    answer: describeProducersResponse,
    into: (response: DescribeProducersResponse) => response.topics,
  })
