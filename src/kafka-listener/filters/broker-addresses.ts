// Every broker address a client can learn, rewritten to the gateway's: Metadata, FindCoordinator
// (one coordinator before v4, a list from v4), DescribeCluster, and the KIP-951 NodeEndpoints that
// Produce, Fetch, ShareFetch and ShareAcknowledge carry when a partition's leader moved. Metadata
// and DescribeCluster also teach the broker map where each node really is. A response whose
// addresses were all already the gateway's is forwarded as it came.
import type {
  DescribeClusterResponse,
  FindCoordinatorResponse,
  MetadataResponse,
} from '../../protocol/index.ts'
import type { BrokerMap } from '../broker-map.ts'
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

const metadata: ResponseFilter<MetadataResponse> = {
  apiKey: 3,
  onResponse(body, _version, { brokers }) {
    let changed = false
    for (const broker of body.brokers) {
      brokers.learn(broker.nodeId, broker.host, broker.port)
      changed = point(broker, broker.nodeId, brokers) || changed
    }
    return changed
  },
}

const describeCluster: ResponseFilter<DescribeClusterResponse> = {
  apiKey: 60,
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
}

const findCoordinator: ResponseFilter<FindCoordinatorResponse> = {
  apiKey: 10,
  onResponse(body, version, { brokers }) {
    if (version < 4) return body.errorCode === 0 && point(body, body.nodeId, brokers)
    let changed = false
    for (const coordinator of body.coordinators) {
      if (coordinator.errorCode !== 0) continue
      changed = point(coordinator, coordinator.nodeId, brokers) || changed
    }
    return changed
  },
}

/** Produce (v10+), Fetch (v16+), ShareFetch and ShareAcknowledge: KIP-951 leader hints. */
function nodeEndpoints(
  apiKey: number,
  minVersion: number
): ResponseFilter<{ nodeEndpoints: (Endpoint & { nodeId: number })[] }> {
  return {
    apiKey,
    minVersion,
    onResponse(body, _version, { brokers }) {
      let changed = false
      for (const node of body.nodeEndpoints) changed = point(node, node.nodeId, brokers) || changed
      return changed
    },
  }
}

export const brokerAddressFilters: readonly ResponseFilter<never>[] = [
  metadata,
  describeCluster,
  findCoordinator,
  nodeEndpoints(0, 10),
  nodeEndpoints(1, 16),
  nodeEndpoints(78, 0),
  nodeEndpoints(79, 0),
] as readonly ResponseFilter<never>[]
