// What the engine compiles a whole config into: per virtual cluster its authenticator and policy
// chain, route chains built on first use, and the decryption every read door shares. A reload
// compiles anew and swaps the result at once; what must outlive a compile (rate-limit buckets,
// data keys, KMS clients) is handed in.
import type { WeirConfig } from '../config/schema/index.ts'
import { Authenticator } from './authn/authenticator.ts'
import type { BasicOptions } from './authn/basic.ts'
import type { JwksOptions } from './authn/jwt.ts'
import { PolicyCatalog, type Chain } from './chain.ts'
import type { DataKeyCache } from './encrypt/dek-cache.ts'
import { Decryption } from './encrypt/decryption.ts'
import type { KmsProviders } from './encrypt/kms-providers.ts'
import { EnvelopeReader } from './encrypt/reader.ts'
import type { MaskSchemaSource } from './mask/mask-set.ts'
import type { SharedRateLimits } from './rate-limit-shared.ts'
import type { Clock, RateLimiterOptions } from './rate-limit.ts'

/** Whether any rate limit counts requests, and whether any counts payload bytes. */
export interface RateLimitCounts {
  requests: boolean
  bytes: boolean
}

export interface VirtualClusterPolicies {
  names: readonly string[]
  /** Where its Confluent-framed values' writer schemas are (masks read them). */
  registry: string | undefined
  authenticator: Authenticator
  chain: Chain
  /** Route chains by the route's policy list: by identity first (config arrays are stable)... */
  byList: WeakMap<readonly string[], Chain>
  /** ...then by content, for callers that build a fresh array per request. */
  byKey: Map<string, Chain>
  /** What the cluster's own rate limits count (asked per Kafka request, so computed once). */
  counts: RateLimitCounts
}

export interface CompiledPolicies {
  catalog: PolicyCatalog
  vcs: Map<string, VirtualClusterPolicies>
  /** The `kms:` entries' providers, by name. */
  kms: ReturnType<KmsProviders['resolve']>
  decryption: Decryption
}

export interface CompileOptions {
  now: Clock
  jwks?: JwksOptions
  basic?: Omit<BasicOptions, 'now'>
  rateLimits?: RateLimiterOptions
  maskSchemas?: MaskSchemaSource
  /** The shared state store, used only when the config has a `state:` section. */
  state?: Pick<SharedRateLimits, 'store' | 'report'>
  kmsProviders: KmsProviders
  dataKeys: DataKeyCache
  /** The catalog this compile replaces: rate limits whose settings did not change keep their buckets. */
  previous?: PolicyCatalog
}

/** Throws (naming the virtual cluster) when a policy or an authentication does not compile. */
export function compilePolicies(config: WeirConfig, options: CompileOptions): CompiledPolicies {
  const kms = options.kmsProviders.resolve(config.kms)
  const provider = (name: string) => kms.get(name)?.kms
  const cache = options.dataKeys
  const shared =
    options.state && config.state
      ? { ...options.state, onUnavailable: config.state.onUnavailable, now: options.now }
      : undefined
  const catalog = new PolicyCatalog(config.policies, {
    rateLimits: { ...options.rateLimits, shared },
    previous: options.previous,
    maskSchemas: options.maskSchemas,
    encryption: { kms: provider, cache },
  })
  const decryption = new Decryption(
    new EnvelopeReader({ kms: provider, cache }),
    options.maskSchemas
  )
  const vcs = new Map<string, VirtualClusterPolicies>()
  const authOptions = { jwks: options.jwks, basic: { ...options.basic, now: options.now } }
  for (const vc of config.virtualClusters) {
    let authenticator: Authenticator
    try {
      authenticator = new Authenticator(vc.authentication, authOptions)
    } catch (err) {
      // Bad keys or hashes surface when the config loads, named by where they are.
      throw new Error(`virtual cluster "${vc.name}" authentication: ${(err as Error).message}`, {
        cause: err,
      })
    }
    const chain = catalog.chain(vc.policies)
    vcs.set(vc.name, {
      names: vc.policies,
      registry: vc.schemaRegistry,
      authenticator,
      chain,
      byList: new WeakMap(),
      byKey: new Map(),
      counts: {
        requests: chain.limiters.some((l) => l.config.requestsPerSecond !== undefined),
        bytes: chain.limiters.some((l) => l.config.bytesPerSecond !== undefined),
      },
    })
  }
  return { catalog, vcs, kms, decryption }
}

/** The virtual cluster's policies; throws for a name the config does not have. */
export function virtualClusterOf(compiled: CompiledPolicies, name: string): VirtualClusterPolicies {
  const vc = compiled.vcs.get(name)
  if (vc === undefined) throw new Error(`no virtual cluster named "${name}"`)
  return vc
}

/** The chain of a route: its virtual cluster's policies, then the route's own, compiled once. */
export function routeChain(
  compiled: CompiledPolicies,
  virtualCluster: string,
  routePolicies: readonly string[] | undefined
): Chain {
  const vc = virtualClusterOf(compiled, virtualCluster)
  if (routePolicies === undefined || routePolicies.length === 0) return vc.chain
  let chain = vc.byList.get(routePolicies)
  if (chain === undefined) {
    const key = routePolicies.join('\u0000')
    chain = vc.byKey.get(key)
    if (chain === undefined) {
      chain = compiled.catalog.chain([...vc.names, ...routePolicies])
      vc.byKey.set(key, chain)
    }
    vc.byList.set(routePolicies, chain)
  }
  return chain
}
