// The hub's admin client per backend cluster, for what a subscribe must ask before a consumer
// exists: do the topics exist, and where do partitions start. Connected on first use; a client
// whose connect or request failed is dropped, so the next subscribe starts over on a fresh
// connection instead of failing for ever on a dead one.
import type { Admin } from 'kafkajs'
import { GatewayError } from '../../core/errors.ts'
import type { BackendClusters } from '../backend-clusters.ts'

export class ClusterAdmins {
  readonly #backends: BackendClusters
  readonly #admins = new Map<string, Promise<Admin>>()

  constructor(backends: BackendClusters) {
    this.#backends = backends
  }

  /** Runs `task` with the cluster's admin; a failure other than a missing topic drops it. */
  async use<T>(cluster: string, task: (admin: Admin) => Promise<T>): Promise<T> {
    const pending = this.#admin(cluster)
    try {
      return await task(await pending)
    } catch (err) {
      const missingTopic =
        err instanceof GatewayError ||
        (err as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION'
      if (!missingTopic) this.#drop(cluster, pending)
      throw err
    }
  }

  /** Rejects with `not-found` naming no backend topic (a namespace prefix may be hidden). */
  async checkTopics(cluster: string, topics: readonly string[]): Promise<void> {
    await this.use(cluster, async (admin) => {
      for (const topic of topics) {
        try {
          await admin.fetchTopicMetadata({ topics: [topic] })
        } catch (err) {
          if ((err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err
          throw new GatewayError('not-found', 'the topic does not exist', {
            cause: new Error(`topic "${topic}" does not exist on backend cluster "${cluster}"`),
          })
        }
      }
    })
  }

  async close(): Promise<void> {
    const admins = [...this.#admins.values()]
    this.#admins.clear()
    await Promise.allSettled(admins.map(async (admin) => (await admin).disconnect()))
  }

  #admin(cluster: string): Promise<Admin> {
    let admin = this.#admins.get(cluster)
    if (!admin) {
      // One retry: a subscribe should answer soon when the backend is down, not after a minute.
      const client = this.#backends.kafka(cluster).admin({ retry: { retries: 1 } })
      admin = client.connect().then(() => client)
      admin.catch(() => undefined)
      this.#admins.set(cluster, admin)
    }
    return admin
  }

  #drop(cluster: string, admin: Promise<Admin>): void {
    if (this.#admins.get(cluster) !== admin) return
    this.#admins.delete(cluster)
    void admin.then((a) => a.disconnect()).catch(() => undefined)
  }
}
