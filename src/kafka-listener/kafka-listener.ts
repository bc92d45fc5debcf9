// A Kafka listener. With port mapping it serves one virtual cluster: one bootstrap port, and one
// port per backend broker (`brokerPortBase + nodeId`) on the advertised host, bound as the
// backend's metadata names each broker. With SNI routing it serves many on one TLS port, told
// apart by the server name (see sni.ts), and virtual clusters join and leave while it runs.
// Either way each virtual cluster is a tenant (tenant.ts) that owns its client connections.
import { createServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer, Server as TlsServer, type TLSSocket } from 'node:tls'
import type { KafkaListenerConfig } from '../config/index.ts'
import type { Logger } from '../observability/logger.ts'
import type { Observability } from '../observability/observability.ts'
import { applyProxyProtocol } from '../protocol/proxy-header/index.ts'
import { acceptServerNames, serverCertificates, type ServerCertificates } from '../tls/index.ts'
import type { BrokerMap, BrokerMapOptions } from './broker-map.ts'
import type { ListenerPolicies } from './chain.ts'
import { PreAuthBudget } from './pre-auth.ts'
import { sniNames, sniRoute, type SniTarget } from './sni.ts'
import { KafkaTenant, type ListenerShared, type TenantDeps } from './tenant.ts'
import type { SchemaValidationDeps } from './validation/index.ts'

export type { TenantDeps } from './tenant.ts'

export interface RunningKafkaListener {
  name: string
  /** `host:port` clients bootstrap from (with several virtual clusters, `{virtualCluster}` in it). */
  bootstrap: string
  /** Each virtual cluster's bootstrap `host:port`. */
  bootstraps(): Record<string, string>
  /** The brokers of a virtual cluster as clients are told them (default: the first one's). */
  brokers(virtualCluster?: string): BrokerMap | undefined
  connections(): number
  /**
   * SNI routing: serve these virtual clusters from now on. New ones join, removed ones have their
   * connections closed, and one whose connection settings (namespace, authentication, backend
   * identity, backend) changed starts again; the others and their connections stay as they are.
   * Resolves with the virtual clusters that could not join (their backend did not answer).
   */
  update(tenants: TenantDeps[]): Promise<{ virtualCluster: string; error: string }[]>
  close(): Promise<void>
}

export interface KafkaListenerDeps {
  /** The virtual clusters served: one with port mapping, any number with SNI routing. */
  tenants: TenantDeps[]
  /** The policy engine's ACL verdicts and quota charges. */
  policies: ListenerPolicies
  /** The policy engine's schema policies, for checking Produce records. */
  schemaValidator?: SchemaValidationDeps['validator']
  logger: Logger
  /** A span and an observation per Kafka request, connection gauges. */
  observability?: Observability
}

export async function startKafkaListener(
  config: KafkaListenerConfig,
  deps: KafkaListenerDeps
): Promise<RunningKafkaListener> {
  const logger = deps.logger.child({ listener: config.name })
  const shared: ListenerShared = {
    listener: config.name,
    policies: deps.policies,
    schemaValidator: deps.schemaValidator,
    settings: {
      maxFrameBytes: config.maxFrameBytes,
      requestTimeoutMs: config.requestTimeoutMs,
      idleTimeoutMs: config.idleTimeoutMs,
      maxConnectionAgeMs: config.maxConnectionAgeMs,
    },
    preAuth: {
      maxFrameBytes: config.maxPreAuthFrameBytes,
      timeoutMs: config.authenticationTimeoutMs,
      budget: new PreAuthBudget(config.maxPreAuthBufferedBytes),
    },
    logger,
    observability: deps.observability,
  }
  const servers = new Map<SniTarget, Server>()
  // One certificate store for all the listener's ports: read, chosen by name and reloaded once.
  const certificates = config.tls && serverCertificates(config.tls, logger)
  const detachers: (() => void)[] = []
  const listen: Listen = (port, target, accept, serves) =>
    bindServer(config, servers, { port, target, accept, serves, certificates, detachers }, logger)
  const sni = config.sni
  let serving: Serving
  try {
    serving =
      sni === undefined
        ? await portMapped(config, deps.tenants, shared, listen)
        : await sniRouted(config, sni, deps.tenants, shared, listen, logger)
  } catch (err) {
    for (const detach of detachers) detach()
    await Promise.allSettled([...servers.values()].map(closeServer))
    throw err
  }

  const sweep = setInterval(() => {
    const now = Date.now()
    for (const tenant of serving.tenants()) tenant.checkTimeouts(now)
  }, 1000)
  sweep.unref()

  return {
    name: config.name,
    bootstrap: serving.bootstrap,
    bootstraps: () =>
      Object.fromEntries(serving.tenants().map((t) => [t.name, serving.bootstrapOf(t.name)])),
    brokers: (vc) => serving.tenants().find((t) => vc === undefined || t.name === vc)?.brokers,
    connections: () => serving.tenants().reduce((sum, t) => sum + t.connections(), 0),
    update: (tenants) => serving.update(tenants),
    async close() {
      clearInterval(sweep)
      for (const detach of detachers) detach()
      const closing = [...servers.values()].map(closeServer)
      for (const tenant of serving.tenants()) tenant.close('listener closed')
      await Promise.allSettled(closing)
    },
  }
}

