// Refusals of the consumer group APIs, in the shape of each response. A group refused whole is
// refused at every level its response has: the top-level error and each entry the request named
// (clients read the top level first; older versions have only the entries).
import {
  apis,
  type ConsumerGroupDescribeRequest,
  type ConsumerGroupDescribeResponse,
  type ConsumerGroupHeartbeatRequest,
  type ConsumerGroupHeartbeatResponse,
  type DeleteGroupsRequest,
  type DeleteGroupsResponse,
  type DescribeGroupsRequest,
  type DescribeGroupsResponse,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type LeaveGroupRequest,
  type LeaveGroupResponse,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type OffsetDeleteRequest,
  type OffsetDeleteResponse,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  type SyncGroupRequest,
  type SyncGroupResponse,
} from '../../../protocol/index.ts'
import { defaultDescribedGroup } from '../../../protocol/message-parts.ts'
import { NO_AUTHORIZED_OPERATIONS } from '../error-codes.ts'

export function coordinatorError(
  key: string,
  code: number
): FindCoordinatorResponse['coordinators'][number] {
  return { key, nodeId: -1, host: '', port: -1, errorCode: code, errorMessage: null }
}

/** v0-3 find one coordinator, v4+ a list of them. */
export function findCoordinatorError(
  request: FindCoordinatorRequest,
  version: number,
  code: number
): FindCoordinatorResponse {
  const body = apis.findCoordinator.defaultResponse()
  if (version >= 4) {
    body.coordinators = request.coordinatorKeys.map((key) => coordinatorError(key, code))
    return body
  }
  return { ...body, errorCode: code, errorMessage: null, nodeId: -1, host: '', port: -1 }
}

export function joinGroupError(_r: JoinGroupRequest, _v: number, code: number): JoinGroupResponse {
  return { ...apis.joinGroup.defaultResponse(), errorCode: code }
}

export function heartbeatError(_r: HeartbeatRequest, _v: number, code: number): HeartbeatResponse {
  return { ...apis.heartbeat.defaultResponse(), errorCode: code }
}

export function leaveGroupError(
  request: LeaveGroupRequest,
  version: number,
  code: number
): LeaveGroupResponse {
  const members =
    version < 3
      ? []
      : request.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          errorCode: code,
        }))
  return { ...apis.leaveGroup.defaultResponse(), errorCode: code, members }
}

export function syncGroupError(_r: SyncGroupRequest, _v: number, code: number): SyncGroupResponse {
  return { ...apis.syncGroup.defaultResponse(), errorCode: code }
}

export function describedGroupError(
  groupId: string,
  code: number
): DescribeGroupsResponse['groups'][number] {
  return {
    errorCode: code,
    errorMessage: null,
    groupId,
    groupState: '',
    protocolType: '',
    protocolData: '',
    members: [],
    authorizedOperations: NO_AUTHORIZED_OPERATIONS,
  }
}

export function describeGroupsResponse(
  groups: DescribeGroupsResponse['groups']
): DescribeGroupsResponse {
  return { ...apis.describeGroups.defaultResponse(), groups }
}

export function describeGroupsError(request: DescribeGroupsRequest, _v: number, code: number) {
  return describeGroupsResponse(request.groups.map((g) => describedGroupError(g, code)))
}

export function deletedGroupError(groupId: string, code: number) {
  return { groupId, errorCode: code }
}

export function deleteGroupsResponse(
  results: DeleteGroupsResponse['results']
): DeleteGroupsResponse {
  return { ...apis.deleteGroups.defaultResponse(), results }
}

export function deleteGroupsError(request: DeleteGroupsRequest, _v: number, code: number) {
  return deleteGroupsResponse(request.groupsNames.map((g) => deletedGroupError(g, code)))
}

export function offsetCommitTopicError(
  topic: OffsetCommitRequest['topics'][number],
  code: number
): OffsetCommitResponse['topics'][number] {
  return {
    name: topic.name,
    topicId: topic.topicId,
    partitions: topic.partitions.map((p) => ({
      partitionIndex: p.partitionIndex,
      errorCode: code,
    })),
  }
}

