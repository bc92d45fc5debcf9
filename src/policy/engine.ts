// The one policy engine every door asks: authenticate, then authorize (ACLs, then rate limits),
// admit connections (connection limits), which schema policy applies, and what transforms do to
// records written and read. Built from a whole validated config, compiled once; a reload builds a
// new engine (optionally inheriting rate limit state from the previous one).
import type { SchemaPolicyConfig, WeirConfig } from '../config/schema/index.ts'
import { allow, type Decision } from '../core/decision.ts'
import type { PolicyRequest } from '../core/policy-request.ts'
import type { Credentials, Principal } from '../core/principal.ts'
import type { KmsFailureReport } from '../kms/reporting.ts'
import type { AuthResult } from './authn/authenticator.ts'
import type { BasicOptions } from './authn/basic.ts'
import type { JwksOptions } from './authn/jwt.ts'
import type { ScramLogin } from './authn/scram.ts'
import type { ScramMechanism } from './authn/scram-keys.ts'
import type { AclRequest } from './acl.ts'
import type { Chain } from './chain.ts'
import {
  compilePolicies,
  routeChain,
  virtualClusterOf,
  type CompiledPolicies,
  type RateLimitCounts,
  type VirtualClusterPolicies,
} from './compile.ts'
import {
  admitConnection,
  ConnectionCounter,
  type ConnectionAdmission,
  type ConnectionLimit,
  type ConnectionRequest,
} from './connection-limit.ts'
import { SharedConnectionSlots } from './connection-limit-shared.ts'
import { DataKeyCache, type DataKeyCacheOptions } from './encrypt/dek-cache.ts'
import { KmsProviders } from './encrypt/kms-providers.ts'
import { evaluateIpFilters } from './ip-filter.ts'
import type { MaskSchemaSource, MaskSide, RecordEdit } from './mask/mask-set.ts'
import type { Bucket, Clock, RateLimitCharge, RateLimiterOptions } from './rate-limit.ts'
import type { OnUnavailable, SharedRateLimits } from './rate-limit-shared.ts'
import {
  chargeAfter,
  chargeOrRefuse,
  prepareRateLimits,
  rateLimitHeadersOf,
} from './rate-limits.ts'
import { decryptorOf, encryptorOf, recordEditsOf, type EditContext } from './record-edits-for.ts'
import type { ReadTransform, WriteTransform } from './transform/index.ts'

export type { RateLimitCounts } from './compile.ts'

export interface PolicyEngineOptions {
  /** Monotonic milliseconds for rate limits and credential caches (default performance.now). */
  now?: Clock
  jwks?: JwksOptions
  basic?: Omit<BasicOptions, 'now'>
  rateLimits?: RateLimiterOptions
  /** The engine this one replaces: rate limits whose settings did not change keep their buckets. */
  previous?: PolicyEngine
  /** Writer schemas by registry and id, for mask policies over Confluent-framed values. */
  maskSchemas?: MaskSchemaSource
  /** Overrides the config's `dataKeys` (tests step the clock). */
  dataKeys?: DataKeyCacheOptions
  /** Where KMS failures are told to the operator (the log), a few at most per window. */
  onKmsFailure?: KmsFailureReport
  /** The store of the config's `state:` section: rate and connection limits become cluster-wide. */
  state?: Pick<SharedRateLimits, 'store' | 'report'> & {
    /** Counts (and logs) a connection admitted or refused without the store. */
    reportConnection?: (outcome: OnUnavailable) => void
  }
}

export class PolicyEngine {
  readonly #now: Clock
  readonly #options: PolicyEngineOptions
  #compiled: CompiledPolicies
  /** Buckets that passed their check, awaiting commit. authorize is synchronous, so one suffices. */
  readonly #pending: Bucket[] = []
  /** Connections per stream and principal (a stream's `maxConnectionsPerPrincipal`). */
  readonly #routeConnections: ConnectionCounter
  /** With a `state:` store: connection counts across nodes. */
  #connectionSlots: SharedConnectionSlots | undefined
  /** Kept across reloads: a reload does not have every data key unwrapped again. */
  readonly #dataKeys: DataKeyCache
  /** Kept across reloads too: an unchanged `kms:` entry keeps its provider. */
  readonly #kmsProviders: KmsProviders

