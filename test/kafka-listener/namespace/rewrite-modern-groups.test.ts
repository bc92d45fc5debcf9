// KIP-848 consumer groups, share groups and streams groups: group ids, subscriptions (names and
// regexes), assignments and topologies.
import { describe, expect, it } from 'vitest'
import { rewriteRequest, rewriteResponse } from '../../../src/kafka-listener/namespace/index.ts'
import type {
  ConsumerGroupDescribeRequest,
  ConsumerGroupDescribeResponse,
  ConsumerGroupHeartbeatRequest,
  ShareGroupHeartbeatRequest,
  StreamsGroupHeartbeatRequest,
} from '../../../src/protocol/index.ts'
import { acme, acmeVisible, encode, request, response } from './messages.ts'

describe('KIP-848 consumer groups', () => {
  it('ConsumerGroupHeartbeat maps the group, subscribed names, and confines the regex', () => {
    const body = request<ConsumerGroupHeartbeatRequest>(68, 1, {
      groupId: 'billing',
      subscribedTopicNames: ['orders', 'ref.fx'],
      subscribedTopicRegex: '^orders-.*',
    })
    expect(rewriteRequest(68, 1, body, acme)).toEqual({ changed: true, outside: [] })
    expect(body.groupId).toBe('acme.billing')
    expect(body.subscribedTopicNames).toEqual(['acme.orders', 'ref.fx'])
    expect(body.subscribedTopicRegex).toBe('acme\\.(?:orders-.*)')
  })

  it('ConsumerGroupHeartbeat leaves unchanged (null) subscriptions alone', () => {
    const body = request<ConsumerGroupHeartbeatRequest>(68, 1, {
      groupId: 'billing',
      subscribedTopicNames: null,
      subscribedTopicRegex: null,
    })
    rewriteRequest(68, 1, body, acme)
    expect([body.subscribedTopicNames, body.subscribedTopicRegex]).toEqual([null, null])
  })

  it('ConsumerGroupHeartbeat refuses a regex that cannot be confined', () => {
    const body = request<ConsumerGroupHeartbeatRequest>(68, 1, {
      groupId: 'billing',
      subscribedTopicRegex: 'x)|(.*',
    })
    expect(rewriteRequest(68, 1, body, acme).outside).toEqual([
      { kind: 'topicRegex', name: 'x)|(.*' },
    ])
    const visible = request<ConsumerGroupHeartbeatRequest>(68, 1, {
      groupId: 'acme.billing',
      subscribedTopicRegex: 'acme\\..*',
    })
    expect(rewriteRequest(68, 1, visible, acmeVisible).outside).toEqual([
      { kind: 'topicRegex', name: 'acme\\..*' },
    ])
  })

  it("ConsumerGroupDescribe maps groups, members' subscriptions and assignments", () => {
    const body = request<ConsumerGroupDescribeRequest>(69, 1, { groupIds: ['billing'] })
    rewriteRequest(69, 1, body, acme)
    expect(body.groupIds).toEqual(['acme.billing'])

    const assigned = (...names: string[]): object => ({
      topicPartitions: names.map((topicName) => ({ topicName, partitions: [0] })),
    })
    const res = response<ConsumerGroupDescribeResponse>(69, 1, {
      groups: [
        {
          groupId: 'shared-audit',
          members: [
            {
              memberId: 'm1',
              subscribedTopicNames: ['acme.orders', 'globex.secret', 'ref.fx'],
              subscribedTopicRegex: 'acme\\.(?:orders-.*)',
              assignment: assigned('acme.orders', 'globex.secret'),
              targetAssignment: assigned('globex.secret'),
            },
            { memberId: 'm2', subscribedTopicRegex: 'globex\\.(?:.*)' },
          ],
        },
        { groupId: 'globex.billing' },
      ],
    })
    expect(rewriteResponse(69, 1, res, acme)).toBe(true)
    expect(res.groups).toHaveLength(1)
    const [m1, m2] = res.groups[0]?.members ?? []
    expect(m1?.subscribedTopicNames).toEqual(['orders', 'ref.fx'])
    expect(m1?.subscribedTopicRegex).toBe('orders-.*')
    expect(m1?.assignment.topicPartitions.map((t) => t.topicName)).toEqual(['orders'])
    expect(m1?.targetAssignment.topicPartitions).toEqual([])
    // Another tenant's member of a shared group keeps its place, not its regex.
    expect(m2?.memberId).toBe('m2')
    expect(m2?.subscribedTopicRegex).toBeNull()
    expect(() => encode('response', 69, 1, res)).not.toThrow()
  })
})

describe('share and streams groups', () => {
  it('ShareGroupHeartbeat maps the group and its subscription', () => {
    const body = request<ShareGroupHeartbeatRequest>(76, 1, {
      groupId: 'workers',
      subscribedTopicNames: ['jobs'],
    })
    rewriteRequest(76, 1, body, acme)
    expect([body.groupId, body.subscribedTopicNames]).toEqual(['acme.workers', ['acme.jobs']])
  })

  it("StreamsGroupHeartbeat maps the group and every topic of the topology, the app's internal ones too", () => {
    const body = request<StreamsGroupHeartbeatRequest>(88, 0, {
      groupId: 'app',
      topology: {
        epoch: 1,
        subtopologies: [
          {
            subtopologyId: '0',
            sourceTopics: ['orders'],
            repartitionSinkTopics: ['app-repartition'],
            stateChangelogTopics: [{ name: 'app-store-changelog' }],
            repartitionSourceTopics: [{ name: 'app-repartition' }],
          },
        ],
      },
    })
    rewriteRequest(88, 0, body, acme)
    const sub = body.topology?.subtopologies[0]
    expect(body.groupId).toBe('acme.app')
    expect(sub?.sourceTopics).toEqual(['acme.orders'])
    expect(sub?.repartitionSinkTopics).toEqual(['acme.app-repartition'])
    expect(sub?.stateChangelogTopics[0]?.name).toBe('acme.app-store-changelog')
    expect(sub?.repartitionSourceTopics[0]?.name).toBe('acme.app-repartition')
  })
})
