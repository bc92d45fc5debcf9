// The two views of a name in a namespaced virtual cluster: what the client says and what the
// backend stores. Every door maps names through this one model (HTTP produce, streams, views,
// request-reply and the portal by namespaceOf, the Kafka listener field by field in its requests
// and responses), so a name means the same topic or group on each. The mapping is a bijection
// between the names a tenant can see and their backend names, so a response always maps back to
// exactly the name the client sent:
// - `hidePrefix`: client `x` is backend `prefix + x`; without it, clients use the backend names and
//   may only name those that start with the prefix.
// - Exposed names (globs, topics and groups only) are the same on both sides. A prefixed backend
//   name whose unprefixed form is exposed is hidden (client `x` already means backend `x`), and a
//   client name whose prefixed form is itself exposed is outside (it would collide with it).
// - Kafka's internal topics are never visible, whatever the globs say, and no client name may be
//   one of theirs either (a tenant's own `prefix + __consumer_offsets` would pass for the real one
//   in tools that special-case it).
import { compileGlobs, type Matcher } from '../core/glob.ts'

/**
 * A virtual cluster's `namespace` as configured (config/schema/clusters.ts validates it). Stated
 * here rather than imported, so that config validation can use this model without a cycle.
 */
export interface NamespaceConfig {
  readonly prefix: string
  readonly hidePrefix: boolean
  readonly expose?: { readonly topics: readonly string[]; readonly groups: readonly string[] }
}

/** The identifiers a namespace applies to (Kafka's `entityType`s of the same names). */
export type NameKind = 'topicName' | 'groupId' | 'transactionalId'

export const nameKinds: readonly NameKind[] = ['topicName', 'groupId', 'transactionalId']

/**
 * Topics Kafka keeps for itself: offsets, transactions, share-group state, KRaft metadata and
 * tiered-storage metadata. A tenant reading or writing one would see or corrupt every tenant's.
 */
export const internalTopics: ReadonlySet<string> = new Set([
  '__consumer_offsets',
  '__transaction_state',
  '__share_group_state',
  '__cluster_metadata',
  '__remote_log_metadata',
])

export interface NameMapper {
  readonly prefix: string
  readonly hidePrefix: boolean
  /** The backend's name for `clientName`, or undefined when it lies outside the namespace. */
  toBackend(kind: NameKind, clientName: string): string | undefined
  /** The client's name for `backendName`, or undefined when this tenant must not see it. */
  toClient(kind: NameKind, backendName: string): string | undefined
}

const nothing: Matcher = () => false

/**
 * Whether any of `globs` could match a name that starts with `prefix`: only when a glob's literal
 * head (up to its first wildcard) and the prefix agree as far as the shorter goes. Usually none
 * can, and prefixed names then skip the collision check (and the string flattening it costs).
 */
function mayMatchPrefixed(globs: readonly string[], prefix: string): boolean {
  return globs.some((glob) => {
    const head = glob.slice(0, glob.search(/[*?]|$/))
    return head.startsWith(prefix) || prefix.startsWith(head)
  })
}

export function createNameMapper(namespace: NamespaceConfig): NameMapper {
  const { prefix, hidePrefix } = namespace
  const topics = namespace.expose?.topics ?? []
  const groups = namespace.expose?.groups ?? []
  const exposedTopic = topics.length > 0 ? compileGlobs(topics) : nothing
  const exposedGroup = groups.length > 0 ? compileGlobs(groups) : nothing
  const exposed = (kind: NameKind, name: string): boolean => {
    if (kind === 'topicName') return !internalTopics.has(name) && exposedTopic(name)
    return kind === 'groupId' && exposedGroup(name)
  }

  const internal = (kind: NameKind, name: string): boolean =>
    kind === 'topicName' && internalTopics.has(name)
  const topicsCollide = mayMatchPrefixed(topics, prefix)
  const groupsCollide = mayMatchPrefixed(groups, prefix)
  const collides = (kind: NameKind, backend: string): boolean =>
    (kind === 'topicName' ? topicsCollide : kind === 'groupId' && groupsCollide) &&
    exposed(kind, backend)

  if (!hidePrefix) {
    // One set of names on both sides: the mapping is the identity on what the tenant may see.
    const visible = (kind: NameKind, name: string): string | undefined => {
      if (internal(kind, name)) return undefined
      return name.startsWith(prefix) || exposed(kind, name) ? name : undefined
    }
    return { prefix, hidePrefix, toBackend: visible, toClient: visible }
  }

  return {
    prefix,
    hidePrefix,
    toBackend(kind, clientName) {
      if (internal(kind, clientName)) return undefined
      if (exposed(kind, clientName)) return clientName
      const backend = prefix + clientName
      return collides(kind, backend) ? undefined : backend
    },
    toClient(kind, backendName) {
      if (exposed(kind, backendName)) return backendName
      if (!backendName.startsWith(prefix)) return undefined
      const client = backendName.slice(prefix.length)
      return exposed(kind, client) || internal(kind, client) ? undefined : client
    },
  }
}
