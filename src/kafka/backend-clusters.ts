// The backend Kafka clusters a node talks to: one client each (the port of client/port.ts, on
// the library the cluster's `client` names), created on first use, and
// one more per tenant identity (backend-identity.ts) that is used there, so identities never share
// a connection; per cluster, its health (circuit breaker, readiness), asked as the cluster's own
// identity, and a cache of the topics it has, per identity (the brokers list a topic only to the
// identities that may describe it).
import type { BackendClusterConfig } from '../config/index.ts'
import type { Logger } from '../observability/logger.ts'
import { BackendHealth, type ProbeResult } from './backend/health.ts'
import { TopicCache } from './backend/topic-cache.ts'
import { clusterIdentityKey, identityKey, type BackendIdentity } from './backend-identity.ts'
import type { KafkaAdmin, KafkaClient } from './client/port.ts'
import { kafkaJsClient } from './kafkajs/client.ts'
import { platformaticClient } from './platformatic/client.ts'

export type { ProbeResult } from './backend/health.ts'

export class BackendClusters {
  readonly #configs: Map<string, BackendClusterConfig>
  readonly #logger: Logger
  readonly #clients = new Map<string, KafkaClient>()
  readonly #admins = new Map<string, Promise<KafkaAdmin>>()
  readonly #health = new Map<string, BackendHealth>()
  readonly #topics = new Map<string, TopicCache>()

  constructor(configs: readonly BackendClusterConfig[], logger: Logger) {
    this.#configs = new Map(configs.map((c) => [c.name, c]))
    this.#logger = logger
  }

  names(): string[] {
    return [...this.#configs.keys()]
  }

  /** The cluster's client logged in as `identity` (default: the cluster's own credentials). */
  client(name: string, identity?: BackendIdentity): KafkaClient {
    const key = clusterIdentityKey(name, identity)
    let client = this.#clients.get(key)
    if (!client) {
      const config = this.#config(name)
      const logger = this.#logger.child({
        backendCluster: name,
        ...(identity === undefined ? {} : { backendIdentity: identityKey(identity) }),
      })
      const adapter = config.client === 'platformatic' ? platformaticClient : kafkaJsClient
      client = adapter(config, logger, identity)
      this.#clients.set(key, client)
    }
    return client
  }

  /**
   * The cluster's health, checked in the background from the first time it is asked for. Its
   * state answers readiness, and its circuit breaker answers sync produce while the cluster is down.
   */
  health(name: string): BackendHealth {
    let health = this.#health.get(name)
    if (!health) {
      const config = this.#config(name)
      const logger = this.#logger.child({ backendCluster: name })
      health = new BackendHealth({
        name,
        intervalMs: config.health.intervalMs,
        probe: () => this.#probe(name, config.health.timeoutMs),
        onChange: (result) => {
          if (result.ok) logger.info('backend cluster is up: circuit closed')
          else logger.warn({ reason: result.error }, 'backend cluster is down: circuit open')
        },
      })
      this.#health.set(name, health)
      health.start()
    }
    return health
  }

  /** Whether the cluster answers a metadata request within `timeoutMs`. */
  async #probe(name: string, timeoutMs: number): Promise<ProbeResult> {
    try {
      const brokers = await this.#bounded(name, (admin) => admin.brokers(), timeoutMs)
      return { ok: true, brokers: brokers.length }
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) }
    }
  }

  /** One admin request, given up after `timeoutMs`; a failed one drops the admin connection. */
  async #bounded<T>(
    name: string,
    run: (admin: KafkaAdmin) => Promise<T>,
    timeoutMs: number,
    identity?: BackendIdentity
  ): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
    })
    try {
      return await Promise.race([this.#admin(name, identity).then(run), timeout])
    } catch (err) {
      // Start over with a fresh connection next time; the old one may be wedged.
      this.#dropAdmin(name, identity)
      throw err
    } finally {
      clearTimeout(timer)
    }
  }

  #config(name: string): BackendClusterConfig {
    const config = this.#configs.get(name)
    if (!config) throw new Error(`unknown backend cluster "${name}"`)
    return config
  }

  /** The cluster's brokers as it reports them. */
  async describeBrokers(name: string): Promise<{ nodeId: number; host: string; port: number }[]> {
    try {
      return await (await this.#admin(name)).brokers()
    } catch (err) {
      this.#dropAdmin(name)
      throw err
    }
  }

  #admin(name: string, identity?: BackendIdentity): Promise<KafkaAdmin> {
    const key = clusterIdentityKey(name, identity)
    let admin = this.#admins.get(key)
    if (!admin) {
      const client = this.client(name, identity).admin({ retries: 0 })
      const pending = client.connect().then(() => client)
      // A connection that failed is never reused: the next caller starts a new one.
      pending.catch(() => {
        if (this.#admins.get(key) === pending) this.#admins.delete(key)
      })
      this.#admins.set(key, pending)
      admin = pending
    }
    return admin
  }

  #dropAdmin(name: string, identity?: BackendIdentity): void {
    const key = clusterIdentityKey(name, identity)
    const admin = this.#admins.get(key)
    this.#admins.delete(key)
    void admin?.then((a) => a.disconnect()).catch(() => undefined)
  }

  /**
   * The cluster's topic cache (see topic-cache.ts), as `identity` sees the cluster (default: the
   * cluster's own identity): the brokers list only the topics an identity may describe.
   */
  topics(name: string, identity?: BackendIdentity): TopicCache {
    const key = clusterIdentityKey(name, identity)
    let topics = this.#topics.get(key)
    if (!topics) {
      const config = this.#config(name)
      topics = new TopicCache({
        refreshMs: config.topicMetadataRefreshMs,
        list: () =>
          this.#bounded(name, (admin) => admin.listTopics(), config.health.timeoutMs, identity),
      })
      this.#topics.set(key, topics)
    }
    return topics
  }

  /** Whether a topic exists on a backend cluster (for `identity`), from its topic cache. */
  topicExists(name: string, topic: string, identity?: BackendIdentity): true | Promise<boolean> {
    return this.topics(name, identity).exists(topic)
  }

  /**
   * One config value of a topic, as the brokers apply it (its override, else their default);
   * given up after the cluster's health timeout, like every admin request here.
   */
  async topicConfig(name: string, topic: string, key: string): Promise<string | undefined> {
    return this.#bounded(
      name,
      (admin) => admin.topicConfig(topic, key),
      this.#config(name).health.timeoutMs
    )
  }

  async close(): Promise<void> {
    for (const health of this.#health.values()) health.stop()
    const admins = [...this.#admins.values()]
    this.#admins.clear()
    await Promise.allSettled(admins.map(async (a) => (await a).disconnect()))
  }
}
