// What a configuration change means for a running node, computed from the diff of two validated
// configs. Policies and authentication live in the one policy engine, which every door asks per
// request: they are swapped in place and touch no connection. An http listener whose routes or
// streams changed gets a new request handler on the same server (open streams keep theirs). Only
// what a running socket depends on (a listener's address or TLS, a Kafka listener's virtual
// cluster namespace, SASL or backend) restarts that listener, and only backend clusters and schema
// registries, which every door shares, restart them all.
import { isDeepStrictEqual } from 'node:util'
import {
  servedVirtualClusters,
  type KafkaListenerConfig,
  type ListenerConfig,
  type VirtualClusterConfig,
  type WeirConfig,
} from '../config/index.ts'

export type ListenerAction =
  | { kind: 'start'; listener: string }
  | { kind: 'stop'; listener: string }
  | { kind: 'restart'; listener: string; reason: string }
  /**
   * An http listener's routes, streams or pages rebuilt behind the same server; an SNI Kafka
   * listener's virtual clusters joining, leaving or starting again on the same port.
   */
  | { kind: 'update'; listener: string; reason: string }

export interface ReloadPlan {
  /** Nothing differs: the running config stays as it is. */
  unchanged: boolean
  /** Why every listener restarts on new shared services (backend clusters, schema registries). */
  restartAll?: string
  /** Policies, authentication, virtual clusters or KMSes differ: the engine takes them in place. */
  policies: boolean
  logging: boolean
  listeners: ListenerAction[]
}

/** Fields of an http listener that the request handler uses, not the server. */
const httpAppFields = [
  'routes',
  'streams',
  'topicsEndpoint',
  'examplePage',
  'portal',
  'health',
  'maxBodyBytes',
  // The CORS gate is one of the handlers the server takes anew.
  'cors',
  // Request-reply stores and views: the core reconfigures them; the handler is rebuilt.
  'requests',
  'views',
] as const

export function planReload(current: WeirConfig, next: WeirConfig): ReloadPlan {
  const plan: ReloadPlan = {
    unchanged: isDeepStrictEqual(current, next),
    policies:
      !isDeepStrictEqual(current.policies, next.policies) ||
      !isDeepStrictEqual(current.virtualClusters, next.virtualClusters) ||
      // The engine holds the KMS providers of encrypt policies, and their data keys.
      !isDeepStrictEqual(current.kms, next.kms) ||
      !isDeepStrictEqual(current.dataKeys, next.dataKeys),
    logging: !isDeepStrictEqual(current.logging, next.logging),
    listeners: [],
  }
  if (plan.unchanged) return plan
  if (!isDeepStrictEqual(current.backendClusters, next.backendClusters)) {
    plan.restartAll = 'backend clusters changed'
  } else if (!isDeepStrictEqual(current.schemaRegistries, next.schemaRegistries)) {
    plan.restartAll = 'schema registries changed'
  } else if (!isDeepStrictEqual(current.state, next.state)) {
    plan.restartAll = 'shared state store changed'
  }
  const before = new Map(current.listeners.map((l) => [l.name, l]))
  const after = new Map(next.listeners.map((l) => [l.name, l]))
  for (const name of before.keys()) {
    if (!after.has(name)) plan.listeners.push({ kind: 'stop', listener: name })
  }
  for (const [name, listener] of after) {
    const old = before.get(name)
    if (old === undefined) {
      plan.listeners.push({ kind: 'start', listener: name })
      continue
    }
    if (plan.restartAll !== undefined) {
      plan.listeners.push({ kind: 'restart', listener: name, reason: plan.restartAll })
      continue
    }
    const action = listenerAction(old, listener, current, next)
    if (action !== undefined) plan.listeners.push(action)
  }
  return plan
}

