import { describe, expect, it } from 'vitest'
import {
  clusterIdFilters,
  virtualClusterId,
} from '../../../src/kafka-listener/filters/cluster-id.ts'
import { apis } from '../../../src/protocol/index.ts'

const context = { brokers: undefined as never, state: { principal: undefined, scratch: new Map() } }

describe('cluster id per virtual cluster', () => {
  it('is stable, distinct per virtual cluster and backend, and shaped like a Kafka id', () => {
    const a = virtualClusterId('tenant-a', 'backend-1')
    expect(a).toBe(virtualClusterId('tenant-a', 'backend-1'))
    expect(a).not.toBe(virtualClusterId('tenant-b', 'backend-1'))
    expect(a).not.toBe(virtualClusterId('tenant-a', 'backend-2'))
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })

  it('replaces the id in Metadata and DescribeCluster, and leaves a null one alone', () => {
    const [metadata, describeCluster] = clusterIdFilters('tenant-a')
    const body = { ...apis.metadata.defaultResponse(), clusterId: 'backend-1' }
    expect(metadata?.onResponse(body as never, 12, context)).toBe(true)
    expect(body.clusterId).toBe(virtualClusterId('tenant-a', 'backend-1'))
    const none = { ...apis.describeCluster.defaultResponse(), clusterId: null }
    expect(describeCluster?.onResponse(none as never, 1, context)).toBe(false)
  })
})
