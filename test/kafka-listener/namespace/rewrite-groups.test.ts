// Classic consumer groups: group ids and the topics they commit, listing, describing and deleting
// groups, and FindCoordinator's keys of either kind.
import { describe, expect, it } from 'vitest'
import { rewriteRequest, rewriteResponse } from '../../../src/kafka-listener/namespace/index.ts'
import type {
  DeleteGroupsRequest,
  DeleteGroupsResponse,
  DescribeGroupsRequest,
  DescribeGroupsResponse,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  HeartbeatRequest,
  JoinGroupRequest,
  LeaveGroupRequest,
  ListGroupsResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetDeleteRequest,
  OffsetFetchRequest,
  OffsetFetchResponse,
  SyncGroupRequest,
} from '../../../src/protocol/index.ts'
import { acme, acmeVisible, encode, request, response } from './messages.ts'

describe('OffsetCommit and OffsetFetch', () => {
  it('prefix the group and its topics, and strip them back', () => {
    const commit = request<OffsetCommitRequest>(8, 9, {
      groupId: 'billing',
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 5n }] }],
    })
    rewriteRequest(8, 9, commit, acme)
    expect(commit.groupId).toBe('acme.billing')
    expect(commit.topics[0]?.name).toBe('acme.orders')
    const committed = response<OffsetCommitResponse>(8, 9, { topics: [{ name: 'acme.orders' }] })
    rewriteResponse(8, 9, committed, acme)
    expect(committed.topics[0]?.name).toBe('orders')
  })

  it('handle the single-group form (v1-7)', () => {
    const fetch = request<OffsetFetchRequest>(9, 7, {
      groupId: 'billing',
      topics: [{ name: 'orders', partitionIndexes: [0] }],
    })
    rewriteRequest(9, 7, fetch, acme)
    expect([fetch.groupId, fetch.topics?.[0]?.name]).toEqual(['acme.billing', 'acme.orders'])
    const fetched = response<OffsetFetchResponse>(9, 7, { topics: [{ name: 'acme.orders' }] })
    rewriteResponse(9, 7, fetched, acme)
    expect(fetched.topics[0]?.name).toBe('orders')
  })

  it("handle the batched form (v8+), and hide a shared group's other-tenant topics", () => {
    const fetch = request<OffsetFetchRequest>(9, 9, {
      groups: [
        { groupId: 'billing', topics: [{ name: 'orders', partitionIndexes: [0] }] },
        { groupId: 'shared-audit', topics: null },
      ],
    })
    rewriteRequest(9, 9, fetch, acme)
    expect(fetch.groups.map((g) => g.groupId)).toEqual(['acme.billing', 'shared-audit'])
    expect(fetch.groups[0]?.topics?.[0]?.name).toBe('acme.orders')

    const fetched = response<OffsetFetchResponse>(9, 9, {
      groups: [
        { groupId: 'acme.billing', topics: [{ name: 'acme.orders' }] },
        { groupId: 'shared-audit', topics: [{ name: 'acme.orders' }, { name: 'globex.secret' }] },
      ],
    })
    rewriteResponse(9, 9, fetched, acme)
    expect(fetched.groups.map((g) => [g.groupId, g.topics.map((t) => t.name)])).toEqual([
      ['billing', ['orders']],
      ['shared-audit', ['orders']],
    ])
    expect(() => encode('response', 9, 9, fetched)).not.toThrow()
  })

  it('OffsetDelete maps its group and topics', () => {
    const body = request<OffsetDeleteRequest>(47, 0, {
      groupId: 'billing',
      topics: [{ name: 'orders', partitions: [] }],
    })
    rewriteRequest(47, 0, body, acme)
    expect([body.groupId, body.topics[0]?.name]).toEqual(['acme.billing', 'acme.orders'])
  })
})