export function offsetCommitResponse(topics: OffsetCommitResponse['topics']): OffsetCommitResponse {
  return { ...apis.offsetCommit.defaultResponse(), topics }
}

export function offsetCommitError(request: OffsetCommitRequest, _v: number, code: number) {
  return offsetCommitResponse(request.topics.map((t) => offsetCommitTopicError(t, code)))
}

function offsetPartitionError(partitionIndex: number, code: number) {
  return {
    partitionIndex,
    committedOffset: -1n,
    committedLeaderEpoch: -1,
    metadata: '',
    errorCode: code,
  }
}

/** v0-7: one group's topics. */
export function offsetFetchTopicError(
  topic: NonNullable<OffsetFetchRequest['topics']>[number],
  code: number
): OffsetFetchResponse['topics'][number] {
  return {
    name: topic.name,
    partitions: topic.partitionIndexes.map((p) => offsetPartitionError(p, code)),
  }
}

/** v8+: a topic of one of the groups. */
export function offsetFetchGroupTopicError(
  topic: NonNullable<OffsetFetchRequest['groups'][number]['topics']>[number],
  code: number
): OffsetFetchResponse['groups'][number]['topics'][number] {
  return {
    name: topic.name,
    topicId: topic.topicId,
    partitions: topic.partitionIndexes.map((p) => offsetPartitionError(p, code)),
  }
}

/** v8+: a group refused whole. */
export function offsetFetchGroupError(
  group: OffsetFetchRequest['groups'][number],
  code: number
): OffsetFetchResponse['groups'][number] {
  return {
    groupId: group.groupId,
    topics: (group.topics ?? []).map((t) => offsetFetchGroupTopicError(t, code)),
    errorCode: code,
  }
}

export function offsetFetchError(
  request: OffsetFetchRequest,
  version: number,
  code: number
): OffsetFetchResponse {
  const body = apis.offsetFetch.defaultResponse()
  if (version >= 8) {
    body.groups = request.groups.map((g) => offsetFetchGroupError(g, code))
    return body
  }
  body.errorCode = code
  body.topics = (request.topics ?? []).map((t) => offsetFetchTopicError(t, code))
  return body
}

export function offsetDeleteTopicError(
  topic: OffsetDeleteRequest['topics'][number],
  code: number
): OffsetDeleteResponse['topics'][number] {
  return {
    name: topic.name,
    partitions: topic.partitions.map((p) => ({
      partitionIndex: p.partitionIndex,
      errorCode: code,
    })),
  }
}

export function offsetDeleteError(
  request: OffsetDeleteRequest,
  _v: number,
  code: number
): OffsetDeleteResponse {
  return {
    ...apis.offsetDelete.defaultResponse(),
    errorCode: code,
    topics: request.topics.map((t) => offsetDeleteTopicError(t, code)),
  }
}

export function consumerGroupHeartbeatError(
  _r: ConsumerGroupHeartbeatRequest,
  _v: number,
  code: number,
  message: string | null = null
): ConsumerGroupHeartbeatResponse {
  return {
    ...apis.consumerGroupHeartbeat.defaultResponse(),
    errorCode: code,
    errorMessage: message,
  }
}

export function consumerGroupError(
  groupId: string,
  code: number,
  message: string | null = null
): ConsumerGroupDescribeResponse['groups'][number] {
  return { ...defaultDescribedGroup(), errorCode: code, errorMessage: message, groupId }
}

export function consumerGroupDescribeResponse(
  groups: ConsumerGroupDescribeResponse['groups']
): ConsumerGroupDescribeResponse {
  return { ...apis.consumerGroupDescribe.defaultResponse(), groups }
}

export function consumerGroupDescribeError(
  request: ConsumerGroupDescribeRequest,
  _v: number,
  code: number
) {
  return consumerGroupDescribeResponse(request.groupIds.map((g) => consumerGroupError(g, code)))
}
