// One virtual cluster on a Kafka listener: its brokers and the names clients are told for them,
// its filter chain, and its client connections, each paired with a broker connection of its own,
// logged in as the tenant's backend identity. A listener with port mapping has one tenant; one
// with SNI routing has one per virtual cluster it serves, added and removed while it runs.
import { isDeepStrictEqual } from 'node:util'
import type { Socket } from 'node:net'
import type { BackendClusterConfig, VirtualClusterConfig } from '../config/index.ts'
import type { Decision } from '../core/decision.ts'
import type { Principal } from '../core/principal.ts'
import type { Logger } from '../observability/logger.ts'
import type { Observability } from '../observability/observability.ts'
import { verifiedCertificateSubject } from '../policy/index.ts'
import { BrokerMap, type Address, type BrokerMapOptions } from './broker-map.ts'
import {
  kafkaListenerChain,
  requestFilters,
  responseFiltersByApi,
  type ListenerPolicies,
} from './chain.ts'
import type { PreAuthBudget } from './pre-auth.ts'
import { ProxyConnection, type ProxyContext, type ProxySettings } from './proxy-connection.ts'
import type { Authenticate, ScramLogins } from './sasl/index.ts'
import { BackendConnector } from './upstream.ts'
import { upstreamLogins, type UpstreamLogin } from './upstream-logins.ts'

/** What the policy engine and the backend give one virtual cluster of a listener. */
export interface TenantDeps {
  virtualCluster: VirtualClusterConfig
  backend: BackendClusterConfig
  /** The policy engine's authentication for this virtual cluster. */
  authenticate: Authenticate
  /** The policy engine's SCRAM credentials for this virtual cluster (the exchange runs here). */
  scramLogin: ScramLogins
  /** The policy engine's ip filters: whether a client may connect from its address at all. */
  admitClient?: (client: string) => Decision
  /** The backend's brokers as it reports them (node id, host, port). */
  describeBrokers(): Promise<{ nodeId: number; host: string; port: number }[]>
}

/** What every tenant of a listener shares. */
export interface ListenerShared {
  listener: string
  /** The policy engine's ACL verdicts and quota charges (they take the virtual cluster). */
  policies: ListenerPolicies
  /** The policy engine's schema policies, for checking Produce records. */
  schemaValidator?: Parameters<typeof kafkaListenerChain>[4]
  settings: ProxySettings
  preAuth: { maxFrameBytes: number; timeoutMs: number; budget: PreAuthBudget }
  logger: Logger
  observability?: Observability
}

export class KafkaTenant {
  readonly name: string
  readonly deps: TenantDeps
  readonly brokers: BrokerMap
  readonly #connections = new Set<ProxyConnection>()
  readonly #context: ProxyContext
  readonly #connector: BackendConnector
  /** Per backend identity, the TLS and SASL of Weir's broker connections (upstream-logins.ts). */
  readonly #loginOf: ((principal?: Principal) => UpstreamLogin) | undefined
  readonly #bootstrapServers: Address[]
  readonly #logger: Logger
  #nextBootstrap = 0

