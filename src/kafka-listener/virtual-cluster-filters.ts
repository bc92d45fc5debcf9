// What a virtual cluster asks of the Kafka listener's pipeline, from its configuration:
// - authentication methods: SASL at the gateway (clients log in to Weir; Weir logs in to the
//   backend with the backend cluster's own credentials); none: SASL passes through to the broker;
// - ACL policies: every request checked through the one policy engine, with Kafka's error codes;
// - rate-limit policies: charged through the same engine, as broker quotas (throttle, not refuse);
// - connection-limit policies: a slot per authenticated connection, closed when over the limit;
// - schema policies: the records of Produce checked against them (see validation/);
// - transform policies: Produce records' headers edited, Fetch records filtered, masked and
//   stripped of headers (see transform/);
// - a namespace: names rewritten both ways, unsafe APIs not offered.
// Order matters: authentication sets the principal, ACLs judge the client's names, and only then
// are names namespaced (responses come back the other way round).
import type { BackendClusterConfig, VirtualClusterConfig } from '../config/index.ts'
import { anonymous, type Principal } from '../core/principal.ts'
import type { VersionCap } from './filters/api-versions.ts'
import { backendSaslWatch } from './filters/backend-sasl.ts'
import { clusterIdFilters } from './filters/cluster-id.ts'
import { namespacedVersionCap, namespaceFilters } from './filters/namespace.ts'
import { saslGate } from './filters/sasl-gate.ts'
import type { ConnectionState, RequestFilter, ResponseFilter } from './filters/types.ts'
import { namespaceApiCap } from './namespace/index.ts'
import { aclApiCap, aclFilter, TopicIdNames, type AclPolicies } from './acl/index.ts'
import {
  connectionLimitFilter,
  quotaFilter,
  type ConnectionPolicies,
  type QuotaPolicies,
} from './quota/index.ts'
import {
  VirtualClusterSasl,
  type SaslAuthentication,
  type UpstreamSaslConfig,
} from './sasl/index.ts'
import { transformApiCap, transformFilter, type TransformPolicies } from './transform/index.ts'
import {
  schemaValidationApiCap,
  schemaValidationFilter,
  type SchemaValidationDeps,
} from './validation/index.ts'

/**
 * What the listener's filters ask of the PolicyEngine: ACL verdicts, quota charges and transform
 * policies (optional, for callers that have none to give).
 */
export type ListenerPolicies = AclPolicies &
  QuotaPolicies &
  ConnectionPolicies &
  Partial<TransformPolicies>

export interface VirtualClusterFilters {
  requests: RequestFilter[]
  /** Run before the broker-address and ApiVersions filters. */
  responses: ResponseFilter<never>[]
  versionCap: VersionCap
  /** `principal`: who a verified client certificate says the client is (mTLS), if anyone. */
  initialState: (principal?: Principal) => ConnectionState
  /** Weir's own login to each backend broker connection, when it terminates client SASL. */
  upstreamSasl: UpstreamSaslConfig | undefined
  /**
   * Whether a connection is past authentication, where someone authenticates clients: Weir, or
   * the broker when SASL passes through to a backend that takes it. Undefined when nobody does.
   */
  authenticated: ((state: ConnectionState) => boolean) | undefined
}

function hasTransformPolicies(
  policies: ListenerPolicies
): policies is ListenerPolicies & TransformPolicies {
  return (
    policies.hasTransforms !== undefined &&
    policies.readTransform !== undefined &&
    policies.writeTransform !== undefined
  )
}

export function virtualClusterFilters(
  vc: VirtualClusterConfig,
  backend: BackendClusterConfig,
  authentication: SaslAuthentication,
  policies: ListenerPolicies,
  /** The policy engine's schema policies, to check Produce records with. */
  schemaValidator?: SchemaValidationDeps['validator']
): VirtualClusterFilters {
  const requests: RequestFilter[] = []
  // Each virtual cluster is a cluster of its own to its clients, with its own id.
  const responses: ResponseFilter<never>[] = clusterIdFilters(vc.name)
  const caps: VersionCap[] = [aclApiCap(policies, vc.name)]
  const terminates = vc.authentication.length > 0
  if (terminates) requests.push(saslGate(new VirtualClusterSasl(vc.authentication, authentication)))
  // Passing SASL through to a broker that requires it, Weir still reads every frame before the
  // broker does: it holds strangers to the broker's own pre-authentication limits meanwhile.
  const backendSasl = !terminates && backend.sasl !== undefined ? backendSaslWatch() : undefined
  if (backendSasl !== undefined) responses.push(backendSasl.response as ResponseFilter<never>)
  // Once authenticated, before anything else: a connection over its limit does nothing at all.
  requests.push(connectionLimitFilter({ policies, virtualCluster: vc.name }))
  requests.push(aclFilter({ policies, virtualCluster: vc.name, topicNames: new TopicIdNames() }))
  requests.push(quotaFilter({ policies, virtualCluster: vc.name }))
  if (schemaValidator !== undefined) {
    // Before namespacing: schema policies and subjects go by the client's topic names.
    const validation = {
      validator: schemaValidator,
      virtualCluster: vc.name,
      registry: vc.schemaRegistry,
    }
    requests.push(schemaValidationFilter(validation))
    caps.push(schemaValidationApiCap(validation))
  }
  if (hasTransformPolicies(policies)) {
    // After validation (which judges what the producer wrote) and before namespacing: transform
    // policies go by the client's topic names.
    const transform = { policies, virtualCluster: vc.name }
    requests.push(transformFilter(transform))
    caps.push(transformApiCap(transform))
  }
  if (vc.namespace !== undefined) {
    const namespace = namespaceFilters(vc.namespace)
    requests.push(namespace.request)
    responses.push(...(namespace.responses as ResponseFilter<never>[]))
    caps.push(namespaceApiCap, namespacedVersionCap)
  }
  return {
    requests,
    responses,
    versionCap: combineCaps(caps),
    // Without authentication at the gateway, Weir's policies see the client as anonymous (the
    // broker may still authenticate it: SASL frames pass through).
    initialState: (principal) => ({
      principal: principal ?? (terminates ? undefined : anonymous),
      scratch: new Map(),
    }),
    upstreamSasl: terminates ? backend.sasl : undefined,
    authenticated: terminates
      ? (state) => state.principal !== undefined
      : backendSasl?.authenticated,
  }
}

/** The narrowest of several caps: removed by any, else the lowest maximum. */
function combineCaps(caps: readonly VersionCap[]): VersionCap {
  return (apiKey) => {
    let max: number | undefined
    for (const cap of caps) {
      const limit = cap(apiKey)
      if (limit === 'remove') return 'remove'
      if (limit !== undefined) max = Math.min(max ?? limit.max, limit.max)
    }
    return max === undefined ? undefined : { max }
  }
}