function listenerAction(
  old: ListenerConfig,
  listener: ListenerConfig,
  current: WeirConfig,
  next: WeirConfig
): ListenerAction | undefined {
  const name = listener.name
  if (old.kind !== listener.kind) return { kind: 'restart', listener: name, reason: 'kind changed' }
  if (old.kind === 'kafka' && listener.kind === 'kafka') {
    return kafkaListenerAction(old, listener, current, next)
  }
  if (!isDeepStrictEqual(serverFields(old), serverFields(listener))) {
    return { kind: 'restart', listener: name, reason: 'server settings changed' }
  }
  const changed: string[] = httpAppFields.filter(
    (field) =>
      !isDeepStrictEqual(
        (old as Record<string, unknown>)[field],
        (listener as Record<string, unknown>)[field]
      )
  )
  // Routes and streams carry their virtual cluster's namespace and registry into the handler.
  if (!isDeepStrictEqual(routeFields(current), routeFields(next))) changed.push('routes')
  // The portal documents a listener's security schemes and schema policies: regenerate them.
  const policiesChanged =
    !isDeepStrictEqual(current.policies, next.policies) ||
    !isDeepStrictEqual(current.virtualClusters, next.virtualClusters)
  if (listener.kind === 'http' && listener.portal !== undefined && policiesChanged) {
    changed.push('portal documents')
  }
  if (changed.length === 0) return undefined
  return { kind: 'update', listener: name, reason: `${[...new Set(changed)].join(', ')} changed` }
}

/**
 * A Kafka listener restarts when its own settings change. Otherwise what changes is which virtual
 * clusters it serves, or how their connections are set up: an SNI listener takes that in place
 * (only the virtual clusters concerned lose their connections), a port-mapped one restarts.
 */
function kafkaListenerAction(
  old: KafkaListenerConfig,
  listener: KafkaListenerConfig,
  current: WeirConfig,
  next: WeirConfig
): ListenerAction | undefined {
  const name = listener.name
  const { virtualCluster: _a, virtualClusters: _b, ...settingsBefore } = old
  const { virtualCluster: _c, virtualClusters: _d, ...settingsAfter } = listener
  const sni = listener.sni !== undefined
  if (!isDeepStrictEqual(settingsBefore, settingsAfter)) {
    return { kind: 'restart', listener: name, reason: 'listener settings changed' }
  }
  const before = new Map(servedVirtualClusters(old, current).map((vc) => [vc.name, vc]))
  const after = new Map(servedVirtualClusters(listener, next).map((vc) => [vc.name, vc]))
  const changes: string[] = []
  const joined = [...after.keys()].filter((vc) => !before.has(vc))
  const left = [...before.keys()].filter((vc) => !after.has(vc))
  if (joined.length > 0) changes.push(`virtual clusters joined: ${joined.join(', ')}`)
  if (left.length > 0) changes.push(`virtual clusters left: ${left.join(', ')}`)
  for (const [vc, config] of after) {
    const was = before.get(vc)
    if (was === undefined) continue
    const fieldsBefore = connectionFields(was)
    const fieldsAfter = connectionFields(config)
    const what = Object.keys({ ...fieldsBefore, ...fieldsAfter }).filter(
      (k) =>
        !isDeepStrictEqual(
          fieldsBefore[k as keyof typeof fieldsBefore],
          fieldsAfter[k as keyof typeof fieldsAfter]
        )
    )
    if (what.length > 0) changes.push(`virtual cluster "${vc}" ${what.join(', ')} changed`)
  }
  if (changes.length === 0) return undefined
  return { kind: sni ? 'update' : 'restart', listener: name, reason: changes.join('; ') }
}

/** What a Kafka listener's open connections were set up with. */
function connectionFields(vc: VirtualClusterConfig | undefined): Partial<VirtualClusterConfig> {
  if (vc === undefined) return {}
  const { policies: _policies, ...rest } = vc
  return rest
}

function serverFields(listener: ListenerConfig): Record<string, unknown> {
  const fields: Record<string, unknown> = { ...listener }
  for (const field of httpAppFields) delete fields[field]
  return fields
}

/** Virtual cluster settings an http handler compiles in: all but policies and authentication. */
function routeFields(config: WeirConfig): unknown[] {
  return config.virtualClusters.map(
    ({ policies: _p, authentication: _a, ...rest }) => rest as unknown
  )
}
