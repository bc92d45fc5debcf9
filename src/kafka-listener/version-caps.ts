// Every rule that keeps the Kafka listener's clients off some versions of an API, stated once with
// its reason. The ApiVersions filter offers the narrowest of the caps that apply to a virtual
// cluster (the chain says which apply when); the filters hold clients that ignore ApiVersions to
// the same versions by referring to the constants here.
import { apis, type ApiName } from '../protocol/index.ts'
import { coverage } from './acl/coverage.ts'
import { apiKey } from './filters/by-api.ts'
import { namespaceApiCap } from './namespace/index.ts'

/** A limit on the versions offered of an API: a maximum, removed altogether, or none. */
export type VersionCap = (apiKey: number) => { max: number } | 'remove' | undefined

/**
 * Produce below v3 (message sets, before record batches) is beyond the codec, which starts at v3.
 * Kafka 4 advertises Produce v0 although it serves v3+, because librdkafka refuses brokers whose
 * Produce minimum is above 0 (KAFKA-18659): ApiVersions keeps that minimum, and the proxy passes
 * v0-2 undecoded (reading only their acks). A filter that must see every Produce request (ACLs,
 * schema validation, transforms) wants them anyway: their decoding fails and the connection is
 * closed, rather than the request let through unseen.
 */
export const FIRST_DECODED_PRODUCE = apis.produce.minVersion

/** Whether a request passes the proxy undecoded, whatever the filters want (Produce v0-2). */
export function undecodable(key: number, version: number): boolean {
  return key === apis.produce.key && version < FIRST_DECODED_PRODUCE
}

/**
 * The last version of each API that names topics: above it they go by id alone (KIP-516), and
 * policies, schema subjects and namespaces go by name.
 */
export const lastVersionNamingTopics = {
  produce: 12,
  fetch: 12,
  offsetCommit: 9,
  offsetFetch: 9,
} as const satisfies Partial<Record<ApiName, number>>

export type TopicNamingApi = keyof typeof lastVersionNamingTopics

/** Whether `version` of `api` names topics by id alone. */
export function topicsById(api: TopicNamingApi, version: number): boolean {
  return version > lastVersionNamingTopics[api]
}

/** Share groups (KIP-932): their APIs name topics by id only, in every version. */
const topicsByIdOnly: readonly ApiName[] = [
  'shareGroupHeartbeat',
  'shareGroupDescribe',
  'shareFetch',
  'shareAcknowledge',
]

/** Held to the last versions of `names` that name topics. */
export function topicsByName(names: readonly TopicNamingApi[]): VersionCap {
  const caps = new Map(names.map((name) => [apiKey(name), lastVersionNamingTopics[name]]))
  return (key) => {
    const max = caps.get(key)
    return max === undefined ? undefined : { max }
  }
}

function removed(keys: Iterable<number>): VersionCap {
  const set = new Set(keys)
  return (key) => (set.has(key) ? 'remove' : undefined)
}

/** `cap` while `applies()`, asked each time ApiVersions is answered (a reload may change it). */
export function capWhile(applies: () => boolean, cap: VersionCap): VersionCap {
  return (key) => (applies() ? cap(key) : undefined)
}

/** The narrowest of several caps: removed by any, else the lowest maximum. */
export function narrowest(caps: readonly VersionCap[]): VersionCap {
  return (key) => {
    let max: number | undefined
    for (const cap of caps) {
      const limit = cap(key)
      if (limit === 'remove') return 'remove'
      if (limit !== undefined) max = Math.min(max ?? limit.max, limit.max)
    }
    return max === undefined ? undefined : { max }
  }
}

/** What each kind of policy caps, while it applies to the virtual cluster. */
export const versionCaps = {
  /** ACLs: the APIs they refuse outright are not offered, so honest clients never try them. */
  acls: (key) => (coverage.get(key)?.kind === 'denied' ? 'remove' : undefined),
  /** Schema policies judge Produce records by topic name, and subjects are named after topics. */
  schemaPolicies: topicsByName(['produce']),
  /** Transform policies match Produce and Fetch records by topic name. */
  transforms: topicsByName(['produce', 'fetch']),
  /**
   * Namespaces: unsafe APIs are not offered (namespace/unsafe-apis.ts says why, each), and an id
   * says nothing of its tenant, so no prefix can confine it: versions naming topics by id alone
   * are not offered, nor the share-group APIs, which exist only by id.
   */
  namespace: narrowest([
    namespaceApiCap,
    topicsByName(['produce', 'fetch', 'offsetCommit', 'offsetFetch']),
    removed(topicsByIdOnly.map(apiKey)),
  ]),
} as const satisfies Record<string, VersionCap>
