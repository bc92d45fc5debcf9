// ACLs on the Kafka path, decided by the same PolicyEngine as every other door: each request is
// mapped onto PolicyRequests (door `kafka`) for the topics, groups and transactional ids it
// names, and refused with Kafka's own error codes where Kafka's broker would put them. Runs after
// the authentication gate (which sets the principal) and before namespacing, so it sees the
// client's names, which are what ACLs are written on. Without any ACL policy on the virtual
// cluster it wants nothing and costs nothing (and a reload that adds one is seen on the next
// request).
import { apiByKey } from '../../protocol/index.ts'
import { forward, type RequestDecision, type RequestFilter } from '../filters/types.ts'
import { Access, type AclPolicies } from './access.ts'
import { coverage } from './coverage.ts'
import { deniedResponse } from './responses/index.ts'
import { forgetFetchSession } from './rules/fetch.ts'
import type { TopicIdNames } from './topic-id-names.ts'
import { capWhile, versionCaps, type VersionCap } from '../version-caps.ts'

const FETCH = 1

export interface AclFilterDeps {
  /** The PolicyEngine, or a delegate to whichever one is current after a reload. */
  policies: AclPolicies
  virtualCluster: string
  /** The listener's topic id → name cache (shared by its connections). */
  topicNames: TopicIdNames
}

/** Wants Produce v0-2 too, so that it is closed rather than let through unchecked (version-caps). */
export function aclFilter(deps: AclFilterDeps): RequestFilter {
  const { policies, virtualCluster, topicNames } = deps
  return {
    wants(apiKey, _version, state) {
      const entry = coverage.get(apiKey)
      if (entry === undefined || entry.kind === 'exempt') return false
      if (policies.hasAcls(virtualCluster)) return true
      // A fetch session built while no ACL applies is never checked: forget the one kept.
      if (apiKey === FETCH) forgetFetchSession(state.scratch)
      return false
    },
    onRequest(body, header, { state }): RequestDecision {
      const apiKey = header.requestApiKey
      const version = header.requestApiVersion
      const entry = coverage.get(apiKey)
      if (entry === undefined || entry.kind === 'exempt') return forward
      if (entry.kind === 'denied') {
        const api = apiByKey.get(apiKey)
        const response = api && deniedResponse(api, version, entry.code)
        if (response !== undefined) return { kind: 'respond', body: response }
        return { kind: 'close', reason: `${api?.name ?? apiKey} is refused while ACLs apply` }
      }
      const principal = state.principal
      if (principal === undefined) {
        // The authentication gate runs first; reaching here without a principal is a wiring bug.
        return { kind: 'close', reason: 'no principal to check ACLs for' }
      }
      const access = new Access(policies, virtualCluster, principal)
      return entry.rule(body, {
        access,
        version,
        topicNames,
        connection: state.scratch,
      })
    },
  }
}

/**
 * For the ApiVersions filter: while ACLs apply, the APIs they refuse outright are not offered,
 * so clients that honour ApiVersions never try them.
 */
export function aclApiCap(policies: AclPolicies, virtualCluster: string): VersionCap {
  return capWhile(() => policies.hasAcls(virtualCluster), versionCaps.acls)
}
