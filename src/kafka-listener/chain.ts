// The Kafka listener's filter chain for one virtual cluster, declared in one place from its
// configuration: the request filters in the order they run, the response filters in the order
// they run, and the API version caps ApiVersions applies. The order of edits to a response:
//   1. the response filters below, in order, on the broker's answer (in the backend's names
//      until the namespace's filters give them back in the client's);
//   2. then the edits request filters asked for on the answer to their own request (the ACL
//      filter's refusals, schema validation's, a transform's Fetch edit), in request-filter
//      order (response-path.ts): by then the answer is in the client's names, as theirs are.
import type { BackendClusterConfig, VirtualClusterConfig } from '../config/index.ts'
import { anonymous, type Principal } from '../core/principal.ts'
import { backendIdentityOf, type BackendIdentity } from '../kafka/backend-identity.ts'
import { aclApiCap, aclFilter, TopicIdNames, type AclPolicies } from './acl/index.ts'
import { apiVersionsFilter } from './filters/api-versions.ts'
import { backendSaslWatch } from './filters/backend-sasl.ts'
import { brokerAddressFilters } from './filters/broker-addresses.ts'
import { clusterIdFilters } from './filters/cluster-id.ts'
import { namespaceFilters } from './filters/namespace.ts'
import { saslGate } from './filters/sasl-gate.ts'
import type { ConnectionState, RequestFilter, ResponseFilter } from './filters/types.ts'
import {
  connectionLimitFilter,
  quotaFilter,
  type ConnectionPolicies,
  type QuotaPolicies,
} from './quota/index.ts'
import { VirtualClusterSasl, type SaslAuthentication } from './sasl/index.ts'
import { transformApiCap, transformFilter, type TransformPolicies } from './transform/index.ts'
import {
  schemaValidationApiCap,
  schemaValidationFilter,
  type SchemaValidationDeps,
} from './validation/index.ts'
import { narrowest, versionCaps, type VersionCap } from './version-caps.ts'

/**
 * What the listener's filters ask of the PolicyEngine: ACL verdicts, quota charges and transform
 * policies (optional, for callers that have none to give).
 */
export type ListenerPolicies = AclPolicies &
  QuotaPolicies &
  ConnectionPolicies &
  Partial<TransformPolicies>

/** A link of the chain, named for tests and for reading. */
export interface Stage<F> {
  name: string
  filters: readonly F[]
}

export interface KafkaListenerChain {
  /** Request filters, in the order they run. */
  requests: readonly Stage<RequestFilter>[]
  /** Response filters, in the order they run (before any request filter's edit). */
  responses: readonly Stage<ResponseFilter>[]
  /** What ApiVersions offers on top of the codec's limits: the narrowest cap that applies. */
  versionCap: VersionCap
  /** `principal`: who a verified client certificate says the client is (mTLS), if anyone. */
  initialState: (principal?: Principal) => ConnectionState
  /**
   * Who Weir is on each backend broker connection, when it terminates client SASL: the backend
   * identity of a principal (or, before anyone authenticated, of the virtual cluster); undefined
   * from the function: the backend cluster's own. See upstream-logins.ts.
   */
  upstreamIdentity: ((principal?: Principal) => BackendIdentity | undefined) | undefined
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
    policies.writeTransform !== undefined &&
    policies.hasMasks !== undefined &&
    policies.recordEditsFor !== undefined
  )
}

