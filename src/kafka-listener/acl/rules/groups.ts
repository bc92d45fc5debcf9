// Consumer groups: the group resource, `consume` to take part (JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup, ConsumerGroupHeartbeat), `describe` to find or look at one (FindCoordinator,
// DescribeGroups, ConsumerGroupDescribe, ListGroups), `manage` to delete one (DeleteGroups), all
// refused with GROUP_AUTHORIZATION_FAILED. FindCoordinator also finds transaction coordinators
// (transactional-id `describe`, TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
import type { Operation } from '../../../core/policy-request.ts'
import type {
  ConsumerGroupDescribeRequest,
  ConsumerGroupDescribeResponse,
  ConsumerGroupHeartbeatRequest,
  DeleteGroupsRequest,
  DeleteGroupsResponse,
  DescribeGroupsRequest,
  DescribeGroupsResponse,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  ListGroupsRequest,
  ListGroupsResponse,
} from '../../../protocol/index.ts'
import {
  CLUSTER_AUTHORIZATION_FAILED,
  GROUP_AUTHORIZATION_FAILED,
  TOPIC_AUTHORIZATION_FAILED,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
} from '../error-codes.ts'
import type { Access } from '../access.ts'
import {
  consumerGroupDescribeResponse,
  consumerGroupError,
  consumerGroupHeartbeatError,
  coordinatorError,
  deletedGroupError,
  deleteGroupsResponse,
  describedGroupError,
  describeGroupsResponse,
  findCoordinatorError,
} from '../responses/groups.ts'
import {
  alsoEdit,
  forwardAsIs,
  refuseEntries,
  respond,
  watched,
  type Rule,
  type RuleContext,
} from './context.ts'

/** Whether the principal may `operation` the group (`describe`: or anything implying it). */
export function mayGroup(access: Access, operation: Operation, groupId: string): boolean {
  return operation === 'describe'
    ? access.sees('group', groupId)
    : access.may('group', operation, groupId)
}

function groupVerdict(ctx: RuleContext, operation: Operation) {
  return (groupId: string) =>
    mayGroup(ctx.access, operation, groupId) ? 0 : GROUP_AUTHORIZATION_FAILED
}

/** A request about one group, refused whole with `error` (a builder of responses/groups.ts). */
export function oneGroup<Req extends { groupId: string }>(
  operation: Operation,
  error: (request: Req, version: number, code: number) => unknown
): Rule<Req> {
  return (request, ctx) =>
    mayGroup(ctx.access, operation, request.groupId)
      ? forwardAsIs
      : respond(error(request, ctx.version, GROUP_AUTHORIZATION_FAILED))
}

/** Key type 0 is a group, 1 a transactional id; 2 (share coordinators) is for brokers only. */
export const findCoordinator: Rule<FindCoordinatorRequest> = (request, ctx) => {
  const keyType = ctx.version >= 1 ? request.keyType : 0
  const verdict = (key: string) => {
    if (keyType === 0) return ctx.access.sees('group', key) ? 0 : GROUP_AUTHORIZATION_FAILED
    if (keyType === 1) {
      return ctx.access.sees('transactional-id', key) ? 0 : TRANSACTIONAL_ID_AUTHORIZATION_FAILED
    }
    return CLUSTER_AUTHORIZATION_FAILED
  }
  if (ctx.version < 4) {
    const code = verdict(request.key)
    return code === 0 ? forwardAsIs : respond(findCoordinatorError(request, ctx.version, code))
  }
  return refuseEntries(request.coordinatorKeys, verdict, {
    keep: (kept) => (request.coordinatorKeys = kept),
    error: coordinatorError,
    answer: (coordinators) => ({ ...findCoordinatorError(request, ctx.version, 0), coordinators }),
    into: (response: FindCoordinatorResponse) => response.coordinators,
  })
}

/**
 * Members' metadata and assignments are the consumer protocol's opaque bytes and pass as they
 * are (Kafka does not filter them either).
 */
export const describeGroups: Rule<DescribeGroupsRequest> = (request, ctx) =>
  refuseEntries(request.groups, groupVerdict(ctx, 'describe'), {
    keep: (kept) => (request.groups = kept),
    error: describedGroupError,
    answer: describeGroupsResponse,
    into: (response: DescribeGroupsResponse) => response.groups,
  })

/** Groups the principal may not describe are left out, as Kafka lists only those. */
export const listGroups: Rule<ListGroupsRequest> = (_request, ctx) =>
  watched((response: ListGroupsResponse) => {
    response.groups = response.groups.filter((g) => ctx.access.sees('group', g.groupId))
  })

export const deleteGroups: Rule<DeleteGroupsRequest> = (request, ctx) =>
  refuseEntries(request.groupsNames, groupVerdict(ctx, 'manage'), {
    keep: (kept) => (request.groupsNames = kept),
    error: deletedGroupError,
    answer: deleteGroupsResponse,
    into: (response: DeleteGroupsResponse) => response.results,
  })

/**
 * KIP-848 members: the group `consume`, and topics subscribed by name `describe` (as Kafka asks).
 * A regex subscription is resolved by the broker, which cannot know the principal: the member
 * may be assigned topics it cannot see, but only by id, and Fetch and OffsetCommit refuse them.
 */
export const consumerGroupHeartbeat: Rule<ConsumerGroupHeartbeatRequest> = (request, ctx) => {
  const { access, version } = ctx
  if (!mayGroup(access, 'consume', request.groupId)) {
    return respond(consumerGroupHeartbeatError(request, version, GROUP_AUTHORIZATION_FAILED))
  }
  const hidden = (request.subscribedTopicNames ?? []).filter((t) => !access.sees('topic', t))
  if (hidden.length === 0) return forwardAsIs
  const message = `Topic authorization failed for topics: ${hidden.join(', ')}`
  return respond(consumerGroupHeartbeatError(request, version, TOPIC_AUTHORIZATION_FAILED, message))
}

/**
 * Groups `describe`; and, as Kafka does, a group whose members subscribe to or are assigned a
 * topic the principal cannot see is refused with TOPIC_AUTHORIZATION_FAILED rather than shown.
 */
export const consumerGroupDescribe: Rule<ConsumerGroupDescribeRequest> = (request, ctx) => {
  const decision = refuseEntries(request.groupIds, groupVerdict(ctx, 'describe'), {
    keep: (kept) => (request.groupIds = kept),
    error: (groupId, code) => consumerGroupError(groupId, code),
    answer: consumerGroupDescribeResponse,
    into: (response: ConsumerGroupDescribeResponse) => response.groups,
  })
  const sees = (topic: string) => topic === '' || ctx.access.sees('topic', topic)
  return alsoEdit(decision, (response: ConsumerGroupDescribeResponse) => {
    response.groups = response.groups.map((group) => {
      if (group.errorCode !== 0) return group
      const named = group.members.flatMap((m) => [
        ...m.subscribedTopicNames,
        ...m.assignment.topicPartitions.map((t) => t.topicName),
        ...m.targetAssignment.topicPartitions.map((t) => t.topicName),
      ])
      if (named.every(sees)) return group
      const message = 'The group has subscribed or assigned topics the principal may not describe'
      return consumerGroupError(group.groupId, TOPIC_AUTHORIZATION_FAILED, message)
    })
  })
}