type Listen = (
  port: number,
  target: SniTarget,
  accept: (socket: Socket) => void,
  /** SNI routing: whether a server name is served (others are refused in the handshake). */
  serves?: (serverName: string | undefined) => boolean
) => Promise<void>

interface Serving {
  bootstrap: string
  bootstrapOf(virtualCluster: string): string
  tenants(): KafkaTenant[]
  update: RunningKafkaListener['update']
}

/** One virtual cluster: the bootstrap port, and a port per broker as the backend names them. */
async function portMapped(
  config: KafkaListenerConfig,
  tenants: TenantDeps[],
  shared: ListenerShared,
  listen: Listen
): Promise<Serving> {
  const [only, ...more] = tenants
  if (only === undefined || more.length > 0) {
    throw new Error(`kafka listener "${config.name}": port mapping serves one virtual cluster`)
  }
  const advertisedHost = config.advertisedHost ?? config.host
  /** Broker ports being bound while the listener starts: a start that cannot bind one fails. */
  const bindings: Promise<void>[] = []
  let started = false
  const placement: BrokerMapOptions = {
    advertisedHost,
    brokerPortBase: config.brokerPortBase ?? config.port + 1,
    onNewBroker: (nodeId) => {
      const port = tenant.brokers.portOf(nodeId)
      const bound = listen(port, nodeId, (socket) => tenant.accept(socket, nodeId))
      // Clients are told this port as soon as metadata names the broker: starting without it
      // would send them to whatever else holds the port. Once running, a broker that appears
      // later can only be reported.
      if (started) {
        bound.catch((err: unknown) =>
          shared.logger.error({ err, nodeId, port }, 'could not bind a broker port')
        )
      } else {
        bindings.push(bound)
      }
    },
  }
  const tenant = new KafkaTenant(only, shared, placement)
  await tenant.start()
  const results = await Promise.allSettled([
    listen(config.port, 'bootstrap', (socket) => tenant.accept(socket, 'bootstrap')),
    ...bindings,
  ])
  const failed = results.find((r) => r.status === 'rejected')
  if (failed !== undefined) throw failed.reason
  started = true
  const bootstrap = `${advertisedHost}:${config.port}`
  return {
    bootstrap,
    bootstrapOf: () => bootstrap,
    tenants: () => [tenant],
    update: () => {
      throw new Error(
        `kafka listener "${config.name}": only SNI routing takes virtual clusters live`
      )
    },
  }
}

