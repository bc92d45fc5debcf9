// SNI host names of a virtual cluster's bootstrap and brokers, both ways: the names clients are
// told, and which target a TLS server name asks for. The two formats of Kong's event gateway:
// - per-cluster-suffix: bootstrap.<vc>.<domain>, broker-<id>.<vc>.<domain>
// - shared-suffix: bootstrap-<vc>.<domain>, broker-<id>-<vc>.<domain> (one *.<domain> certificate
//   covers every virtual cluster, since a wildcard matches one label only)
export type HostFormat = 'per-cluster-suffix' | 'shared-suffix'

export interface SniNames {
  bootstrapHost: string
  brokerHost(nodeId: number): string
  /** What a server name asks for: the bootstrap, a broker, or nothing this listener serves. */
  targetOf(serverName: string | undefined): 'bootstrap' | number | undefined
}

export function sniNames(virtualCluster: string, domain: string, format: HostFormat): SniNames {
  const vc = virtualCluster.toLowerCase()
  const zone = domain.toLowerCase()
  const join = format === 'per-cluster-suffix' ? '.' : '-'
  const bootstrapHost = `bootstrap${join}${vc}.${zone}`
  const broker = new RegExp(`^broker-(0|[1-9]\\d{0,9})${escape(`${join}${vc}.${zone}`)}$`)
  return {
    bootstrapHost,
    brokerHost: (nodeId) => `broker-${nodeId}${join}${vc}.${zone}`,
    targetOf(serverName) {
      if (serverName === undefined) return undefined
      const name = serverName.toLowerCase()
      if (name === bootstrapHost) return 'bootstrap'
      const match = broker.exec(name)
      return match === null ? undefined : Number(match[1])
    },
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
