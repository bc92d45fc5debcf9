// A gateway whose Kafka listener fronts the test broker transparently (port mapping, no
// authentication or policies, and no namespace unless asked): what the client compatibility
// tests connect through.
import type { Gateway } from '../../src/gateway.ts'
import { startTestGateway } from './gateway.ts'
import { onFreePorts } from './ports.ts'

export interface ProxiedBroker {
  gateway: Gateway
  /** The listener's bootstrap port. */
  port: number
  bootstrap: string
  /** The test broker (node 1) as clients learn it through Weir: brokerPortBase (port + 1) + 1. */
  weirBroker: { id: number; host: string; port: number }
}

/** `namespacePrefix`: the virtual cluster's topics and groups are the backend's under it. */
export function startProxiedBroker(namespacePrefix?: string): Promise<ProxiedBroker> {
  const namespace = namespacePrefix ? `\n    namespace: { prefix: '${namespacePrefix}' }` : ''
  return onFreePorts(3, async (port) => {
    const { gateway } = await startTestGateway(`virtualClusters:
  - name: vc
    backendCluster: main${namespace}
listeners:
  - name: health
    kind: http
    port: 0
  - name: kafka
    kind: kafka
    virtualCluster: vc
    port: ${port}
`)
    return {
      gateway,
      port,
      bootstrap: `127.0.0.1:${port}`,
      weirBroker: { id: 1, host: '127.0.0.1', port: port + 2 },
    }
  })
}
