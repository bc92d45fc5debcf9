// The backend Kafka clusters a node talks to: one kafkajs client each, created on first use, and a
// cheap reachability probe for readiness.
import { Kafka, type Admin } from 'kafkajs'
import type { BackendClusterConfig } from '../config/index.ts'
import type { Logger } from '../observability/logger.ts'
import { kafkaJsConfig } from './client-config.ts'

export interface ProbeResult {
  ok: boolean
  brokers?: number
  error?: string
}

const PROBE_CACHE_MS = 1000
/** How long a topic seen to exist is believed to (topics are rarely deleted under a gateway). */
const TOPIC_CACHE_MS = 60_000

export class BackendClusters {
  readonly #configs: Map<string, BackendClusterConfig>
  readonly #logger: Logger
  readonly #clients = new Map<string, Kafka>()
  readonly #admins = new Map<string, Promise<Admin>>()
  readonly #lastProbe = new Map<string, { at: number; result: Promise<ProbeResult> }>()
  readonly #knownTopics = new Map<string, number>()

  constructor(configs: readonly BackendClusterConfig[], logger: Logger) {
    this.#configs = new Map(configs.map((c) => [c.name, c]))
    this.#logger = logger
  }

  names(): string[] {
    return [...this.#configs.keys()]
  }

  kafka(name: string): Kafka {
    let client = this.#clients.get(name)
    if (!client) {
      const config = this.#configs.get(name)
      if (!config) throw new Error(`unknown backend cluster "${name}"`)
      client = new Kafka(kafkaJsConfig(config, this.#logger.child({ backendCluster: name })))
      this.#clients.set(name, client)
    }
    return client
  }

  /** Whether the cluster answers a metadata request within `timeoutMs` (cached for a second). */
  probe(name: string, timeoutMs = 2000): Promise<ProbeResult> {
    const cached = this.#lastProbe.get(name)
    if (cached && Date.now() - cached.at < PROBE_CACHE_MS) return cached.result
    const result = this.#probe(name, timeoutMs)
    this.#lastProbe.set(name, { at: Date.now(), result })
    return result
  }

  async #probe(name: string, timeoutMs: number): Promise<ProbeResult> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
    })
    try {
      const admin = await Promise.race([this.#admin(name), timeout])
      const cluster = await Promise.race([admin.describeCluster(), timeout])
      return { ok: true, brokers: cluster.brokers.length }
    } catch (err) {
      // Start over with a fresh connection next time; the old one may be wedged.
      this.#dropAdmin(name)
      return { ok: false, error: err instanceof Error ? err.message : String(err) }
    } finally {
      clearTimeout(timer)
    }
  }

  /** The cluster's brokers as it reports them. */
  async describeBrokers(name: string): Promise<{ nodeId: number; host: string; port: number }[]> {
    try {
      return (await (await this.#admin(name)).describeCluster()).brokers
    } catch (err) {
      this.#dropAdmin(name)
      throw err
    }
  }

  #admin(name: string): Promise<Admin> {
    let admin = this.#admins.get(name)
    if (!admin) {
      const client = this.kafka(name).admin({ retry: { retries: 0 } })
      const pending = client.connect().then(() => client)
      // A connection that failed is never reused: the next caller starts a new one.
      pending.catch(() => {
        if (this.#admins.get(name) === pending) this.#admins.delete(name)
      })
      this.#admins.set(name, pending)
      admin = pending
    }
    return admin
  }

  #dropAdmin(name: string): void {
    const admin = this.#admins.get(name)
    this.#admins.delete(name)
    void admin?.then((a) => a.disconnect()).catch(() => undefined)
  }

  /**
   * Whether a topic exists on a backend cluster. Found topics are remembered for a minute;
   * missing ones are asked again each time, so a topic created meanwhile is seen at once.
   */
  async topicExists(name: string, topic: string): Promise<boolean> {
    const id = `${name}\u0000${topic}`
    const seen = this.#knownTopics.get(id)
    if (seen !== undefined && Date.now() - seen < TOPIC_CACHE_MS) return true
    try {
      const admin = await this.#admin(name)
      await admin.fetchTopicMetadata({ topics: [topic] })
    } catch (err) {
      if ((err as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') return false
      this.#dropAdmin(name)
      throw err
    }
    if (this.#knownTopics.size > 10_000) this.#knownTopics.clear()
    this.#knownTopics.set(id, Date.now())
    return true
  }

  async close(): Promise<void> {
    const admins = [...this.#admins.values()]
    this.#admins.clear()
    await Promise.allSettled(admins.map(async (a) => (await a).disconnect()))
  }
}