describe('FindCoordinator', () => {
  it('maps a v3 key by its key type: 0 group, 1 transaction', () => {
    const group = request<FindCoordinatorRequest>(10, 3, { key: 'shared-audit', keyType: 0 })
    rewriteRequest(10, 3, group, acme)
    expect(group.key).toBe('shared-audit')
    const txn = request<FindCoordinatorRequest>(10, 3, { key: 'shared-audit', keyType: 1 })
    rewriteRequest(10, 3, txn, acme)
    expect(txn.key).toBe('acme.shared-audit')
    const v0 = request<FindCoordinatorRequest>(10, 0, { key: 'billing' })
    rewriteRequest(10, 0, v0, acme)
    expect(v0.key).toBe('acme.billing')
  })

  it('maps v4+ coordinator keys both ways, for groups and transactions alike', () => {
    for (const keyType of [0, 1]) {
      const body = request<FindCoordinatorRequest>(10, 6, {
        keyType,
        coordinatorKeys: ['billing', 'shared-audit'],
      })
      rewriteRequest(10, 6, body, acme)
      const expected =
        keyType === 0 ? ['acme.billing', 'shared-audit'] : ['acme.billing', 'acme.shared-audit']
      expect(body.coordinatorKeys).toEqual(expected)

      const res = response<FindCoordinatorResponse>(10, 6, {
        coordinators: body.coordinatorKeys.map((key) => ({ key, nodeId: 1, host: 'b', port: 1 })),
      })
      rewriteResponse(10, 6, res, acme)
      expect(res.coordinators.map((c) => c.key)).toEqual(['billing', 'shared-audit'])
    }
  })

  it('refuses share-partition keys (type 2) and keys outside the namespace', () => {
    const share = request<FindCoordinatorRequest>(10, 6, {
      keyType: 2,
      coordinatorKeys: ['g:id:0'],
    })
    expect(rewriteRequest(10, 6, share, acme).outside).toEqual([
      { kind: 'coordinatorKey', name: 'g:id:0' },
    ])
    const foreign = request<FindCoordinatorRequest>(10, 6, {
      keyType: 1,
      coordinatorKeys: ['acme.tx', 'globex.tx'],
    })
    expect(rewriteRequest(10, 6, foreign, acmeVisible).outside).toEqual([
      { kind: 'transactionalId', name: 'globex.tx' },
    ])
  })
})

describe('classic group membership', () => {
  it('JoinGroup, SyncGroup, Heartbeat and LeaveGroup prefix the group id only', () => {
    const metadata = Buffer.from('consumer protocol bytes')
    const join = request<JoinGroupRequest>(11, 9, {
      groupId: 'billing',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata }],
    })
    rewriteRequest(11, 9, join, acme)
    expect(join.groupId).toBe('acme.billing')
    // The embedded subscription stays in the client's names: the broker does not read it.
    expect(join.protocols[0]?.metadata.equals(metadata)).toBe(true)

    const sync = request<SyncGroupRequest>(14, 5, { groupId: 'billing' })
    const beat = request<HeartbeatRequest>(12, 4, { groupId: 'billing' })
    const leave = request<LeaveGroupRequest>(13, 5, { groupId: 'billing' })
    for (const [key, v, body] of [
      [14, 5, sync],
      [12, 4, beat],
      [13, 5, leave],
    ] as const) {
      expect(rewriteRequest(key, v, body, acme).changed).toBe(true)
      expect(body.groupId).toBe('acme.billing')
    }
  })
})

describe('listing, describing and deleting groups', () => {
  it("ListGroups shows the tenant's groups and shared ones, unprefixed, and nobody else's", () => {
    const body = response<ListGroupsResponse>(16, 5, {
      groups: [
        { groupId: 'acme.billing', protocolType: 'consumer' },
        { groupId: 'globex.billing' },
        { groupId: 'shared-audit' },
        { groupId: 'console-consumer-1' },
      ],
    })
    expect(rewriteResponse(16, 5, body, acme)).toBe(true)
    expect(body.groups.map((g) => g.groupId)).toEqual(['billing', 'shared-audit'])
    expect(body.groups[0]?.protocolType).toBe('consumer')
  })

  it('DescribeGroups maps the ids asked for and described', () => {
    const body = request<DescribeGroupsRequest>(15, 5, { groups: ['billing'] })
    rewriteRequest(15, 5, body, acme)
    expect(body.groups).toEqual(['acme.billing'])
    const res = response<DescribeGroupsResponse>(15, 5, { groups: [{ groupId: 'acme.billing' }] })
    rewriteResponse(15, 5, res, acme)
    expect(res.groups[0]?.groupId).toBe('billing')
  })

  it('DeleteGroups maps the names to delete and their results', () => {
    const body = request<DeleteGroupsRequest>(42, 2, { groupsNames: ['billing', 'shared-x'] })
    rewriteRequest(42, 2, body, acme)
    expect(body.groupsNames).toEqual(['acme.billing', 'shared-x'])
    const res = response<DeleteGroupsResponse>(42, 2, {
      results: [{ groupId: 'acme.billing' }, { groupId: 'shared-x', errorCode: 30 }],
    })
    rewriteResponse(42, 2, res, acme)
    expect(res.results.map((r) => [r.groupId, r.errorCode])).toEqual([
      ['billing', 0],
      ['shared-x', 30],
    ])
  })

  it('DeleteGroups outside the namespace is reported, not trimmed', () => {
    const body = request<DeleteGroupsRequest>(42, 2, { groupsNames: ['acme.a', 'globex.b'] })
    expect(rewriteRequest(42, 2, body, acmeVisible).outside).toEqual([
      { kind: 'groupId', name: 'globex.b' },
    ])
  })
})
