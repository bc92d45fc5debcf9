// One Kafka listener over the shared services. Its filters ask the policy engine per request,
// so policy reloads reach open connections; what the connections were set up with (namespace,
// SASL, backend) needs a restart of this listener alone.
import type { KafkaListenerConfig, WeirConfig } from '../config/index.ts'
import { startKafkaListener, type RunningKafkaListener } from '../kafka-listener/kafka-listener.ts'
import type { Logger } from '../observability/logger.ts'
import type { Services } from './services.ts'

export interface KafkaRuntime extends RunningKafkaListener {
  kind: 'kafka'
}

export async function startKafkaRuntime(
  listener: KafkaListenerConfig,
  config: WeirConfig,
  services: Services,
  logger: Logger
): Promise<KafkaRuntime> {
  const vc = config.virtualClusters.find((v) => v.name === listener.virtualCluster)
  const backend = config.backendClusters.find((b) => b.name === vc?.backendCluster)
  if (vc === undefined || backend === undefined) {
    throw new Error(`kafka listener "${listener.name}": virtual cluster has no backend`)
  }
  const { policies } = services
  const running = await startKafkaListener(listener, {
    virtualCluster: vc,
    authenticate: (credentials) => policies.authenticate(vc.name, credentials),
    scramLogin: (mechanism, username) => policies.scramLogin(vc.name, mechanism, username),
    policies,
    // Asked per connection, so a reload's ip filters reach the next one.
    admitClient: (client) => policies.admitClient(vc.name, client),
    schemaValidator: services.schemaValidator,
    backend,
    describeBrokers: () => services.backends.describeBrokers(backend.name),
    logger,
    observability: services.observability,
  })
  return Object.assign(running, { kind: 'kafka' as const })
}

/**
 * The Kafka listener applies a virtual cluster's namespace, authentication, ACLs, rate limits (as
 * broker quotas), connection limits (counted once a client authenticated), ip filters (on accept), schema policies (on Produce) and transform policies. A policy kind it does not
 * enforce must be refused rather than let traffic bypass it; a schema policy needs a registry to
 * check ids in.
 */
export function checkKafkaListeners(config: WeirConfig): void {
  const enforced = new Set<string>([
    'acl',
    'rate-limit',
    'connection-limit',
    'ip-filter',
    'schema',
    'transform',
  ])
  for (const listener of config.listeners) {
    if (listener.kind !== 'kafka') continue
    const vc = config.virtualClusters.find((v) => v.name === listener.virtualCluster)
    const policies = (vc?.policies ?? []).map((name) =>
      config.policies.find((p) => p.name === name)
    )
    const unapplied = (vc?.policies ?? []).filter((_, i) => !enforced.has(policies[i]?.kind ?? ''))
    if (unapplied.length > 0) {
      throw new Error(
        `kafka listener "${listener.name}": virtual cluster "${listener.virtualCluster}" has policies the Kafka listener does not enforce yet (${unapplied.join(', ')}: only ACLs, rate limits, connection limits, ip filters, schema and transform policies apply there); use a virtual cluster without them`
      )
    }
    for (const policy of policies) {
      if (policy?.kind !== 'schema') continue
      const refs = [policy.key, policy.value].filter((ref) => ref !== undefined)
      const unregistered = refs.some(
        (ref) => ref.schema === undefined && ref.schemaFile === undefined && !ref.registry
      )
      if (unregistered && vc?.schemaRegistry === undefined) {
        throw new Error(
          `kafka listener "${listener.name}": schema policy "${policy.name}" has no schema registry to check schema ids in; set schemaRegistry on virtual cluster "${listener.virtualCluster}", or registry on the policy`
        )
      }
    }
  }
}
