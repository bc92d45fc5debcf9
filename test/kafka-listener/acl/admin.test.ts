// Admin APIs: topics `manage`; config resources by type (topics, groups, and the backend's own).
import { describe, expect, it } from 'vitest'
import type {
  AlterConfigsResponse,
  CreatePartitionsResponse,
  CreateTopicsRequest,
  CreateTopicsResponse,
  DeleteRecordsResponse,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  DescribeConfigsRequest,
  DescribeConfigsResponse,
  IncrementalAlterConfigsResponse,
} from '../../../src/protocol/index.ts'
import { allow, harness } from './support.ts'

const rules = [
  allow('topic', ['team-*'], ['manage']),
  allow('topic', ['*'], ['consume']),
  allow('group', ['app-*'], ['manage']),
]

const ID_TEAM = 'AAAAAAAAAAAAAAAAAAAAAQ'
const ID_OTHER = 'AAAAAAAAAAAAAAAAAAAAAg'

describe('CreateTopics', () => {
  it.each([2, 5, 7])('v%i: takes manage; consume is not enough', (v) => {
    const out = harness(rules).run<CreateTopicsRequest, CreateTopicsResponse>(19, v, {
      topics: [
        { name: 'team-a', numPartitions: 3, replicationFactor: 1 },
        { name: 'orders', numPartitions: 1, replicationFactor: 1 },
      ],
    })
    expect(out.sent().topics.map((t) => t.name)).toEqual(['team-a'])
    const answer = out.answer({ topics: [{ name: 'team-a' }] })
    expect(answer.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ['team-a', 0],
      ['orders', 29],
    ])
  })
})

describe('DeleteTopics', () => {
  it.each([1, 5])('v%i: by name', (v) => {
    const out = harness(rules).run<DeleteTopicsRequest, DeleteTopicsResponse>(20, v, {
      topicNames: ['orders'],
      timeoutMs: 1000,
    })
    expect(out.local().responses.map((r) => [r.name, r.errorCode])).toEqual([['orders', 29]])
  })

  it('v6: by name or id; ids through the cache, unknown ones 100', () => {
    const h = harness(rules)
    h.topicNames.learn(ID_TEAM, 'team-b')
    const out = h.run<DeleteTopicsRequest, DeleteTopicsResponse>(20, 6, {
      topics: [
        { name: null, topicId: ID_TEAM },
        { name: null, topicId: ID_OTHER },
        { name: 'orders' },
        { name: 'team-c' },
      ],
    })
    expect(out.sent().topics.map((t) => t.name ?? t.topicId)).toEqual([ID_TEAM, 'team-c'])
    const answer = out.answer({
      responses: [{ name: 'team-b', topicId: ID_TEAM }, { name: 'team-c' }],
    })
    expect(answer.responses.map((r) => [r.name, r.topicId, r.errorCode])).toEqual([
      ['team-b', ID_TEAM, 0],
      ['team-c', expect.any(String), 0],
      [null, ID_OTHER, 100],
      ['orders', expect.any(String), 29],
    ])
  })
})

describe('CreatePartitions and DeleteRecords', () => {
  it('CreatePartitions takes manage', () => {
    const out = harness(rules).run<unknown, CreatePartitionsResponse>(37, 3, {
      topics: [{ name: 'orders', count: 6, assignments: null }],
    })
    expect(out.local().results).toEqual([{ name: 'orders', errorCode: 29, errorMessage: null }])
  })

  it('DeleteRecords takes manage', () => {
    const out = harness(rules).run<unknown, DeleteRecordsResponse>(21, 2, {
      topics: [
        { name: 'team-a', partitions: [{ partitionIndex: 0, offset: 5n }] },
        { name: 'orders', partitions: [{ partitionIndex: 1, offset: 5n }] },
      ],
    })
    const answer = out.answer({ topics: [{ name: 'team-a', partitions: [{ partitionIndex: 0 }] }] })
    expect(answer.topics[1]).toEqual({
      name: 'orders',
      partitions: [{ partitionIndex: 1, lowWatermark: -1n, errorCode: 29 }],
    })
  })
})

describe('configs', () => {
  const resources = [
    { resourceType: 2, resourceName: 'team-a' },
    { resourceType: 2, resourceName: 'orders' },
    { resourceType: 32, resourceName: 'app-1' },
    { resourceType: 32, resourceName: 'other' },
    { resourceType: 4, resourceName: '1' },
    { resourceType: 16, resourceName: 'metrics' },
  ]

  it.each([1, 4])('DescribeConfigs v%i: topics and groups manage; the backend’s own 31', (v) => {
    const out = harness(rules).run<DescribeConfigsRequest, DescribeConfigsResponse>(32, v, {
      resources: resources.map((r) => ({ ...r, configurationKeys: null })),
    })
    expect(out.sent().resources.map((r) => r.resourceName)).toEqual(['team-a', 'app-1'])
    const answer = out.answer({
      results: [
        { resourceType: 2, resourceName: 'team-a' },
        { resourceType: 32, resourceName: 'app-1' },
      ],
    })
    expect(answer.results.map((r) => [r.resourceName, r.errorCode])).toEqual([
      ['team-a', 0],
      ['app-1', 0],
      ['orders', 29],
      ['other', 30],
      ['1', 31],
      ['metrics', 31],
    ])
  })

  it.each([
    ['AlterConfigs', 33, 2],
    ['IncrementalAlterConfigs', 44, 1],
  ])('%s: the same resources, answered alike', (_name, apiKey, v) => {
    const out = harness(rules).run<unknown, AlterConfigsResponse | IncrementalAlterConfigsResponse>(
      apiKey,
      v,
      { resources: resources.slice(1).map((r) => ({ ...r, configs: [] })) }
    )
    const answer = out.answer({ responses: [{ resourceType: 32, resourceName: 'app-1' }] })
    expect(answer.responses.map((r) => [r.resourceName, r.errorCode])).toEqual([
      ['app-1', 0],
      ['orders', 29],
      ['other', 30],
      ['1', 31],
      ['metrics', 31],
    ])
  })
})
