// Refusals of the admin APIs, in the shape of each response: one result per topic or config
// resource the request named.
import {
  apis,
  ZERO_UUID,
  type AlterConfigsRequest,
  type AlterConfigsResponse,
  type CreatePartitionsRequest,
  type CreatePartitionsResponse,
  type CreateTopicsRequest,
  type CreateTopicsResponse,
  type DeleteRecordsRequest,
  type DeleteRecordsResponse,
  type DeleteTopicsRequest,
  type DeleteTopicsResponse,
  type DescribeConfigsRequest,
  type DescribeConfigsResponse,
  type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsResponse,
} from '../../../protocol/index.ts'

export function createTopicError(
  name: string,
  code: number
): CreateTopicsResponse['topics'][number] {
  return {
    name,
    topicId: ZERO_UUID,
    errorCode: code,
    errorMessage: null,
    topicConfigErrorCode: 0,
    numPartitions: -1,
    replicationFactor: -1,
    configs: null,
  }
}

export function createTopicsResponse(topics: CreateTopicsResponse['topics']): CreateTopicsResponse {
  return { ...apis.createTopics.defaultResponse(), topics }
}

export function createTopicsError(request: CreateTopicsRequest, _v: number, code: number) {
  return createTopicsResponse(request.topics.map((t) => createTopicError(t.name, code)))
}

/** v1-5 name topics; v6 names or ids (the name is nullable there). */
export function deleteTopicError(
  name: string | null,
  topicId: string,
  code: number
): DeleteTopicsResponse['responses'][number] {
  return { name, topicId, errorCode: code, errorMessage: null }
}

export function deleteTopicsResponse(
  results: DeleteTopicsResponse['responses']
): DeleteTopicsResponse {
  return { ...apis.deleteTopics.defaultResponse(), responses: results }
}

export function deleteTopicsError(request: DeleteTopicsRequest, version: number, code: number) {
  return deleteTopicsResponse(
    version >= 6
      ? request.topics.map((t) => deleteTopicError(t.name, t.topicId, code))
      : request.topicNames.map((name) => deleteTopicError(name, ZERO_UUID, code))
  )
}

export function createPartitionsError(
  request: CreatePartitionsRequest,
  _v: number,
  code: number
): CreatePartitionsResponse {
  return createPartitionsResponse(
    request.topics.map((t) => createPartitionsTopicError(t.name, code))
  )
}

export function createPartitionsTopicError(name: string, code: number) {
  return { name, errorCode: code, errorMessage: null }
}

export function createPartitionsResponse(
  results: CreatePartitionsResponse['results']
): CreatePartitionsResponse {
  return { ...apis.createPartitions.defaultResponse(), results }
}

export function deleteRecordsTopicError(
  topic: DeleteRecordsRequest['topics'][number],
  code: number
): DeleteRecordsResponse['topics'][number] {
  return {
    name: topic.name,
    partitions: topic.partitions.map((p) => ({
      partitionIndex: p.partitionIndex,
      lowWatermark: -1n,
      errorCode: code,
    })),
  }
}

export function deleteRecordsResponse(
  topics: DeleteRecordsResponse['topics']
): DeleteRecordsResponse {
  return { ...apis.deleteRecords.defaultResponse(), topics }
}

export function deleteRecordsError(request: DeleteRecordsRequest, _v: number, code: number) {
  return deleteRecordsResponse(request.topics.map((t) => deleteRecordsTopicError(t, code)))
}

interface ConfigResource {
  resourceType: number
  resourceName: string
}

export function describeConfigsResultError(
  resource: ConfigResource,
  code: number
): DescribeConfigsResponse['results'][number] {
  return {
    errorCode: code,
    errorMessage: null,
    resourceType: resource.resourceType,
    resourceName: resource.resourceName,
    configs: [],
  }
}

export function describeConfigsResponse(
  results: DescribeConfigsResponse['results']
): DescribeConfigsResponse {
  return { ...apis.describeConfigs.defaultResponse(), results }
}

export function describeConfigsError(request: DescribeConfigsRequest, _v: number, code: number) {
  return describeConfigsResponse(request.resources.map((r) => describeConfigsResultError(r, code)))
}

/** AlterConfigs and IncrementalAlterConfigs answer alike. */
export function alterConfigsResultError(
  resource: ConfigResource,
  code: number
): AlterConfigsResponse['responses'][number] {
  return {
    errorCode: code,
    errorMessage: null,
    resourceType: resource.resourceType,
    resourceName: resource.resourceName,
  }
}

export function alterConfigsResponse(
  results: AlterConfigsResponse['responses']
): AlterConfigsResponse & IncrementalAlterConfigsResponse {
  return { ...apis.alterConfigs.defaultResponse(), responses: results }
}

export function alterConfigsError(
  request: AlterConfigsRequest | IncrementalAlterConfigsRequest,
  _v: number,
  code: number
) {
  return alterConfigsResponse(request.resources.map((r) => alterConfigsResultError(r, code)))
}
