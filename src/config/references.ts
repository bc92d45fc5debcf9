// Checks that the schema alone cannot express: names are unique, references point at entities
// that exist, and no two listeners claim the same address.
import { namespaceOf } from '../namespace/index.ts'
import type { VirtualClusterConfig, WeirConfig } from './schema/index.ts'
import { isDnsLabel } from './schema/listeners.ts'

type Path = (string | number)[]

export function checkReferences(config: WeirConfig): { path: Path; message: string }[] {
  const found: { path: Path; message: string }[] = []
  const names = (
    kind: keyof WeirConfig & string,
    items: readonly { name: string }[]
  ): Set<string> => {
    const seen = new Set<string>()
    items.forEach((item, index) => {
      if (seen.has(item.name))
        found.push({
          path: [kind, index, 'name'],
          message: `duplicate name "${item.name}" in ${kind}`,
        })
      seen.add(item.name)
    })
    return seen
  }
  const backends = names('backendClusters', config.backendClusters)
  const registries = names('schemaRegistries', config.schemaRegistries)
  const virtuals = names('virtualClusters', config.virtualClusters)
  const policies = names('policies', config.policies)
  names('listeners', config.listeners)
  const kms = names('kms', config.kms)

  const mustExist = (set: Set<string>, kind: string, name: string, path: Path) => {
    if (!set.has(name)) {
      const known = [...set].map((n) => `"${n}"`).join(', ') || 'none are defined'
      found.push({ path, message: `no ${kind} named "${name}" (known: ${known})` })
    }
  }
  // An encrypt policy names the KMS holding its key-encryption key.
  config.policies.forEach((policy, i) => {
    if (policy.kind === 'encrypt') mustExist(kms, 'kms', policy.kms, ['policies', i, 'kms'])
  })
  // An access log sink on Kafka names a backend cluster.
  config.observability.accessLog.sinks.forEach((sink, i) => {
    if (sink.kind !== 'kafka') return
    mustExist(backends, 'backend cluster', sink.backendCluster, [
      'observability',
      'accessLog',
      'sinks',
      i,
      'backendCluster',
    ])
  })
  config.virtualClusters.forEach((vc, i) => {
    mustExist(backends, 'backend cluster', vc.backendCluster, [
      'virtualClusters',
      i,
      'backendCluster',
    ])
    if (vc.schemaRegistry)
      mustExist(registries, 'schema registry', vc.schemaRegistry, [
        'virtualClusters',
        i,
        'schemaRegistry',
      ])
    vc.policies.forEach((p, j) =>
      mustExist(policies, 'policy', p, ['virtualClusters', i, 'policies', j])
    )
  })

  config.listeners.forEach((listener, i) => {
    if (listener.kind !== 'http') return
    const endpoints: { route: { virtualCluster: string; policies: string[] }; path: Path }[] = [
      ...listener.routes.map((route, j) => ({
        route,
        path: ['listeners', i, 'routes', j] as Path,
      })),
      ...(listener.topicsEndpoint
        ? [{ route: listener.topicsEndpoint, path: ['listeners', i, 'topicsEndpoint'] as Path }]
        : []),
    ]
    listener.streams.forEach((stream, j) => {
      endpoints.push({ route: stream, path: ['listeners', i, 'streams', j] as Path })
    })
    listener.views.forEach((view, j) => {
      endpoints.push({ route: view, path: ['listeners', i, 'views', j] as Path })
    })
    // Reply and view topics are read by Weir itself, named as the virtual cluster names them:
    // one its namespace hides is refused here, as every door refuses it to a client.
    const outside = (vcName: string, topic: string): boolean => {
      const vc = config.virtualClusters.find((v) => v.name === vcName)
      return vc !== undefined && namespaceOf(vc).toBackend('topicName', topic) === undefined
    }
    listener.routes.forEach((route, j) => {
      if (route.reply && outside(route.virtualCluster, route.reply.topic))
        found.push({
          path: ['listeners', i, 'routes', j, 'reply', 'topic'],
          message: `topic "${route.reply.topic}" is outside the namespace of virtual cluster "${route.virtualCluster}"`,
        })
    })
    listener.views.forEach((view, j) => {
      if (outside(view.virtualCluster, view.topic))
        found.push({
          path: ['listeners', i, 'views', j, 'topic'],
          message: `topic "${view.topic}" is outside the namespace of virtual cluster "${view.virtualCluster}"`,
        })
    })
    const unreachable = new Set<string>()
    for (const { route, path } of endpoints) {
      mustExist(virtuals, 'virtual cluster', route.virtualCluster, [...path, 'virtualCluster'])
      route.policies.forEach((p, k) => mustExist(policies, 'policy', p, [...path, 'policies', k]))
      const vc = config.virtualClusters.find((v) => v.name === route.virtualCluster)
      const why = vc && noMethodOverHttp(vc, listener.tls?.clientCaFile !== undefined)
      if (why !== undefined && !unreachable.has(route.virtualCluster)) {
        unreachable.add(route.virtualCluster)
        found.push({ path: [...path, 'virtualCluster'], message: why })
      }
    }
  })

  const addresses = new Map<string, number>()
  config.listeners.forEach((listener, i) => {
    if (listener.kind === 'kafka' && listener.virtualCluster !== undefined) {
      mustExist(virtuals, 'virtual cluster', listener.virtualCluster, [
        'listeners',
        i,
        'virtualCluster',
      ])
    }
    const named = listener.kind === 'kafka' ? (listener.virtualClusters ?? []) : []
    named.forEach((name, j) => {
      if (/[*?]/.test(name)) return
      const where = ['listeners', i, 'virtualClusters', j]
      mustExist(virtuals, 'virtual cluster', name, where)
      if (!isDnsLabel(name)) {
        found.push({
          path: where,
          message: `virtual cluster "${name}" is part of host names on this listener: use a DNS label`,
        })
      }
    })
    if (listener.port === 0) return
    const address = `${listener.host}:${listener.port}`
    const other = addresses.get(address)
    if (other !== undefined) {
      found.push({
        path: ['listeners', i, 'port'],
        message: `${address} is already used by listeners[${other}]`,
      })
    }
    addresses.set(address, i)
  })
  return found
}

/**
 * Why no client could authenticate to `vc` on an http listener, if none could: its only method is
 * client certificates, and the listener does not ask for them (SCRAM users log in with HTTP Basic).
 * Every request there would be refused 401: better said when the config loads.
 */
function noMethodOverHttp(vc: VirtualClusterConfig, clientCerts: boolean): string | undefined {
  const kinds = new Set(vc.authentication.map((m) => m.kind))
  if (kinds.size === 0 || clientCerts) return undefined
  if ([...kinds].some((kind) => kind !== 'mtls')) return undefined
  return `virtual cluster "${vc.name}" takes no credential an HTTP client can present here: client certificates need the listener's tls.clientCaFile (every request would be refused 401)`
}
