// A Kafka listener with port mapping: one bootstrap port, and one port per backend broker
// (`brokerPortBase + nodeId`) on the advertised host. Brokers are discovered from the backend's
// metadata at start and whenever a response names a new one; each gets its port then. Every
// client connection is paired with its own connection to the broker it stands for.
import { readFileSync } from 'node:fs'
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net'
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls'
import type {
  BackendClusterConfig,
  KafkaListenerConfig,
  VirtualClusterConfig,
} from '../config/index.ts'
import { tlsOptions } from '../kafka/client-config.ts'
import type { Decision } from '../core/decision.ts'
import type { Logger } from '../observability/logger.ts'
import { acceptProxyProtocol, trustedSources } from '../protocol/proxy-header/index.ts'
import { BrokerMap, type Address } from './broker-map.ts'
import {
  kafkaListenerChain,
  requestFilters,
  responseFiltersByApi,
  type ListenerPolicies,
} from './chain.ts'
import { PreAuthBudget } from './pre-auth.ts'
import { ProxyConnection, type ProxyContext } from './proxy-connection.ts'
import type { Principal } from '../core/principal.ts'
import { verifiedCertificateSubject } from '../policy/index.ts'
import type { Observability } from '../observability/observability.ts'
import type { Authenticate, ScramLogins } from './sasl/index.ts'
import { sniNames } from './sni.ts'
import { upstreamLogins, type UpstreamLogin } from './upstream-logins.ts'
import { loginUpstream } from './upstream-login.ts'
import type { SchemaValidationDeps } from './validation/index.ts'

export interface RunningKafkaListener {
  name: string
  /** `host:port` clients bootstrap from. */
  bootstrap: string
  brokers: BrokerMap
  connections(): number
  close(): Promise<void>
}

export interface KafkaListenerDeps {
  virtualCluster: VirtualClusterConfig
  backend: BackendClusterConfig
  /** The policy engine's authentication for this virtual cluster. */
  authenticate: Authenticate
  /** The policy engine's SCRAM credentials for this virtual cluster (the exchange runs here). */
  scramLogin: ScramLogins
  /** The policy engine's ACL verdicts and quota charges. */
  policies: ListenerPolicies
  /** The policy engine's ip filters: whether a client may connect from its address at all. */
  admitClient?: (client: string) => Decision
  /** The policy engine's schema policies, for checking Produce records. */
  schemaValidator?: SchemaValidationDeps['validator']
  /** The backend's brokers as it reports them (node id, host, port). */
  describeBrokers(): Promise<{ nodeId: number; host: string; port: number }[]>
  logger: Logger
  /** A span and an observation per Kafka request, connection gauges. */
  observability?: Observability
}

