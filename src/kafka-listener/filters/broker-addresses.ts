// Every broker address a client can learn, rewritten to the gateway's: Metadata, FindCoordinator
// (one coordinator before v4, a list from v4), DescribeCluster, and the KIP-951 NodeEndpoints that
// Produce, Fetch, ShareFetch and ShareAcknowledge carry when a partition's leader moved. Metadata
// and DescribeCluster also teach the broker map where each node really is. A response whose
// addresses were all already the gateway's is forwarded as it came.
import type { BrokerMap } from '../broker-map.ts'
import { responseFilter } from './by-api.ts'
import type { ResponseFilter } from './types.ts'

interface Endpoint {
  host: string
  port: number
}

/** Points `endpoint` at the gateway's address for `nodeId`; true when that changed it. */
function point(endpoint: Endpoint, nodeId: number, brokers: BrokerMap): boolean {
  // Negative ids mean "no coordinator/leader": the address is a placeholder, left alone.
  if (nodeId < 0 || !brokers.mappable(nodeId)) return false
  const { host, port } = brokers.advertised(nodeId)
  if (endpoint.host === host && endpoint.port === port) return false
  endpoint.host = host
  endpoint.port = port
  return true
}

const metadata = responseFilter('metadata', {
  onResponse(body, _version, { brokers }) {
    let changed = false
    for (const broker of body.brokers) {
      brokers.learn(broker.nodeId, broker.host, broker.port)
      changed = point(broker, broker.nodeId, brokers) || changed
    }
    return changed
  },
})

const describeCluster = responseFilter('describeCluster', {
  onResponse(body, _version, { brokers }) {
    let changed = false
    // endpointType 2 lists controllers (KIP-919): those are not reachable through the gateway.
    const learn = body.endpointType !== 2
    for (const broker of body.brokers) {
      if (learn) brokers.learn(broker.brokerId, broker.host, broker.port)
      changed = point(broker, broker.brokerId, brokers) || changed
    }
    return changed
  },
})

const findCoordinator = responseFilter('findCoordinator', {
  onResponse(body, version, { brokers }) {
    if (version < 4) return body.errorCode === 0 && point(body, body.nodeId, brokers)
    let changed = false
    for (const coordinator of body.coordinators) {
      if (coordinator.errorCode !== 0) continue
      changed = point(coordinator, coordinator.nodeId, brokers) || changed
    }
    return changed
  },
})

/** Produce (v10+), Fetch (v16+), ShareFetch and ShareAcknowledge: KIP-951 leader hints. */
function nodeEndpoints(nodes: readonly (Endpoint & { nodeId: number })[], brokers: BrokerMap) {
  let changed = false
  for (const node of nodes) changed = point(node, node.nodeId, brokers) || changed
  return changed
}

export const brokerAddressFilters: readonly ResponseFilter[] = [
  metadata,
  describeCluster,
  findCoordinator,
  responseFilter('produce', {
    minVersion: 10,
    onResponse: (body, _version, { brokers }) => nodeEndpoints(body.nodeEndpoints, brokers),
  }),
  responseFilter('fetch', {
    minVersion: 16,
    onResponse: (body, _version, { brokers }) => nodeEndpoints(body.nodeEndpoints, brokers),
  }),
  responseFilter('shareFetch', {
    onResponse: (body, _version, { brokers }) => nodeEndpoints(body.nodeEndpoints, brokers),
  }),
  responseFilter('shareAcknowledge', {
    onResponse: (body, _version, { brokers }) => nodeEndpoints(body.nodeEndpoints, brokers),
  }),
]
