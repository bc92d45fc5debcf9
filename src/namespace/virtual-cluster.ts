// A virtual cluster's namespace as the HTTP doors use it: one mapper per namespace (compiled
// once, kept while its config object lives), the identity for a virtual cluster without one, and
// the one answer every HTTP door gives a topic the namespace does not let the tenant see: the
// same 404 as for a topic that does not exist, so a hidden topic's existence is not given away.
import { GatewayError } from '../core/errors.ts'
import { createNameMapper, type NameMapper, type NamespaceConfig } from './name-mapper.ts'

/** No namespace: every name is its own backend name (ACLs alone decide what a client reaches). */
const identity: NameMapper = {
  prefix: '',
  hidePrefix: false,
  toBackend: (_kind, name) => name,
  toClient: (_kind, name) => name,
}

const mappers = new WeakMap<NamespaceConfig, NameMapper>()

/** The namespace of `vc`: client names ⇄ backend names. */
export function namespaceOf(vc: { readonly namespace?: NamespaceConfig }): NameMapper {
  const namespace = vc.namespace
  if (namespace === undefined) return identity
  let mapper = mappers.get(namespace)
  if (mapper === undefined) {
    mapper = createNameMapper(namespace)
    mappers.set(namespace, mapper)
  }
  return mapper
}

/** The backend topic for a topic a client named; a GatewayError `not-found` when it cannot see it. */
export function backendTopicOf(namespace: NameMapper, topic: string): string {
  const backend = namespace.toBackend('topicName', topic)
  if (backend === undefined) {
    throw new GatewayError('not-found', `topic "${topic}" is outside this virtual cluster`)
  }
  return backend
}

/**
 * The client's name for a backend topic a door reads. Doors only read topics they mapped from a
 * client name, so the mapping back exists; a name it does not cover is shown as the backend has it.
 */
export function clientTopicOf(namespace: NameMapper, backend: string): string {
  return namespace.toClient('topicName', backend) ?? backend
}

/**
 * The backend id of a consumer group a door joins for a tenant (a stream's named or per-principal
 * group): the namespace's own mapping, so an exposed group is the same group a Kafka client of
 * the tenant joins; a name the namespace would refuse is put under the prefix, inside it.
 */
export function backendGroupIdOf(namespace: NameMapper, groupId: string): string {
  return namespace.toBackend('groupId', groupId) ?? namespace.prefix + groupId
}
