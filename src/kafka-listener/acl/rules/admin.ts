// Admin APIs: creating, deleting and reconfiguring topics needs `manage` (Kafka's CREATE, DELETE,
// ALTER, DESCRIBE_CONFIGS and ALTER_CONFIGS), refused per topic with TOPIC_AUTHORIZATION_FAILED.
// Config resources other than topics: a group's needs the group `manage`
// (GROUP_AUTHORIZATION_FAILED); the brokers', their loggers' and client metrics' belong to the
// shared backend, which no Weir resource stands for: always CLUSTER_AUTHORIZATION_FAILED.
import type {
  AlterConfigsRequest,
  AlterConfigsResponse,
  CreatePartitionsRequest,
  CreatePartitionsResponse,
  CreateTopicsRequest,
  CreateTopicsResponse,
  DeleteRecordsRequest,
  DeleteRecordsResponse,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  DescribeConfigsRequest,
  DescribeConfigsResponse,
  IncrementalAlterConfigsRequest,
} from '../../../protocol/index.ts'
import { ZERO_UUID } from '../../../protocol/index.ts'
import { CLUSTER_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED } from '../error-codes.ts'
import {
  alterConfigsResponse,
  alterConfigsResultError,
  createPartitionsResponse,
  createPartitionsTopicError,
  createTopicError,
  createTopicsResponse,
  deleteRecordsResponse,
  deleteRecordsTopicError,
  deleteTopicError,
  deleteTopicsResponse,
  describeConfigsResponse,
  describeConfigsResultError,
} from '../responses/admin.ts'
import { refuseEntries, topicName, topicVerdict, type Rule, type RuleContext } from './context.ts'

const TOPIC = 2
const GROUP = 32

export const createTopics: Rule<CreateTopicsRequest> = (request, ctx) =>
  refuseEntries(request.topics, (t) => topicVerdict(ctx, 'manage', t.name), {
    keep: (kept) => (request.topics = kept),
    error: (t, code) => createTopicError(t.name, code),
    answer: createTopicsResponse,
    into: (response: CreateTopicsResponse) => response.topics,
  })

/** v1-5 name topics; v6 by name or by id. */
export const deleteTopics: Rule<DeleteTopicsRequest> = (request, ctx) => {
  const how = {
    answer: deleteTopicsResponse,
    into: (response: DeleteTopicsResponse) => response.responses,
  }
  if (ctx.version < 6) {
    return refuseEntries(request.topicNames, (name) => topicVerdict(ctx, 'manage', name), {
      ...how,
      keep: (kept) => (request.topicNames = kept),
      error: (name, code) => deleteTopicError(name, ZERO_UUID, code),
    })
  }
  return refuseEntries(
    request.topics,
    (t) => topicVerdict(ctx, 'manage', topicName(ctx, t.name ?? '', t.topicId, t.name === null)),
    {
      ...how,
      keep: (kept) => (request.topics = kept),
      error: (t, code) => deleteTopicError(t.name, t.topicId, code),
    }
  )
}

export const createPartitions: Rule<CreatePartitionsRequest> = (request, ctx) =>
  refuseEntries(request.topics, (t) => topicVerdict(ctx, 'manage', t.name), {
    keep: (kept) => (request.topics = kept),
    error: (t, code) => createPartitionsTopicError(t.name, code),
    answer: createPartitionsResponse,
    into: (response: CreatePartitionsResponse) => response.results,
  })

export const deleteRecords: Rule<DeleteRecordsRequest> = (request, ctx) =>
  refuseEntries(request.topics, (t) => topicVerdict(ctx, 'manage', t.name), {
    keep: (kept) => (request.topics = kept),
    error: deleteRecordsTopicError,
    answer: deleteRecordsResponse,
    into: (response: DeleteRecordsResponse) => response.topics,
  })

function configVerdict(ctx: RuleContext) {
  return (resource: { resourceType: number; resourceName: string }) => {
    if (resource.resourceType === TOPIC) return topicVerdict(ctx, 'manage', resource.resourceName)
    if (resource.resourceType === GROUP) {
      const allowed = ctx.access.may('group', 'manage', resource.resourceName)
      return allowed ? 0 : GROUP_AUTHORIZATION_FAILED
    }
    return CLUSTER_AUTHORIZATION_FAILED
  }
}

export const describeConfigs: Rule<DescribeConfigsRequest> = (request, ctx) =>
  refuseEntries(request.resources, configVerdict(ctx), {
    keep: (kept) => (request.resources = kept),
    error: describeConfigsResultError,
    answer: describeConfigsResponse,
    into: (response: DescribeConfigsResponse) => response.results,
  })

/** AlterConfigs and IncrementalAlterConfigs: the same resources, answered alike. */
function configChange<R extends { resourceType: number; resourceName: string }>(): Rule<{
  resources: R[]
}> {
  return (request, ctx) =>
    refuseEntries(request.resources, configVerdict(ctx), {
      keep: (kept) => (request.resources = kept),
      error: alterConfigsResultError,
      answer: alterConfigsResponse,
      into: (response: AlterConfigsResponse) => response.responses,
    })
}

export const alterConfigs: Rule<AlterConfigsRequest> =
  configChange<AlterConfigsRequest['resources'][number]>()

export const incrementalAlterConfigs: Rule<IncrementalAlterConfigsRequest> =
  configChange<IncrementalAlterConfigsRequest['resources'][number]>()