  constructor(config: WeirConfig, options: PolicyEngineOptions = {}) {
    this.#now = options.now ?? (() => performance.now())
    this.#options = options
    this.#dataKeys =
      options.previous === undefined
        ? new DataKeyCache({ ...config.dataKeys, ...options.dataKeys })
        : options.previous.#dataKeys
    this.#kmsProviders =
      options.previous === undefined
        ? new KmsProviders(options.onKmsFailure)
        : options.previous.#kmsProviders
    this.#compiled = this.#compile(
      config,
      options.previous === undefined ? undefined : options.previous.#compiled
    )
    this.#adopt(config)
    this.#routeConnections =
      options.previous === undefined ? new ConnectionCounter() : options.previous.#routeConnections
  }

  /**
   * Takes a new configuration's policies and authentication in place: every door holds this one
   * engine, so the next request anywhere sees them, and no connection is touched. Rate limits whose
   * settings did not change keep their buckets. Throws (and keeps the running policies) when the
   * new ones do not compile.
   */
  reload(config: WeirConfig): void {
    this.#compiled = this.#compile(config, this.#compiled)
    this.#adopt(config)
  }

  /** What outlives a compile takes the compiled config's settings, once it compiled. */
  #adopt(config: WeirConfig): void {
    this.#kmsProviders.adopt(this.#compiled.kms)
    this.#dataKeys.configure({ ...config.dataKeys, ...this.#options.dataKeys })
    const state = this.#options.state
    if (state === undefined || config.state === undefined) {
      this.#connectionSlots = undefined
      return
    }
    const settings = {
      leaseMs: config.state.connectionLeaseMs,
      onUnavailable: config.state.onUnavailable,
    }
    if (this.#connectionSlots === undefined) {
      const report = state.reportConnection ?? state.report
      this.#connectionSlots = new SharedConnectionSlots(state.store, settings, report)
    } else this.#connectionSlots.configure(settings)
  }

  #compile(config: WeirConfig, previous: CompiledPolicies | undefined): CompiledPolicies {
    const { state, ...options } = this.#options
    return compilePolicies(config, {
      ...options,
      now: this.#now,
      state: config.state === undefined ? undefined : state,
      kmsProviders: this.#kmsProviders,
      dataKeys: this.#dataKeys,
      previous: previous?.catalog,
    })
  }

  /**
   * Who the credentials belong to, or the refusal to send (`unauthenticated`, with headers; or
   * `forbidden` when an ip filter refuses the client's address, before any credential is checked).
   * Synchronous when the methods asked are (see Authenticator.authenticate).
   */
  authenticate(virtualCluster: string, credentials: Credentials): AuthResult | Promise<AuthResult> {
    const vc = this.#vc(virtualCluster)
    if (credentials.client !== undefined) {
      const decision = evaluateIpFilters(vc.chain.ipFilters, credentials.client)
      if (decision.verdict === 'deny') return { decision }
    }
    return vc.authenticator.authenticate(credentials)
  }

  /**
   * Whether a client may connect from `client` at all (its ip filters; `forbidden` otherwise):
   * for doors that take connections before anyone authenticates, the Kafka listener's accept.
   */
  admitClient(virtualCluster: string, client: string, routePolicies?: readonly string[]): Decision {
    return evaluateIpFilters(this.#chain(virtualCluster, routePolicies).ipFilters, client)
  }

  /** Lowercase headers that carry API keys for this virtual cluster (besides Authorization). */
  apiKeyHeaders(virtualCluster: string): readonly string[] {
    return this.#vc(virtualCluster).authenticator.apiKeyHeaders
  }

  /** The credential the Kafka listener's SCRAM exchange runs against (a decoy for strangers). */
  scramLogin(virtualCluster: string, mechanism: ScramMechanism, username: string): ScramLogin {
    return this.#vc(virtualCluster).authenticator.scramLogin(mechanism, username)
  }

  /**
   * Decides a whole request: ACLs on every resource it touches (`describe` granted by any
   * operation that implies it), then rate limits in order (the virtual cluster's policies, then
   * the route's). The first refusal wins; rate limits are charged once per request, and only when
   * every resource is allowed, so a refused request costs nothing.
   */
  authorize(request: PolicyRequest, routePolicies?: readonly string[]): Decision {
    const chain = this.#chain(request.virtualCluster, routePolicies)
    if (request.client !== undefined && chain.ipFilters.length > 0) {
      const refused = evaluateIpFilters(chain.ipFilters, request.client)
      if (refused.verdict === 'deny') return refused
    }
    const acl = chain.acl
    if (acl !== undefined) {
      const { principal, resources } = request
      for (let i = 0; i < resources.length; i++) {
        const resource = resources[i] as PolicyRequest['resources'][number]
        const operation = resource.operation ?? request.operation
        const decision = acl.evaluate({ principal, operation, resource })
        if (decision.verdict === 'deny') return decision
      }
    }
    const limiters = chain.limiters
    if (limiters.length === 0) return allow
    return chargeOrRefuse(limiters, request, this.#now(), this.#pending)
  }

  /**
   * With a shared state store, fetches the tokens the request's rate limits need from it unless
   * this node holds enough; `authorize` then decides synchronously. Doors await it first; it never
   * rejects, and never outlasts the store's command timeout. Undefined when there is nothing to wait for.
   */
  prepare(request: PolicyRequest, routePolicies?: readonly string[]): Promise<void> | undefined {
    if (this.#options.state === undefined) return undefined // without a store: nothing to fetch
    const limiters = this.#chain(request.virtualCluster, routePolicies).limiters
    if (limiters.length === 0) return undefined
    return prepareRateLimits(limiters, request, this.#now())
  }

  /**
   * `prepare`, then `authorize`: what every door that can wait asks, so that with a shared state
   * store its rate limits are decided by the store's buckets (credit or 429, alike on every node).
   */
  async prepareAndAuthorize(
    request: PolicyRequest,
    routePolicies?: readonly string[]
  ): Promise<Decision> {
    const prepared = this.prepare(request, routePolicies)
    if (prepared !== undefined) await prepared
    return this.authorize(request, routePolicies)
  }

  /**
   * The ACL verdict on one resource alone, charging no rate limit: for the Kafka door, which asks
   * it per topic, group and transactional id of a request (answering each with its own error) and
   * applies rate limits as broker quotas do.
   */
  authorizeAcl(
    request: AclRequest & { virtualCluster: string },
    routePolicies?: readonly string[]
  ): Decision {
    const acl = this.#chain(request.virtualCluster, routePolicies).acl
    return acl === undefined ? allow : acl.evaluate(request)
  }

  /**
   * A slot for a connection about to be held open (a WebSocket, an SSE stream, a long-poll
   * session, a reply socket, an authenticated Kafka connection), or the refusal: every connection
   * limit that applies must have room, and then each is charged. `perRoute`: a stream's own
   * `maxConnectionsPerPrincipal`, counted per stream and principal. The lease goes back on close.
   * With a shared state store the counts are every node's (never rejects, and never outlasts the
   * store's command timeout); without one, this node's, and the answer is there at once.
   */
  async admit(
    connection: ConnectionRequest,
    routePolicies?: readonly string[],
    perRoute?: number
  ): Promise<ConnectionAdmission> {
    const chain = this.#chain(connection.virtualCluster, routePolicies)
    if (connection.client !== undefined && chain.ipFilters.length > 0) {
      const refused = evaluateIpFilters(chain.ipFilters, connection.client)
      if (refused.verdict === 'deny') return refused
    }
    const limits: ConnectionLimit[] = chain.connectionLimits.map((limiter) =>
      limiter.limitFor(connection)
    )
    if (perRoute !== undefined && connection.route !== undefined) {
      const { route, principal } = connection
      limits.push({
        counter: this.#routeConnections,
        key: `${connection.virtualCluster}\u0000${route}\u0000${principal.name}`,
        max: perRoute,
        policy: `${route}.maxConnectionsPerPrincipal`,
        describe: (held) =>
          `principal "${principal.name}" already holds ${held} connections to stream "${route}", the most allowed`,
      })
    }
    const shared = this.#connectionSlots
    if (shared === undefined || limits.length === 0) return admitConnection(limits)
    return shared.admit(limits)
  }

  /** Whether any ACL applies to the virtual cluster; without one everything is allowed. */
  hasAcls(virtualCluster: string): boolean {
    return this.#vc(virtualCluster).chain.acl !== undefined
  }

  /** Whether any connection limit applies to the virtual cluster (the Kafka door then counts). */
  hasConnectionLimits(virtualCluster: string): boolean {
    return this.#vc(virtualCluster).chain.connectionLimits.length > 0
  }

  /** Whether any schema policy applies to the virtual cluster (the Kafka door then decodes). */
  hasSchemaPolicies(virtualCluster: string): boolean {
    return this.#vc(virtualCluster).chain.schemas.length > 0
  }

  /** What the virtual cluster's rate limits count, so a door measures only what is limited. */
  rateLimitCounts(virtualCluster: string): RateLimitCounts {
    return this.#vc(virtualCluster).counts
  }

  /**
   * Charges the virtual cluster's rate limits after the fact, as a Kafka broker's quotas do: never
   * refused, the charge is taken even from an empty bucket and `throttleMs` says how long the
   * client must wait until every bucket it drew on is back within its burst (0: no wait).
   */
  chargeRateLimits(charge: RateLimitCharge): { throttleMs: number } {
    const limiters = this.#vc(charge.virtualCluster).chain.limiters
    if (limiters.length === 0) return { throttleMs: 0 }
    return chargeAfter(limiters, charge, this.#now())
  }

  /**
   * `RateLimit-Policy` and `RateLimit` headers for a request's rate limits, without charging:
   * for doors that advertise limits on allowed responses too. Undefined when none apply.
   */
  rateLimitHeaders(
    request: PolicyRequest,
    routePolicies?: readonly string[]
  ): Record<string, string> | undefined {
    const limiters = this.#chain(request.virtualCluster, routePolicies).limiters
    if (limiters.length === 0) return undefined
    return rateLimitHeadersOf(limiters, request, this.#now())
  }

  /** The schema policy for a topic: the last matching one, so a route's wins over its cluster's. */
  schemaPolicy(
    virtualCluster: string,
    topic: string,
    routePolicies?: readonly string[]
  ): SchemaPolicyConfig | undefined {
    const schemas = this.#chain(virtualCluster, routePolicies).schemas
    for (let i = schemas.length - 1; i >= 0; i--) {
      const schema = schemas[i]
      if (schema !== undefined && schema.topics(topic)) return schema.config
    }
    return undefined
  }

  /** Whether any transform policy applies to the virtual cluster (the Kafka door then decodes). */
  hasTransforms(virtualCluster: string): boolean {
    return this.#vc(virtualCluster).chain.transforms.any
  }

  /**
   * What every write door does to a record of `topic` (client name) before it is produced, or
   * undefined when no transform applies: then the door does no work per record at all.
   */
  writeTransform(
    virtualCluster: string,
    topic: string,
    routePolicies?: readonly string[]
  ): WriteTransform | undefined {
    return this.#chain(virtualCluster, routePolicies).transforms.forTopic(topic).write
  }

  /**
   * What every read door does to a record of `topic` (client name) before it is delivered
   * (false: not delivered), or undefined when no transform applies.
   */
  readTransform(
    virtualCluster: string,
    topic: string,
    routePolicies?: readonly string[]
  ): ReadTransform | undefined {
    return this.#chain(virtualCluster, routePolicies).transforms.forTopic(topic).read
  }

  /**
   * Whether any mask or encrypt policy applies to the virtual cluster (the Kafka door then
   * decodes records).
   */
  hasMasks(virtualCluster: string, routePolicies?: readonly string[]): boolean {
    const chain = this.#chain(virtualCluster, routePolicies)
    return chain.masks.any || chain.encrypts.any
  }

  /** Whether a mask of `side` covers the topic for anyone (answers then differ per principal). */
  masksTopic(
    virtualCluster: string,
    topic: string,
    side: MaskSide,
    routePolicies?: readonly string[]
  ): boolean {
    const chain = this.#chain(virtualCluster, routePolicies)
    // Encrypted records read clear for some principals, sealed for the others.
    return chain.masks.covers(topic, side) || (side === 'fetch' && chain.encrypts.covers(topic))
  }

  /**
   * What every door does to the records of `topic` (client name) for `principal`: on the produce
   * side, produce-side masks then encryption, before the broker sees them (stored masked and
   * sealed); on the fetch side, decryption (for principals allowed to decrypt) then the
   * principal's masks, before the principal sees them. A principal not allowed to decrypt has
   * masks applied to what it sees: the ciphertext. Undefined when nothing applies: the door does
   * nothing.
   */
  recordEditsFor(
    virtualCluster: string,
    topic: string,
    principal: Principal,
    side: MaskSide,
    routePolicies?: readonly string[]
  ): RecordEdit | undefined {
    return recordEditsOf(this.#edits(virtualCluster, routePolicies), topic, principal, side)
  }

  /** How every door that writes seals the records of `topic`; undefined when none applies. */
  encryptFor(
    virtualCluster: string,
    topic: string,
    routePolicies?: readonly string[]
  ): RecordEdit | undefined {
    return encryptorOf(this.#edits(virtualCluster, routePolicies), topic)
  }

  /**
   * How every door that reads opens the records of `topic` for `principal`: only where an
   * encrypt policy covers the topic and the ACL allows the principal `decrypt` on it (without
   * ACLs, everyone: open by default, as for every operation). Undefined: records as stored.
   */
  decryptFor(
    virtualCluster: string,
    topic: string,
    principal: Principal,
    routePolicies?: readonly string[]
  ): RecordEdit | undefined {
    return decryptorOf(this.#edits(virtualCluster, routePolicies), topic, principal)
  }

  #vc(name: string): VirtualClusterPolicies {
    return virtualClusterOf(this.#compiled, name)
  }

  #chain(virtualCluster: string, routePolicies: readonly string[] | undefined): Chain {
    return routeChain(this.#compiled, virtualCluster, routePolicies)
  }

  #edits(virtualCluster: string, routePolicies: readonly string[] | undefined): EditContext {
    return {
      chain: this.#chain(virtualCluster, routePolicies),
      registry: this.#vc(virtualCluster).registry,
      decryption: this.#compiled.decryption,
    }
  }
}
