// SNI host names of a listener's virtual clusters, both ways: the names clients are told, and
// which virtual cluster and target a TLS server name asks for. The two formats of Kong's event
// gateway:
// - per-cluster-suffix: bootstrap.<vc>.<domain>, broker-<id>.<vc>.<domain>
// - shared-suffix: bootstrap-<vc>.<domain>, broker-<id>-<vc>.<domain> (one *.<domain> certificate
//   covers every virtual cluster, since a wildcard matches one label only)
export type HostFormat = 'per-cluster-suffix' | 'shared-suffix'

/** What a server name asks for: the bootstrap, or a broker by node id. */
export type SniTarget = 'bootstrap' | number

export interface SniNames {
  bootstrapHost: string
  brokerHost(nodeId: number): string
}

/** The names clients of `virtualCluster` are told. */
export function sniNames(virtualCluster: string, domain: string, format: HostFormat): SniNames {
  const vc = virtualCluster.toLowerCase()
  const zone = domain.toLowerCase()
  const join = format === 'per-cluster-suffix' ? '.' : '-'
  return {
    bootstrapHost: `bootstrap${join}${vc}.${zone}`,
    brokerHost: (nodeId) => `broker-${nodeId}${join}${vc}.${zone}`,
  }
}

export interface SniRoute {
  /** Lower-cased, as host names compare. */
  virtualCluster: string
  target: SniTarget
}

/**
 * The virtual cluster and target a server name asks for, or undefined: a name outside the domain
 * or not of the format. Whether that virtual cluster is served is the listener's question.
 */
export function sniRoute(
  serverName: string | undefined,
  domain: string,
  format: HostFormat
): SniRoute | undefined {
  if (serverName === undefined) return undefined
  const name = serverName.toLowerCase()
  const suffix = `.${domain.toLowerCase()}`
  if (!name.endsWith(suffix)) return undefined
  const head = name.slice(0, -suffix.length)
  const match =
    format === 'per-cluster-suffix'
      ? /^(?:bootstrap|broker-(0|[1-9]\d{0,9}))\.([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)$/.exec(head)
      : /^(?:bootstrap|broker-(0|[1-9]\d{0,9}))-([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)$/.exec(head)
  if (match === null) return undefined
  const [, nodeId, virtualCluster = ''] = match
  return { virtualCluster, target: nodeId === undefined ? 'bootstrap' : Number(nodeId) }
}