  constructor(deps: TenantDeps, shared: ListenerShared, placement: BrokerMapOptions) {
    this.name = deps.virtualCluster.name
    this.deps = deps
    this.#logger = shared.logger
    this.brokers = new BrokerMap(placement)
    this.#connector = new BackendConnector(deps.backend)
    this.#bootstrapServers = deps.backend.bootstrapServers.map(parseHostPort)
    const chain = kafkaListenerChain(
      deps.virtualCluster,
      deps.backend,
      { authenticate: deps.authenticate, scramLogin: deps.scramLogin },
      shared.policies,
      shared.schemaValidator
    )
    this.#loginOf = upstreamLogins(deps.backend, chain.upstreamIdentity)
    this.#context = {
      brokers: this.brokers,
      filters: responseFiltersByApi(chain),
      requestFilters: requestFilters(chain),
      initialState: chain.initialState,
      preAuth: chain.authenticated && { ...shared.preAuth, authenticated: chain.authenticated },
      settings: shared.settings,
      logger: shared.logger,
      onClose: (connection) => this.#connections.delete(connection),
      observed: shared.observability && {
        observability: shared.observability,
        listener: shared.listener,
        virtualCluster: this.name,
      },
    }
  }

  /** Learns the backend's brokers (before clients are told about them). */
  async start(): Promise<void> {
    for (const broker of await this.deps.describeBrokers()) {
      this.brokers.learn(broker.nodeId, broker.host, broker.port)
    }
  }

  /** Whether `deps` would set connections up as this tenant's were (policies aside). */
  sameSetup(deps: TenantDeps): boolean {
    const { policies: _a, ...before } = this.deps.virtualCluster
    const { policies: _b, ...after } = deps.virtualCluster
    return isDeepStrictEqual(before, after) && isDeepStrictEqual(this.deps.backend, deps.backend)
  }

  /** Whether a connection for `target` has somewhere to go. */
  serves(target: 'bootstrap' | number): boolean {
    return target === 'bootstrap' || this.brokers.upstream(target) !== undefined
  }

  connections(): number {
    return this.#connections.size
  }

  checkTimeouts(now: number): void {
    for (const connection of this.#connections) connection.checkTimeout(now)
  }

  close(reason: string): void {
    for (const connection of [...this.#connections]) connection.close(reason)
  }

  /** Takes a client connection for `target`: pairs it with a broker connection, then proxies. */
  accept(client: Socket, target: 'bootstrap' | number): void {
    const logger = this.#logger
    const peer = `${client.remoteAddress}:${client.remotePort}`
    // Refused by address before anything else: no broker connection, no SASL, nothing read.
    const refused = this.deps.admitClient?.(client.remoteAddress ?? '')
    if (refused?.verdict === 'deny') {
      logger.warn({ client: peer, policy: refused.policy }, `connection refused: ${refused.detail}`)
      client.destroy()
      return
    }
    // Spread bootstrap connections over the backend's bootstrap servers.
    const address =
      target === 'bootstrap'
        ? this.#bootstrapServers[this.#nextBootstrap++ % this.#bootstrapServers.length]
        : this.brokers.upstream(target)
    if (address === undefined) {
      client.destroy()
      return
    }
    // Nothing is read from the client until the broker connection is up and, where Weir
    // authenticates clients itself, logged in as the virtual cluster's backend identity.
    client.pause()
    const opening = new AbortController()
    const abandon = () => opening.abort()
    client.once('close', abandon)
    client.on('error', abandon)
    const loginOf = this.#loginOf
    const connector = this.#connector
    let loggedInAs: UpstreamLogin | undefined
    certificatePrincipal(client, this.deps.authenticate)
      .then(async (principal) => {
        loggedInAs = loginOf?.(principal)
        const upstream = await connector.open(address, loggedInAs, opening.signal)
        return { principal, upstream }
      })
      .then(
        ({ principal, upstream }) => {
          client.off('close', abandon)
          client.off('error', abandon)
          if (client.destroyed) {
            upstream.destroy()
            return
          }
          // Once the client authenticated, a principal mapped to another backend identity gets
          // a broker connection of its own, logged in as that identity.
          const switchUpstream =
            loginOf &&
            ((who: Principal) => {
              const login = loginOf(who)
              return login === loggedInAs ? undefined : connector.open(address, login)
            })
          const connection = new ProxyConnection(
            client,
            upstream,
            this.#context,
            principal,
            switchUpstream
          )
          this.#connections.add(connection)
          client.resume()
        },
        (err: unknown) => {
          const message = err instanceof Error ? err.message : String(err)
          logger.warn(
            { err: message, backend: `${address.host}:${address.port}` },
            'backend connection failed'
          )
          client.destroy()
        }
      )
  }
}

export function parseHostPort(server: string): Address {
  const colon = server.lastIndexOf(':')
  return {
    host: server.slice(0, colon).replace(/^\[|\]$/g, ''),
    port: Number(server.slice(colon + 1)),
  }
}

/**
 * The principal a verified client certificate names (the virtual cluster's `mtls` method), or
 * undefined: no certificate, not verified, or no such method (the client then logs in with SASL).
 */
async function certificatePrincipal(
  client: Socket,
  authenticate: Authenticate
): Promise<Principal | undefined> {
  const subject = verifiedCertificateSubject(client)
  if (subject === undefined) return undefined
  const result = await authenticate({ clientCertSubject: subject })
  return 'principal' in result && result.principal.method === 'mtls' ? result.principal : undefined
}
