// Refusals of the data path, in the shape of each response: Produce, Fetch, ListOffsets,
// OffsetForLeaderEpoch, and the topic views (Metadata, DescribeTopicPartitions, DescribeProducers).
// Entry builders answer one refused topic (merged into the broker's response); the whole-response
// builders answer a request refused entirely, every partition with the code.
import {
  apis,
  ZERO_UUID,
  type DescribeProducersRequest,
  type DescribeProducersResponse,
  type DescribeTopicPartitionsRequest,
  type DescribeTopicPartitionsResponse,
  type FetchRequest,
  type FetchResponse,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  type MetadataResponse,
  type OffsetForLeaderEpochRequest,
  type OffsetForLeaderEpochResponse,
  type ProduceRequest,
  type ProduceResponse,
} from '../../../protocol/index.ts'
import {
  defaultMetadataResponseTopic,
  defaultPartitionData,
  defaultPartitionProduceResponse,
} from '../../../protocol/message-parts.ts'
import { NO_AUTHORIZED_OPERATIONS } from '../error-codes.ts'

type ProduceTopic = ProduceRequest['topicData'][number]
type FetchTopic = FetchRequest['topics'][number]
type ListOffsetsTopic = ListOffsetsRequest['topics'][number]
type EpochTopic = OffsetForLeaderEpochRequest['topics'][number]

export function produceTopicError(
  topic: ProduceTopic,
  code: number
): ProduceResponse['responses'][number] {
  return {
    name: topic.name,
    topicId: topic.topicId,
    partitionResponses: topic.partitionData.map((p) => ({
      ...defaultPartitionProduceResponse(),
      index: p.index,
      errorCode: code,
      baseOffset: -1n,
    })),
  }
}

export function produceResponse(topics: ProduceResponse['responses']): ProduceResponse {
  return { ...apis.produce.defaultResponse(), responses: topics }
}

export function produceError(request: ProduceRequest, _v: number, code: number): ProduceResponse {
  return produceResponse(request.topicData.map((t) => produceTopicError(t, code)))
}

/** Records are empty rather than null: some clients cannot read a null record set. */
export function fetchTopicError(
  topic: Pick<FetchTopic, 'topic' | 'topicId'>,
  partitions: Iterable<number>,
  code: number
): FetchResponse['responses'][number] {
  return {
    topic: topic.topic,
    topicId: topic.topicId,
    partitions: Array.from(partitions, (partition) => ({
      ...defaultPartitionData(),
      partitionIndex: partition,
      errorCode: code,
      highWatermark: -1n,
      records: Buffer.alloc(0),
    })),
  }
}

export function fetchResponse(topics: FetchResponse['responses']): FetchResponse {
  return { ...apis.fetch.defaultResponse(), responses: topics }
}

/**
 * The top-level error stays 0: Kafka keeps it for fetch-session errors, and a client that sees
 * one there resets its session without looking at the partitions that say why.
 */
export function fetchError(request: FetchRequest, _v: number, code: number): FetchResponse {
  return fetchResponse(
    request.topics.map((t) =>
      fetchTopicError(
        t,
        t.partitions.map((p) => p.partition),
        code
      )
    )
  )
}

export function listOffsetsTopicError(
  topic: ListOffsetsTopic,
  code: number
): ListOffsetsResponse['topics'][number] {
  return {
    name: topic.name,
    partitions: topic.partitions.map((p) => ({
      partitionIndex: p.partitionIndex,
      errorCode: code,
      timestamp: -1n,
      offset: -1n,
      leaderEpoch: -1,
    })),
  }
}

export function listOffsetsResponse(topics: ListOffsetsResponse['topics']): ListOffsetsResponse {
  return { ...apis.listOffsets.defaultResponse(), topics }
}

export function listOffsetsError(request: ListOffsetsRequest, _v: number, code: number) {
  return listOffsetsResponse(request.topics.map((t) => listOffsetsTopicError(t, code)))
}

export function epochTopicError(
  topic: EpochTopic,
  code: number
): OffsetForLeaderEpochResponse['topics'][number] {
  return {
    topic: topic.topic,
    partitions: topic.partitions.map((p) => ({
      errorCode: code,
      partition: p.partition,
      leaderEpoch: -1,
      endOffset: -1n,
    })),
  }
}

export function epochResponse(
  topics: OffsetForLeaderEpochResponse['topics']
): OffsetForLeaderEpochResponse {
  return { ...apis.offsetForLeaderEpoch.defaultResponse(), topics }
}

export function epochError(request: OffsetForLeaderEpochRequest, _v: number, code: number) {
  return epochResponse(request.topics.map((t) => epochTopicError(t, code)))
}

/** A topic Metadata answers with an error and nothing else (one the principal may not describe). */
export function metadataTopicError(
  name: string | null,
  topicId: string,
  code: number,
  version: number
): MetadataResponse['topics'][number] {
  // Names are nullable from v12 (a topic asked for by an unknown id has none).
  return {
    ...defaultMetadataResponseTopic(),
    errorCode: code,
    name: name ?? (version >= 12 ? null : ''),
    topicId,
  }
}

export function describeTopicPartitionsTopicError(
  name: string,
  code: number
): DescribeTopicPartitionsResponse['topics'][number] {
  return {
    errorCode: code,
    name,
    topicId: ZERO_UUID,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
  }
}

export function describeTopicPartitionsError(
  request: DescribeTopicPartitionsRequest,
  _v: number,
  code: number
): DescribeTopicPartitionsResponse {
  return {
    ...apis.describeTopicPartitions.defaultResponse(),
    topics: request.topics.map((t) => describeTopicPartitionsTopicError(t.name, code)),
  }
}

export function describeProducersTopicError(
  topic: DescribeProducersRequest['topics'][number],
  code: number
): DescribeProducersResponse['topics'][number] {
  return {
    name: topic.name,
    partitions: topic.partitionIndexes.map((partitionIndex) => ({
      partitionIndex,
      errorCode: code,
      errorMessage: null,
      activeProducers: [],
    })),
  }
}

export function describeProducersResponse(
  topics: DescribeProducersResponse['topics']
): DescribeProducersResponse {
  return { ...apis.describeProducers.defaultResponse(), topics }
}

export function describeProducersError(
  request: DescribeProducersRequest,
  _v: number,
  code: number
) {
  return describeProducersResponse(request.topics.map((t) => describeProducersTopicError(t, code)))
}
