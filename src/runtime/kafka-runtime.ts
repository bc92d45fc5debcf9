// One Kafka listener over the shared services. Its filters ask the policy engine per request,
// so policy reloads reach open connections. What connections were set up with (a virtual
// cluster's namespace, SASL, backend identity, backend) is per virtual cluster: a listener with
// SNI routing starts that one virtual cluster again (update), a port-mapped one restarts.
import {
  servedVirtualClusters,
  type KafkaListenerConfig,
  type VirtualClusterConfig,
  type WeirConfig,
} from '../config/index.ts'
import {
  startKafkaListener,
  type RunningKafkaListener,
  type TenantDeps,
} from '../kafka-listener/kafka-listener.ts'
import type { Logger } from '../observability/logger.ts'
import type { Services } from './services.ts'

export interface KafkaRuntime extends Omit<RunningKafkaListener, 'update'> {
  kind: 'kafka'
  /** Takes the virtual clusters the listener serves in `config` (SNI routing only). */
  update(
    listener: KafkaListenerConfig,
    config: WeirConfig
  ): ReturnType<RunningKafkaListener['update']>
}

export async function startKafkaRuntime(
  listener: KafkaListenerConfig,
  config: WeirConfig,
  services: Services,
  logger: Logger
): Promise<KafkaRuntime> {
  const running = await startKafkaListener(listener, {
    tenants: tenantsOf(listener, config, services),
    policies: services.policies,
    schemaValidator: services.schemaValidator,
    logger,
    observability: services.observability,
  })
  return {
    ...running,
    kind: 'kafka' as const,
    update: (next, nextConfig) => running.update(tenantsOf(next, nextConfig, services)),
  }
}

function tenantsOf(
  listener: KafkaListenerConfig,
  config: WeirConfig,
  services: Services
): TenantDeps[] {
  return servedVirtualClusters(listener, config).map((vc) =>
    tenantOf(listener, vc, config, services)
  )
}

function tenantOf(
  listener: KafkaListenerConfig,
  vc: VirtualClusterConfig,
  config: WeirConfig,
  services: Services
): TenantDeps {
  const backend = config.backendClusters.find((b) => b.name === vc.backendCluster)
  if (backend === undefined) {
    throw new Error(
      `kafka listener "${listener.name}": virtual cluster "${vc.name}" has no backend`
    )
  }
  const { policies } = services
  return {
    virtualCluster: vc,
    backend,
    authenticate: async (credentials) => policies.authenticate(vc.name, credentials),
    scramLogin: (mechanism, username) => policies.scramLogin(vc.name, mechanism, username),
    // Asked per connection, so a reload's ip filters reach the next one.
    admitClient: (client) => policies.admitClient(vc.name, client),
    describeBrokers: () => services.backends.describeBrokers(backend.name),
  }
}

const enforced = new Set<string>([
  'acl',
  'rate-limit',
  'connection-limit',
  'ip-filter',
  'schema',
  'transform',
  'mask',
  'encrypt',
])

/**
 * The Kafka listener applies a virtual cluster's namespace, authentication, ACLs, rate limits (as
 * broker quotas), connection limits (counted once a client authenticated), ip filters (on accept), schema policies (on Produce), transform, mask and encrypt policies. A policy kind it does not
 * enforce must be refused rather than let traffic bypass it; a schema policy needs a registry to
 * check ids in.
 */
export function checkKafkaListeners(config: WeirConfig): void {
  for (const listener of config.listeners) {
    if (listener.kind !== 'kafka') continue
    for (const vc of servedVirtualClusters(listener, config)) checkServed(listener.name, vc, config)
  }
}

function checkServed(listener: string, vc: VirtualClusterConfig, config: WeirConfig): void {
  const policies = vc.policies.map((name) => config.policies.find((p) => p.name === name))
  const unapplied = vc.policies.filter((_, i) => !enforced.has(policies[i]?.kind ?? ''))
  if (unapplied.length > 0) {
    throw new Error(
      `kafka listener "${listener}": virtual cluster "${vc.name}" has policies the Kafka listener does not enforce yet (${unapplied.join(', ')}: only ACLs, rate limits, connection limits, ip filters, schema, transform, mask and encrypt policies apply there); use a virtual cluster without them`
    )
  }
  for (const policy of policies) {
    if (policy?.kind !== 'schema') continue
    const refs = [policy.key, policy.value].filter((ref) => ref !== undefined)
    const unregistered = refs.some(
      (ref) => ref.schema === undefined && ref.schemaFile === undefined && !ref.registry
    )
    if (unregistered && vc.schemaRegistry === undefined) {
      throw new Error(
        `kafka listener "${listener}": schema policy "${policy.name}" has no schema registry to check schema ids in; set schemaRegistry on virtual cluster "${vc.name}", or registry on the policy`
      )
    }
  }
}