export function kafkaListenerChain(
  vc: VirtualClusterConfig,
  backend: BackendClusterConfig,
  authentication: SaslAuthentication,
  policies: ListenerPolicies,
  /** The policy engine's schema policies, to check Produce records with. */
  schemaValidator?: SchemaValidationDeps['validator']
): KafkaListenerChain {
  const virtualCluster = vc.name
  // Authentication at the gateway: clients log in to Weir; Weir logs in to the backend with the
  // backend cluster's own credentials. Without it, SASL passes through to the broker.
  const terminates = vc.authentication.length > 0
  // Passing SASL through to a broker that requires it, Weir still reads every frame before the
  // broker does: it holds strangers to the broker's own pre-authentication limits meanwhile.
  const backendSasl = !terminates && backend.sasl !== undefined ? backendSaslWatch() : undefined
  const validation = schemaValidator && {
    validator: schemaValidator,
    virtualCluster,
    registry: vc.schemaRegistry,
  }
  const transform = hasTransformPolicies(policies) ? { policies, virtualCluster } : undefined
  const namespace = vc.namespace && namespaceFilters(vc.namespace)

  const requests = stages<RequestFilter>([
    // Who the client is: nothing else runs before the gateway has authenticated it.
    terminates && [
      'authentication',
      saslGate(new VirtualClusterSasl(vc.authentication, authentication)),
    ],
    // Once authenticated, before anything else: a connection over its limit does nothing at all.
    ['connection-limit', connectionLimitFilter({ policies, virtualCluster })],
    // ACLs judge the client's names (what they are written on), with the principal just set.
    ['acl', aclFilter({ policies, virtualCluster, topicNames: new TopicIdNames() })],
    // Rate limits charge what the ACLs let through, as broker quotas (throttle, not refuse).
    ['quota', quotaFilter({ policies, virtualCluster })],
    // Schema policies and subjects go by the client's topic names: before namespacing.
    validation && ['schema-validation', schemaValidationFilter(validation)],
    // After validation (which judges what the producer wrote), before namespacing (transform
    // policies go by the client's topic names).
    transform && ['transform', transformFilter(transform)],
    // Last: the client's names become the backend's, once every policy has judged them.
    namespace && ['namespace', namespace.request],
  ])

  const versionCap = narrowest(
    [
      aclApiCap(policies, virtualCluster),
      validation && schemaValidationApiCap(validation),
      transform && transformApiCap(transform),
      namespace && versionCaps.namespace,
    ].filter((cap) => typeof cap === 'function')
  )

  const responses = stages<ResponseFilter>([
    // Each virtual cluster is a cluster of its own to its clients, with its own id.
    ['cluster-id', ...clusterIdFilters(virtualCluster)],
    backendSasl && ['backend-sasl', backendSasl.response],
    // The backend's names back into the client's, other tenants' dropped.
    namespace && ['namespace', ...namespace.responses],
    // Every broker address a client can learn becomes the gateway's.
    ['broker-addresses', ...brokerAddressFilters],
    // What both the backend and the gateway speak, narrowed by the caps above.
    ['api-versions', apiVersionsFilter(versionCap)],
  ])

  return {
    requests,
    responses,
    versionCap,
    // Without authentication at the gateway, Weir's policies see the client as anonymous (the
    // broker may still authenticate it: SASL frames pass through).
    initialState: (principal) => ({
      principal: principal ?? (terminates ? undefined : anonymous),
      scratch: new Map(),
    }),
    upstreamIdentity: terminates ? (p) => backendIdentityOf(vc, p?.name) : undefined,
    authenticated: terminates
      ? (state) => state.principal !== undefined
      : backendSasl?.authenticated,
  }
}

/** The stages configured (a name and its filters), in order. */
function stages<F>(
  declared: readonly (readonly [string, ...F[]] | false | undefined)[]
): Stage<F>[] {
  const present = declared.filter((stage) => stage !== false && stage !== undefined)
  return present.map(([name, ...filters]) => ({ name, filters }))
}

/** The chain's request filters, in order. */
export function requestFilters(chain: KafkaListenerChain): RequestFilter[] {
  return chain.requests.flatMap((stage) => stage.filters)
}

/** The chain's response filters by API key, each API's in the chain's order. */
export function responseFiltersByApi(
  chain: KafkaListenerChain
): ReadonlyMap<number, readonly ResponseFilter[]> {
  const table = new Map<number, ResponseFilter[]>()
  for (const filter of chain.responses.flatMap((stage) => stage.filters)) {
    const list = table.get(filter.apiKey) ?? []
    list.push(filter)
    table.set(filter.apiKey, list)
  }
  return table
}
