// Consumer groups: the group resource (consume to take part, describe to look, manage to delete),
// refused with GROUP_AUTHORIZATION_FAILED at the level each response carries it.
import { describe, expect, it } from 'vitest'
import type {
  ConsumerGroupDescribeRequest,
  ConsumerGroupDescribeResponse,
  ConsumerGroupHeartbeatResponse,
  DeleteGroupsRequest,
  DeleteGroupsResponse,
  DescribeGroupsRequest,
  DescribeGroupsResponse,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  HeartbeatResponse,
  JoinGroupResponse,
  LeaveGroupResponse,
  ListGroupsResponse,
  SyncGroupResponse,
} from '../../../src/protocol/index.ts'
import { allow, harness } from './support.ts'

const rules = [
  allow('group', ['app-*'], ['consume']),
  allow('group', ['ops-*'], ['describe']),
  allow('group', ['app-old'], ['manage']),
  allow('transactional-id', ['tx-*'], ['produce']),
  allow('topic', ['orders'], ['consume']),
]

describe('FindCoordinator', () => {
  it.each([0, 1, 3])('v%i: one key, refused with 30 and no coordinator', (v) => {
    const h = harness(rules)
    const out = h.run<FindCoordinatorRequest, FindCoordinatorResponse>(10, v, { key: 'other' })
    expect(out.local()).toMatchObject({ errorCode: 30, nodeId: -1, host: '', port: -1 })
    expect(h.run(10, v, { key: 'app-1' }).decision).toEqual({ kind: 'forward', changed: false })
  })

  it('v1-3: a transactional id needs the transactional-id resource (53)', () => {
    const h = harness(rules)
    expect(h.run(10, 3, { key: 'tx-1', keyType: 1 }).decision.kind).toBe('forward')
    const out = h.run<FindCoordinatorRequest, FindCoordinatorResponse>(10, 3, {
      key: 'app-1',
      keyType: 1,
    })
    expect(out.local().errorCode).toBe(53)
  })

  it.each([4, 6])('v%i: refused keys are merged back beside the broker’s coordinators', (v) => {
    const out = harness(rules).run<FindCoordinatorRequest, FindCoordinatorResponse>(10, v, {
      keyType: 0,
      coordinatorKeys: ['app-1', 'other', 'ops-x'],
    })
    expect(out.sent().coordinatorKeys).toEqual(['app-1', 'ops-x'])
    const answer = out.answer({
      coordinators: [
        { key: 'app-1', nodeId: 1, host: 'b', port: 1 },
        { key: 'ops-x', nodeId: 1, host: 'b', port: 1 },
      ],
    })
    expect(answer.coordinators.map((c) => [c.key, c.errorCode, c.nodeId])).toEqual([
      ['app-1', 0, 1],
      ['ops-x', 0, 1],
      ['other', 30, -1],
    ])
  })

  it('share coordinator keys (type 2) are for brokers only', () => {
    const out = harness(rules).run<FindCoordinatorRequest, FindCoordinatorResponse>(10, 6, {
      keyType: 2,
      coordinatorKeys: ['app-1:AAAAAAAAAAAAAAAAAAAAAA:0'],
    })
    expect(out.local().coordinators[0]?.errorCode).toBe(31)
  })
})

describe('joining a group takes consume', () => {
  const cases: [string, number, number, Record<string, unknown>][] = [
    ['JoinGroup', 11, 9, { protocolType: 'consumer' }],
    ['SyncGroup', 14, 5, {}],
    ['Heartbeat', 12, 4, {}],
    ['LeaveGroup', 13, 5, { members: [{ memberId: 'm-1' }] }],
  ]
  it.each(cases)('%s', (_name, apiKey, v, rest) => {
    const h = harness(rules)
    expect(h.run(apiKey, v, { groupId: 'app-1', ...rest }).decision.kind).toBe('forward')
    // describe is not enough to take part.
    const local = h
      .run<unknown, JoinGroupResponse | SyncGroupResponse | HeartbeatResponse | LeaveGroupResponse>(
        apiKey,
        v,
        { groupId: 'ops-1', ...rest }
      )
      .local()
    expect(local.errorCode).toBe(30)
  })

  it('LeaveGroup v3+: every member leaving is refused too', () => {
    const out = harness(rules).run<unknown, LeaveGroupResponse>(13, 3, {
      groupId: 'other',
      members: [{ memberId: 'm-1' }, { memberId: 'm-2', groupInstanceId: 'i-2' }],
    })
    expect(out.local().members).toEqual([
      { memberId: 'm-1', groupInstanceId: null, errorCode: 30 },
      { memberId: 'm-2', groupInstanceId: 'i-2', errorCode: 30 },
    ])
  })
})

