// Topic administration (create, delete, partitions, records) and configs, whose resource names
// are topics or groups only when their resource type says so.
import { describe, expect, it } from 'vitest'
import { rewriteRequest, rewriteResponse } from '../../../src/kafka-listener/namespace/index.ts'
import type {
  AlterConfigsRequest,
  CreatePartitionsRequest,
  CreateTopicsRequest,
  CreateTopicsResponse,
  DeleteRecordsRequest,
  DeleteRecordsResponse,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  DescribeConfigsRequest,
  DescribeConfigsResponse,
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse,
  ListConfigResourcesResponse,
} from '../../../src/protocol/index.ts'
import { acme, acmeVisible, request, response } from './messages.ts'

const TOPIC = 2
const BROKER = 4
const CLIENT_METRICS = 16
const GROUP = 32

describe('topic administration', () => {
  it('CreateTopics maps the names created and their results', () => {
    const body = request<CreateTopicsRequest>(19, 7, {
      topics: [{ name: 'orders', numPartitions: 3, replicationFactor: 1 }],
    })
    rewriteRequest(19, 7, body, acme)
    expect(body.topics[0]?.name).toBe('acme.orders')
    const res = response<CreateTopicsResponse>(19, 7, { topics: [{ name: 'acme.orders' }] })
    rewriteResponse(19, 7, res, acme)
    expect(res.topics[0]?.name).toBe('orders')
  })

  it('DeleteTopics maps names in the list form (v1-5) and the struct form (v6)', () => {
    const v5 = request<DeleteTopicsRequest>(20, 5, { topicNames: ['orders', 'ref.fx'] })
    rewriteRequest(20, 5, v5, acme)
    expect(v5.topicNames).toEqual(['acme.orders', 'ref.fx'])
    const v6 = request<DeleteTopicsRequest>(20, 6, { topics: [{ name: 'orders' }] })
    rewriteRequest(20, 6, v6, acme)
    expect(v6.topics[0]?.name).toBe('acme.orders')
    const res = response<DeleteTopicsResponse>(20, 6, { responses: [{ name: 'acme.orders' }] })
    rewriteResponse(20, 6, res, acme)
    expect(res.responses[0]?.name).toBe('orders')
  })

  it('DeleteTopics by topic id alone is refused: its name cannot be checked here', () => {
    const id = 'AAAAAAAAAAAAAAAAAAAAAQ'
    const v6 = request<DeleteTopicsRequest>(20, 6, { topics: [{ name: null, topicId: id }] })
    expect(rewriteRequest(20, 6, v6, acme).outside).toEqual([{ kind: 'topicId', name: id }])
  })

  it('CreatePartitions and DeleteRecords map their topics both ways', () => {
    const grow = request<CreatePartitionsRequest>(37, 3, { topics: [{ name: 'orders', count: 6 }] })
    rewriteRequest(37, 3, grow, acme)
    expect(grow.topics[0]?.name).toBe('acme.orders')

    const trim = request<DeleteRecordsRequest>(21, 2, {
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, offset: 10n }] }],
    })
    rewriteRequest(21, 2, trim, acme)
    expect(trim.topics[0]?.name).toBe('acme.orders')
    const trimmed = response<DeleteRecordsResponse>(21, 2, { topics: [{ name: 'acme.orders' }] })
    rewriteResponse(21, 2, trimmed, acme)
    expect(trimmed.topics[0]?.name).toBe('orders')
  })

  it('reports topics outside the namespace when the prefix is visible', () => {
    const body = request<CreateTopicsRequest>(19, 7, {
      topics: [{ name: 'acme.ok' }, { name: 'nope' }],
    })
    expect(rewriteRequest(19, 7, body, acmeVisible).outside).toEqual([
      { kind: 'topicName', name: 'nope' },
    ])
  })
})

describe('configs', () => {
  it('DescribeConfigs maps topic and group resource names and leaves brokers alone', () => {
    const body = request<DescribeConfigsRequest>(32, 4, {
      resources: [
        { resourceType: TOPIC, resourceName: 'orders', configurationKeys: null },
        { resourceType: GROUP, resourceName: 'billing', configurationKeys: null },
        { resourceType: BROKER, resourceName: '1', configurationKeys: null },
      ],
    })
    expect(rewriteRequest(32, 4, body, acme)).toEqual({ changed: true, outside: [] })
    expect(body.resources.map((r) => r.resourceName)).toEqual(['acme.orders', 'acme.billing', '1'])

    const res = response<DescribeConfigsResponse>(32, 4, {
      results: [
        { resourceType: TOPIC, resourceName: 'acme.orders', configs: [{ name: 'retention.ms' }] },
        { resourceType: GROUP, resourceName: 'acme.billing' },
        { resourceType: BROKER, resourceName: '1' },
      ],
    })
    rewriteResponse(32, 4, res, acme)
    expect(res.results.map((r) => r.resourceName)).toEqual(['orders', 'billing', '1'])
    expect(res.results[0]?.configs[0]?.name).toBe('retention.ms')
  })

  it('AlterConfigs and IncrementalAlterConfigs map topics and groups, and refuse the rest', () => {
    const alter = request<AlterConfigsRequest>(33, 2, {
      resources: [
        { resourceType: TOPIC, resourceName: 'orders' },
        { resourceType: BROKER, resourceName: '' },
      ],
    })
    expect(rewriteRequest(33, 2, alter, acme).outside).toEqual([
      { kind: 'configResource', name: '' },
    ])
    const incremental = request<IncrementalAlterConfigsRequest>(44, 1, {
      resources: [
        { resourceType: GROUP, resourceName: 'billing' },
        { resourceType: CLIENT_METRICS, resourceName: 'all-clients' },
      ],
    })
    expect(rewriteRequest(44, 1, incremental, acme).outside).toEqual([
      { kind: 'configResource', name: 'all-clients' },
    ])
    expect(incremental.resources[0]?.resourceName).toBe('acme.billing')

    const res = response<IncrementalAlterConfigsResponse>(44, 1, {
      responses: [{ resourceType: TOPIC, resourceName: 'acme.orders' }],
    })
    rewriteResponse(44, 1, res, acme)
    expect(res.responses[0]?.resourceName).toBe('orders')
  })

  it("ListConfigResources lists the tenant's topics and groups only", () => {
    const res = response<ListConfigResourcesResponse>(74, 1, {
      configResources: [
        { resourceType: TOPIC, resourceName: 'acme.orders' },
        { resourceType: TOPIC, resourceName: 'globex.orders' },
        { resourceType: GROUP, resourceName: 'globex.billing' },
        { resourceType: GROUP, resourceName: 'shared-audit' },
        { resourceType: CLIENT_METRICS, resourceName: 'metrics-sub' },
      ],
    })
    expect(rewriteResponse(74, 1, res, acme)).toBe(true)
    expect(res.configResources.map((r) => r.resourceName)).toEqual([
      'orders',
      'shared-audit',
      'metrics-sub',
    ])
    // v0 lists client-metrics subscriptions only: nothing a namespace owns.
    const v0 = response<ListConfigResourcesResponse>(74, 0, {
      configResources: [{ resourceName: 'metrics-sub' }],
    })
    expect(rewriteResponse(74, 0, v0, acme)).toBe(false)
  })
})
