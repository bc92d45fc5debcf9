// Every policy of a config compiled once, by name, and the chains built from them: the policies in
// force for one virtual cluster, or one route of it, sorted by kind and in the order listed.
import type {
  PolicyConfig,
  RateLimitPolicyConfig,
  SchemaPolicyConfig,
} from '../config/schema/index.ts'
import { AclSet, compileAclPolicy, type CompiledAclPolicy } from './acl.ts'
import { compileGlobs, type Matcher } from '../core/glob.ts'
import { ConnectionLimiter } from './connection-limit.ts'
import { IpFilter } from './ip-filter.ts'
import { RateLimiter, type RateLimiterOptions } from './rate-limit.ts'
import { TransformSet, type CompiledTransformPolicy } from './transform/index.ts'
import { MaskPolicy, MaskSet, type MaskSchemaSource } from './mask/mask-set.ts'
import { EncryptPolicy, type EncryptDeps } from './encrypt/encrypt-policy.ts'
import { EncryptSet } from './encrypt/encrypt-set.ts'

export interface Chain {
  /** All applicable ACL policies pooled; undefined when none applies (open by default). */
  acl: AclSet | undefined
  limiters: readonly RateLimiter[]
  connectionLimits: readonly ConnectionLimiter[]
  /** Where clients may connect from; every door asks before it authenticates. */
  ipFilters: readonly IpFilter[]
  schemas: readonly CompiledSchemaPolicy[]
  transforms: TransformSet
  masks: MaskSet
  encrypts: EncryptSet
}

export interface CompiledSchemaPolicy {
  topics: Matcher
  config: SchemaPolicyConfig
}

export class PolicyCatalog {
  readonly #names = new Set<string>()
  readonly #acls = new Map<string, CompiledAclPolicy>()
  readonly #limiters = new Map<string, RateLimiter>()
  readonly #connectionLimits = new Map<string, ConnectionLimiter>()
  readonly #schemas = new Map<string, CompiledSchemaPolicy>()
  readonly #ipFilters = new Map<string, IpFilter>()
  readonly #transforms = new Map<string, CompiledTransformPolicy>()
  readonly #masks = new Map<string, MaskPolicy>()
  readonly #encrypts = new Map<string, EncryptPolicy>()

  /**
   * `previous`: the catalog of the engine being replaced. Its rate limiters are taken over where a
   * policy's settings did not change, so a reload does not hand every client a fresh burst.
   */
  constructor(
    policies: readonly PolicyConfig[],
    options: {
      rateLimits?: RateLimiterOptions
      previous?: PolicyCatalog
      /** Writer schemas for masks of registry values. */
      maskSchemas?: MaskSchemaSource
      /** KMS providers and the data-key cache, for encrypt policies. */
      encryption?: Omit<EncryptDeps, 'schemas'>
    } = {}
  ) {
    for (const policy of policies) {
      this.#names.add(policy.name)
      if (policy.kind === 'acl') this.#acls.set(policy.name, compileAclPolicy(policy))
      else if (policy.kind === 'rate-limit') {
        const kept = options.previous?.limiter(policy.name)
        const reuse =
          kept !== undefined &&
          sameRateLimit(kept.config, policy) &&
          kept.store === options.rateLimits?.shared?.store
        this.#limiters.set(policy.name, reuse ? kept : new RateLimiter(policy, options.rateLimits))
      } else if (policy.kind === 'connection-limit') {
        // Counts are carried over whatever changed: the connections they count are still open.
        const kept = options.previous?.connectionLimiter(policy.name)
        this.#connectionLimits.set(policy.name, new ConnectionLimiter(policy, kept?.counter))
      } else if (policy.kind === 'ip-filter') {
        this.#ipFilters.set(policy.name, new IpFilter(policy))
      } else if (policy.kind === 'transform') {
        this.#transforms.set(policy.name, { topics: compileGlobs(policy.topics), config: policy })
      } else if (policy.kind === 'mask') {
        this.#masks.set(policy.name, new MaskPolicy(policy, options.maskSchemas))
      } else if (policy.kind === 'encrypt') {
        const { encryption } = options
        if (encryption === undefined) throw new Error(`encrypt policy "${policy.name}": no KMS`)
        const deps = { ...encryption, schemas: options.maskSchemas }
        this.#encrypts.set(policy.name, new EncryptPolicy(policy, deps))
      } else {
        this.#schemas.set(policy.name, { topics: compileGlobs(policy.topics), config: policy })
      }
    }
  }

  limiter(name: string): RateLimiter | undefined {
    return this.#limiters.get(name)
  }

  connectionLimiter(name: string): ConnectionLimiter | undefined {
    return this.#connectionLimits.get(name)
  }

  /** A chain from policy names: the cluster's, then a route's. */
  chain(names: readonly string[]): Chain {
    const acls = new Set<CompiledAclPolicy>()
    const limiters = new Set<RateLimiter>()
    const connectionLimits = new Set<ConnectionLimiter>()
    const schemas: CompiledSchemaPolicy[] = []
    const transforms: CompiledTransformPolicy[] = []
    const masks: MaskPolicy[] = []
    const encrypts: EncryptPolicy[] = []
    const ipFilters = new Set<IpFilter>()
    for (const name of names) {
      if (!this.#names.has(name)) throw new Error(`no policy named "${name}"`)
      const acl = this.#acls.get(name)
      const limiter = this.#limiters.get(name)
      const schema = this.#schemas.get(name)
      // Sets: a limit listed twice must not charge twice. Schemas keep every position, so one a
      // route lists again still wins over the cluster's later ones.
      if (acl !== undefined) acls.add(acl)
      if (limiter !== undefined) limiters.add(limiter)
      const connectionLimit = this.#connectionLimits.get(name)
      if (connectionLimit !== undefined) connectionLimits.add(connectionLimit)
      if (schema !== undefined) schemas.push(schema)
      const transform = this.#transforms.get(name)
      if (transform !== undefined) transforms.push(transform)
      const mask = this.#masks.get(name)
      if (mask !== undefined && !masks.includes(mask)) masks.push(mask)
      const encrypt = this.#encrypts.get(name)
      if (encrypt !== undefined && !encrypts.includes(encrypt)) encrypts.push(encrypt)
      const ipFilter = this.#ipFilters.get(name)
      if (ipFilter !== undefined) ipFilters.add(ipFilter)
    }
    return {
      acl: acls.size === 0 ? undefined : new AclSet([...acls]),
      limiters: [...limiters],
      connectionLimits: [...connectionLimits],
      ipFilters: [...ipFilters],
      schemas,
      transforms: new TransformSet(transforms),
      masks: new MaskSet(masks),
      encrypts: new EncryptSet(encrypts),
    }
  }
}

function sameRateLimit(a: RateLimitPolicyConfig, b: RateLimitPolicyConfig): boolean {
  return (
    a.per === b.per &&
    a.requestsPerSecond === b.requestsPerSecond &&
    a.bytesPerSecond === b.bytesPerSecond &&
    a.burstSeconds === b.burstSeconds
  )
}
