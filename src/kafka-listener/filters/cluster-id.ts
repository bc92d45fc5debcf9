// A cluster id per virtual cluster: clients (and their metrics, and tools that key state on the
// cluster id) see each virtual cluster as a cluster of its own, not the shared backend. The id is
// derived from the virtual cluster's name and the backend's id, so it is stable across nodes and
// restarts, and has the shape of Kafka's own: 16 bytes in URL-safe base64.
import { createHash } from 'node:crypto'
import { responseFilter } from './by-api.ts'
import type { ResponseFilter } from './types.ts'

export function virtualClusterId(virtualCluster: string, backendClusterId: string): string {
  return createHash('sha256')
    .update(`weir-virtual-cluster\u0000${backendClusterId}\u0000${virtualCluster}`)
    .digest()
    .subarray(0, 16)
    .toString('base64url')
}

export function clusterIdFilters(virtualCluster: string): ResponseFilter[] {
  const swap = (body: { clusterId: string | null }): boolean => {
    if (body.clusterId === null) return false
    body.clusterId = virtualClusterId(virtualCluster, body.clusterId)
    return true
  }
  return [
    // Metadata has a cluster id from v2.
    responseFilter('metadata', { minVersion: 2, onResponse: swap }),
    responseFilter('describeCluster', { onResponse: swap }),
  ]
}