describe('looking at groups takes describe', () => {
  it('DescribeGroups: refused groups merged back as 30', () => {
    const out = harness(rules).run<DescribeGroupsRequest, DescribeGroupsResponse>(15, 5, {
      groups: ['app-1', 'other'],
    })
    expect(out.sent().groups).toEqual(['app-1'])
    const answer = out.answer({ groups: [{ groupId: 'app-1', groupState: 'Stable' }] })
    expect(answer.groups.map((g) => [g.groupId, g.errorCode, g.groupState])).toEqual([
      ['app-1', 0, 'Stable'],
      ['other', 30, ''],
    ])
  })

  it('ListGroups: lists only the groups the principal may describe', () => {
    const out = harness(rules).run<unknown, ListGroupsResponse>(16, 5, {})
    const answer = out.answer({
      groups: [{ groupId: 'app-1' }, { groupId: 'other' }, { groupId: 'ops-2' }],
    })
    expect(answer.groups.map((g) => g.groupId)).toEqual(['app-1', 'ops-2'])
  })

  it('DeleteGroups takes manage', () => {
    const out = harness(rules).run<DeleteGroupsRequest, DeleteGroupsResponse>(42, 2, {
      groupsNames: ['app-old', 'app-1'],
    })
    expect(out.sent().groupsNames).toEqual(['app-old'])
    const answer = out.answer({ results: [{ groupId: 'app-old' }] })
    expect(answer.results).toEqual([
      { groupId: 'app-old', errorCode: 0 },
      { groupId: 'app-1', errorCode: 30 },
    ])
  })
})

describe('KIP-848 consumer groups', () => {
  it('ConsumerGroupHeartbeat: the group consume, subscribed topics describe', () => {
    const h = harness(rules)
    const ok = h.run(68, 1, { groupId: 'app-1', subscribedTopicNames: ['orders'] })
    expect(ok.decision).toEqual({ kind: 'forward', changed: false })
    const group = h.run<unknown, ConsumerGroupHeartbeatResponse>(68, 1, { groupId: 'ops-1' })
    expect(group.local()).toMatchObject({ errorCode: 30, memberId: null })
    const topics = h.run<unknown, ConsumerGroupHeartbeatResponse>(68, 0, {
      groupId: 'app-1',
      subscribedTopicNames: ['orders', 'secret'],
    })
    expect(topics.local()).toMatchObject({
      errorCode: 29,
      errorMessage: expect.stringContaining('secret'),
    })
  })

  it('ConsumerGroupDescribe: refused groups 30, groups on invisible topics 29', () => {
    const out = harness(rules).run<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>(
      69,
      1,
      { groupIds: ['app-1', 'app-2', 'other'] }
    )
    expect(out.sent().groupIds).toEqual(['app-1', 'app-2'])
    const member = (topic: string) => ({
      memberId: 'm',
      subscribedTopicNames: [topic],
      assignment: { topicPartitions: [{ topicName: topic, partitions: [0] }] },
    })
    const answer = out.answer({
      groups: [
        { groupId: 'app-1', groupState: 'Stable', members: [member('orders')] },
        { groupId: 'app-2', groupState: 'Stable', members: [member('secret')] },
      ],
    })
    expect(answer.groups.map((g) => [g.groupId, g.errorCode, g.members.length])).toEqual([
      ['app-1', 0, 1],
      ['app-2', 29, 0],
      ['other', 30, 0],
    ])
  })
})