/** Any number of virtual clusters on one TLS port, each chosen by the server name. */
async function sniRouted(
  config: KafkaListenerConfig,
  sni: NonNullable<KafkaListenerConfig['sni']>,
  initial: TenantDeps[],
  shared: ListenerShared,
  listen: Listen,
  logger: Logger
): Promise<Serving> {
  const port = sni.advertisedPort ?? config.port
  const names = (vc: string) => sniNames(vc, sni.domain, sni.hostFormat)
  /** By lower-cased name, as server names compare. */
  const tenants = new Map<string, KafkaTenant>()
  const startTenant = async (deps: TenantDeps): Promise<KafkaTenant> => {
    const tenant = new KafkaTenant(deps, shared, {
      advertisedHost: config.advertisedHost ?? config.host,
      brokerPortBase: 0,
      sni: { brokerHost: names(deps.virtualCluster.name).brokerHost, port },
    })
    await tenant.start()
    return tenant
  }
  const update = async (next: TenantDeps[]) => {
    const failed: { virtualCluster: string; error: string }[] = []
    const wanted = new Map(next.map((deps) => [deps.virtualCluster.name.toLowerCase(), deps]))
    for (const [key, tenant] of tenants) {
      if (wanted.has(key)) continue
      tenants.delete(key)
      tenant.close('virtual cluster no longer served by this listener')
      logger.info({ virtualCluster: tenant.name }, 'virtual cluster left the listener')
    }
    await Promise.all(
      [...wanted].map(async ([key, deps]) => {
        const current = tenants.get(key)
        if (current?.sameSetup(deps)) return
        try {
          const tenant = await startTenant(deps)
          tenants.set(key, tenant)
          current?.close('virtual cluster settings changed')
          logger.info(
            {
              virtualCluster: tenant.name,
              bootstrap: `${names(tenant.name).bootstrapHost}:${port}`,
            },
            current === undefined
              ? 'virtual cluster joined the listener'
              : 'virtual cluster restarted'
          )
        } catch (err) {
          failed.push({ virtualCluster: deps.virtualCluster.name, error: (err as Error).message })
        }
      })
    )
    return failed
  }

  /** The tenant and target a server name asks for, if this listener serves them now. */
  const routeOf = (serverName: string | undefined) => {
    const route = sniRoute(serverName, sni.domain, sni.hostFormat)
    const tenant = route && tenants.get(route.virtualCluster)
    if (route === undefined || tenant === undefined || !tenant.serves(route.target))
      return undefined
    return { tenant, target: route.target }
  }
  const accept = (client: Socket) => {
    const serverName = (client as TLSSocket).servername
    const route = routeOf(typeof serverName === 'string' ? serverName : undefined)
    // Checked in the handshake already; a virtual cluster may have left since.
    if (route === undefined) {
      logger.warn(
        { client: `${client.remoteAddress}:${client.remotePort}`, serverName },
        'TLS server name is not one this listener serves'
      )
      client.destroy()
      return
    }
    route.tenant.accept(client, route.target)
  }

  // Every virtual cluster must be able to start with the listener, as a port-mapped one must.
  const failed = await update(initial)
  if (failed.length > 0) {
    for (const tenant of tenants.values()) tenant.close('listener did not start')
    const why = failed.map((f) => `virtual cluster "${f.virtualCluster}": ${f.error}`)
    throw new Error(`kafka listener "${config.name}": ${why.join('; ')}`)
  }
  await listen(config.port, 'bootstrap', accept, (name) => routeOf(name) !== undefined)
  const single = initial.length === 1 && config.virtualCluster !== undefined
  return {
    bootstrap: `${names(single ? config.virtualCluster! : '{virtualCluster}').bootstrapHost}:${port}`,
    bootstrapOf: (vc) => `${names(vc).bootstrapHost}:${port}`,
    tenants: () => [...tenants.values()],
    update,
  }
}

interface Binding {
  port: number
  target: SniTarget
  accept: (socket: Socket) => void
  serves?: (serverName: string | undefined) => boolean
  certificates: ServerCertificates | undefined
  /** Where the binding leaves what stops its certificate reloads. */
  detachers: (() => void)[]
}

async function bindServer(
  config: KafkaListenerConfig,
  servers: Map<SniTarget, Server>,
  binding: Binding,
  logger: Logger
): Promise<void> {
  const { port, target, accept, serves, certificates } = binding
  if (servers.has(target)) return
  const server = certificates ? createTlsServer(certificates.options, accept) : createServer(accept)
  if (server instanceof TlsServer && serves !== undefined) {
    // Ahead of the handshake: a name no tenant answers to gets the unrecognized_name alert.
    acceptServerNames(
      server,
      { serves, helloTimeoutMs: config.authenticationTimeoutMs },
      (peer, serverName, reason) =>
        logger.warn({ client: peer, serverName }, `TLS handshake refused: ${reason}`)
    )
  }
  // Ahead of TLS and of the accept above: the header names the client policies judge.
  applyProxyProtocol(server, config.proxyProtocol, logger)
  if (server instanceof TlsServer && certificates !== undefined) {
    binding.detachers.push(certificates.attach(server))
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

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}
