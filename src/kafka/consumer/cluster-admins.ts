// The hub's admin client per backend cluster and backend identity (../backend-identity.ts), for
// what a subscribe must ask before a consumer exists: do the topics exist (and may this identity
// see them), and where do partitions start. Connected on first use; a client whose connect or
// request failed is dropped, so the next subscribe starts over on a fresh connection instead of
// failing for ever on a dead one.
import { GatewayError } from '../../core/errors.ts'
import type { BackendClusters } from '../backend-clusters.ts'
import { clusterIdentityKey, type BackendIdentity } from '../backend-identity.ts'
import type { KafkaAdmin } from '../client/port.ts'

export class ClusterAdmins {
  readonly #backends: BackendClusters
  readonly #admins = new Map<string, Promise<KafkaAdmin>>()

  constructor(backends: BackendClusters) {
    this.#backends = backends
  }

  /**
   * Runs `task` with the cluster's admin logged in as `identity` (default: the cluster's own); a
   * failure other than a missing or refused topic drops it.
   */
  async use<T>(
    cluster: string,
    task: (admin: KafkaAdmin) => Promise<T>,
    identity?: BackendIdentity
  ): Promise<T> {
    const key = clusterIdentityKey(cluster, identity)
    const pending = this.#admin(key, cluster, identity)
    try {
      return await task(await pending)
    } catch (err) {
      const type = (err as { type?: string }).type
      const answered =
        err instanceof GatewayError ||
        type === 'UNKNOWN_TOPIC_OR_PARTITION' ||
        type === 'TOPIC_AUTHORIZATION_FAILED'
      if (!answered) this.#drop(key, pending)
      throw err
    }
  }

  /**
   * Rejects with `not-found` naming no backend topic (a namespace prefix may be hidden), or with
   * the broker's TOPIC_AUTHORIZATION_FAILED when `identity` may not see one.
   */
  async checkTopics(
    cluster: string,
    topics: readonly string[],
    identity?: BackendIdentity
  ): Promise<void> {
    await this.use(
      cluster,
      async (admin) => {
        for (const topic of topics) {
          try {
            await admin.checkTopics([topic])
          } catch (err) {
            if ((err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err
            throw new GatewayError('not-found', 'the topic does not exist', {
              cause: new Error(`topic "${topic}" does not exist on backend cluster "${cluster}"`),
            })
          }
        }
      },
      identity
    )
  }

  async close(): Promise<void> {
    const admins = [...this.#admins.values()]
    this.#admins.clear()
    await Promise.allSettled(admins.map(async (admin) => (await admin).disconnect()))
  }

  #admin(key: string, cluster: string, identity: BackendIdentity | undefined): Promise<KafkaAdmin> {
    let admin = this.#admins.get(key)
    if (!admin) {
      // One retry: a subscribe should answer soon when the backend is down, not after a minute.
      const client = this.#backends.client(cluster, identity).admin({ retries: 1 })
      admin = client.connect().then(() => client)
      admin.catch(() => undefined)
      this.#admins.set(key, admin)
    }
    return admin
  }

  #drop(key: string, admin: Promise<KafkaAdmin>): void {
    if (this.#admins.get(key) !== admin) return
    this.#admins.delete(key)
    void admin.then((a) => a.disconnect()).catch(() => undefined)
  }
}
