// Which virtual clusters a Kafka listener serves: its one `virtualCluster`, or, with SNI routing,
// every virtual cluster `virtualClusters` names or matches. Computed from the whole config, so a
// virtual cluster added to the config joins a listener whose glob matches it on the next reload.
import { compileGlobs } from '../core/glob.ts'
import { isDnsLabel } from './schema/listeners.ts'
import type { KafkaListenerConfig, VirtualClusterConfig, WeirConfig } from './schema/index.ts'

export function servedVirtualClusters(
  listener: Pick<KafkaListenerConfig, 'virtualCluster' | 'virtualClusters'>,
  config: Pick<WeirConfig, 'virtualClusters'>
): VirtualClusterConfig[] {
  if (listener.virtualCluster !== undefined) {
    const vc = config.virtualClusters.find((v) => v.name === listener.virtualCluster)
    return vc === undefined ? [] : [vc]
  }
  const patterns = listener.virtualClusters ?? []
  const named = new Set(patterns.filter((p) => !/[*?]/.test(p)))
  const matches = compileGlobs(patterns)
  // A glob only takes names that can stand in a host name; a name listed outright that cannot is
  // a config error (see references.ts).
  return config.virtualClusters.filter(
    (vc) => named.has(vc.name) || (matches(vc.name) && isDnsLabel(vc.name))
  )
}