export async function startKafkaListener(
  config: KafkaListenerConfig,
  deps: KafkaListenerDeps
): Promise<RunningKafkaListener> {
  const logger = deps.logger.child({ listener: config.name })
  const servers = new Map<number | 'bootstrap', Server>()
  const connections = new Set<ProxyConnection>()
  const advertisedHost = config.advertisedHost ?? config.host
  const brokerPortBase = config.brokerPortBase ?? config.port + 1
  const backendTls = tlsOptions(deps.backend)
  const upstreamOf = (address: Address, tls = backendTls): Socket =>
    tls === undefined
      ? netConnect({ host: address.host, port: address.port })
      : tlsConnect({
          ...(typeof tls === 'object' ? tls : {}),
          host: address.host,
          port: address.port,
        })

  /** Broker ports being bound while the listener starts: a start that cannot bind one fails. */
  const bindings: Promise<void>[] = []
  let started = false
  const sni =
    config.sni && sniNames(config.virtualCluster, config.sni.domain, config.sni.hostFormat)
  const advertisedPort = config.sni?.advertisedPort ?? config.port
  const brokers = new BrokerMap({
    advertisedHost,
    brokerPortBase,
    sni: sni && { brokerHost: sni.brokerHost, port: advertisedPort },
    onNewBroker: (nodeId) => {
      // With SNI every broker shares the one port: nothing to bind.
      if (sni !== undefined) return
      const bound = listen(brokers.portOf(nodeId), nodeId)
      // Clients are told this port as soon as metadata names the broker: starting without it
      // would send them to whatever else holds the port. Once running, a broker that appears
      // later can only be reported.
      if (started) {
        bound.catch((err: unknown) =>
          logger.error(
            { err, nodeId, port: brokers.portOf(nodeId) },
            'could not bind a broker port'
          )
        )
      } else {
        bindings.push(bound)
      }
    },
  })
  const chain = kafkaListenerChain(
    deps.virtualCluster,
    deps.backend,
    { authenticate: deps.authenticate, scramLogin: deps.scramLogin },
    deps.policies,
    deps.schemaValidator
  )
  // Per backend identity, the TLS and SASL of Weir's broker connections (upstream-logins.ts).
  const loginOf = upstreamLogins(deps.backend, chain.upstreamIdentity)
  const context: ProxyContext = {
    brokers,
    filters: responseFiltersByApi(chain),
    requestFilters: requestFilters(chain),
    initialState: chain.initialState,
    preAuth: chain.authenticated && {
      maxFrameBytes: config.maxPreAuthFrameBytes,
      timeoutMs: config.authenticationTimeoutMs,
      budget: new PreAuthBudget(config.maxPreAuthBufferedBytes),
      authenticated: chain.authenticated,
    },
    settings: {
      maxFrameBytes: config.maxFrameBytes,
      requestTimeoutMs: config.requestTimeoutMs,
      idleTimeoutMs: config.idleTimeoutMs,
      maxConnectionAgeMs: config.maxConnectionAgeMs,
    },
    logger,
    onClose: (connection) => connections.delete(connection),
    observed: deps.observability && {
      observability: deps.observability,
      listener: config.name,
      virtualCluster: deps.virtualCluster.name,
    },
  }
  const bootstrapServers = deps.backend.bootstrapServers.map(parseHostPort)
  let nextBootstrap = 0

  const accept = (client: Socket, portTarget: number | 'bootstrap'): void => {
    let target: number | 'bootstrap' | undefined = portTarget
    if (sni !== undefined) {
      const serverName = (client as TLSSocket).servername
      target = sni.targetOf(typeof serverName === 'string' ? serverName : undefined)
      if (target === undefined) {
        logger.warn(
          { client: `${client.remoteAddress}:${client.remotePort}`, serverName },
          'TLS server name is not one this listener serves'
        )
        client.destroy()
        return
      }
    }
    // Refused by address before anything else: no broker connection, no SASL, nothing read.
    const refused = deps.admitClient?.(client.remoteAddress ?? '')
    if (refused?.verdict === 'deny') {
      logger.warn(
        { client: `${client.remoteAddress}:${client.remotePort}`, policy: refused.policy },
        `connection refused: ${refused.detail}`
      )
      client.destroy()
      return
    }
    let address: Address | undefined
    if (target === 'bootstrap') {
      // Spread bootstrap connections over the backend's bootstrap servers.
      address = bootstrapServers[nextBootstrap++ % bootstrapServers.length]
    } else {
      address = brokers.upstream(target)
    }
    if (address === undefined) {
      client.destroy()
      return
    }
    const first = loginOf?.(undefined)
    const upstream = upstreamOf(address, first?.tls)
    // Nothing is read from the client until the broker connection is up and, where Weir
    // authenticates clients itself, logged in as the virtual cluster's backend identity.
    client.pause()
    const abandon = () => upstream.destroy()
    client.once('close', abandon)
    client.on('error', abandon)
    const timeoutMs = deps.backend.connectionTimeoutMs
    let loggedInAs: UpstreamLogin | undefined
    connectUpstream(upstream, (first?.tls ?? backendTls) !== undefined, timeoutMs)
      .then(() => certificatePrincipal(client, deps.authenticate))
      .then(async (principal) => {
        loggedInAs = loginOf?.(principal)
        // Another client certificate than this connection's: the first request switches.
        if (loggedInAs?.tls !== first?.tls) loggedInAs = first
        if (loggedInAs?.sasl !== undefined)
          await loginUpstream(upstream, loggedInAs.sasl, timeoutMs)
        return principal
      })
      .then(
        (principal) => {
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
              return login === loggedInAs ? undefined : openUpstream(address, login, timeoutMs)
            })
          connections.add(new ProxyConnection(client, upstream, context, principal, switchUpstream))
          client.resume()
        },
        (err: unknown) => {
          const message = err instanceof Error ? err.message : String(err)
          logger.warn(
            { err: message, backend: `${address.host}:${address.port}` },
            'backend connection failed'
          )
          client.destroy()
          upstream.destroy()
        }
      )
  }

  /** A connection to the broker at `address`, as `login` says (its TLS, its SASL). */
  const openUpstream = async (
    address: Address,
    login: UpstreamLogin,
    timeoutMs: number
  ): Promise<Socket> => {
    const socket = upstreamOf(address, login.tls)
    try {
      await connectUpstream(socket, login.tls !== undefined, timeoutMs)
      if (login.sasl !== undefined) await loginUpstream(socket, login.sasl, timeoutMs)
      return socket
    } catch (err) {
      socket.destroy()
      throw err
    }
  }

  const listen = async (port: number, target: number | 'bootstrap'): Promise<void> => {
    if (servers.has(target)) return
    const tls = config.tls
    const server = tls
      ? createTlsServer(
          {
            cert: readFileSync(tls.certFile),
            key: readFileSync(tls.keyFile),
            ca: tls.clientCaFile ? readFileSync(tls.clientCaFile) : undefined,
            requestCert: tls.clientCaFile !== undefined,
            rejectUnauthorized: tls.requireClientCert,
          },
          (socket) => accept(socket, target)
        )
      : createServer((socket) => accept(socket, target))
    const proxyProtocol = config.proxyProtocol
    if (proxyProtocol?.enabled) {
      // Ahead of TLS and of the accept above: the header names the client policies judge.
      acceptProxyProtocol(
        server,
        {
          trustedSources: trustedSources(proxyProtocol.trustedSources),
          headerTimeoutMs: proxyProtocol.headerTimeoutMs,
        },
        (peer, reason) =>
          logger.warn({ client: peer, reason }, 'connection refused: PROXY protocol')
      )
    }
    servers.set(target, server)
    await new Promise<void>((resolve, reject) => {
      const failed = (err: Error) => {
        servers.delete(target)
        const what = target === 'bootstrap' ? 'the bootstrap port' : `broker ${target}'s port`
        const where = `${config.host}:${port}`
        reject(
          new Error(
            `kafka listener "${config.name}": cannot listen on ${what}, ${where}: ${err.message}`,
            { cause: err }
          )
        )
      }
      server.once('error', failed)
      server.listen(port, config.host, () => {
        server.off('error', failed)
        // From here on an error (EMFILE on accept, say) is logged, never an uncaught crash.
        server.on('error', (err) => logger.error({ err, port }, 'kafka listener error'))
        resolve()
      })
    })
    logger.info({ port, broker: target }, 'kafka listener port bound')
  }

  const sweep = setInterval(() => {
    const now = Date.now()
    for (const connection of connections) connection.checkTimeout(now)
  }, 1000)
  sweep.unref()

  try {
    for (const broker of await deps.describeBrokers()) {
      brokers.learn(broker.nodeId, broker.host, broker.port)
    }
    const results = await Promise.allSettled([listen(config.port, 'bootstrap'), ...bindings])
    const failed = results.find((r) => r.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    started = true
  } catch (err) {
    clearInterval(sweep)
    await Promise.allSettled([...servers.values()].map(closeServer))
    throw err
  }

  return {
    name: config.name,
    bootstrap: `${sni?.bootstrapHost ?? advertisedHost}:${advertisedPort}`,
    brokers,
    connections: () => connections.size,
    async close() {
      clearInterval(sweep)
      const closing = [...servers.values()].map(closeServer)
      for (const connection of [...connections]) connection.close('listener closed')
      await Promise.allSettled(closing)
    },
  }
}

function parseHostPort(server: string): Address {
  const colon = server.lastIndexOf(':')
  return {
    host: server.slice(0, colon).replace(/^\[|\]$/g, ''),
    port: Number(server.slice(colon + 1)),
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}

/** Resolves once the socket is connected (and TLS is up); rejects on error or after `timeoutMs`. */
function connectUpstream(socket: Socket, tls: boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no connection within ${timeoutMs} ms`))
    }, timeoutMs)
    const fail = (err: Error) => {
      clearTimeout(timer)
      reject(err)
    }
    socket.once('error', fail)
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer)
      socket.off('error', fail)
      // Until the proxy connection takes over, a late error must not go unhandled.
      socket.on('error', () => undefined)
      resolve()
    })
  })
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
