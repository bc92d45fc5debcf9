// Consumer lag per stream consumer group, for `weir_consumer_lag`: for every running consumer of
// the node's consumer hub, the records between where it stands and the end of the log, over the
// partitions Kafka assigned to it (so nodes sharing a group never count a partition twice).
// Where it stands: a group's committed offset (what kafka-consumer-groups reports; with
// at-least-once delivery, the first record a client has not acknowledged), else the next offset
// the consumer reads. Ephemeral streams commit nothing: their read position counts.
//
// Read at scrape time, without hammering the brokers: end offsets (per topic) and committed
// offsets (per group) are asked at most once per `cacheMs` and shared by concurrent scrapes;
// a failed or slow answer leaves the last known one in place.

/** What lag needs of a hub consumer (a ConsumerStats of src/kafka/consumer/types.ts). */
export interface LagConsumer {
  kind: 'shared' | 'dedicated' | 'group'
  cluster: string
  groupId: string
  /** Every topic it reads (backend names). */
  topics: readonly string[]
  state: string
  /** Partitions Kafka assigned to it. */
  assigned: readonly { topic: string; partitions: readonly number[] }[]
  /** `none`: it commits nothing (shared and dedicated consumers). */
  commit?: 'auto' | 'acked' | 'none'
  /** The next offset it reads per assigned partition, where known. */
  positions?: readonly { topic: string; partition: number; offset: string }[]
}

/** The admin calls lag makes (of src/kafka's KafkaAdmin port; observability imports no src/kafka). */
export interface LagAdmin {
  fetchTopicOffsets(topic: string): Promise<{ partition: number; high: string }[]>
  fetchOffsets(request: {
    groupId: string
    topics: string[]
  }): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>
}

/** What LagAdmins asks of a backend cluster's Kafka client (src/kafka's KafkaClient fits). */
export interface LagKafka {
  admin(options: { retries: number }): LagAdmin & {
    connect(): Promise<void>
    disconnect(): Promise<void>
  }
}

export interface ConsumerLagDeps {
  consumers(): readonly LagConsumer[]
  /** The cluster's admin client; `drop` when a call on it failed (the next read reconnects). */
  admins: { get(cluster: string): Promise<LagAdmin>; drop(cluster: string): void }
  /** The (bounded) label value for a group. */
  label(group: string): string
  cacheMs: number
  now?: () => number
}

/** Longest a broker answer is waited for before the last known one stands in. */
const LOAD_TIMEOUT_MS = 10_000

interface Cached<T> {
  at: number
  pending: Promise<T | undefined>
  last: T | undefined
}

type Offsets = Map<number, number>

/**
 * The group a consumer's lag is reported under: its group id for named and principal groups;
 * for ephemeral streams, the id without its per-consumer suffix (`weir-fanout-prices`,
 * `weir-dedicated-prices`), so a stream's consumers add up under one bounded label.
 */
export function lagGroup(consumer: Pick<LagConsumer, 'kind' | 'groupId'>): string {
  return consumer.kind === 'group'
    ? consumer.groupId
    : consumer.groupId.replace(/-[0-9a-f]{8}$/, '')
}

export class ConsumerLag {
  readonly #deps: ConsumerLagDeps
  readonly #now: () => number
  readonly #cache = new Map<string, Cached<Offsets>>()
  #cacheMs: number

  constructor(deps: ConsumerLagDeps) {
    this.#deps = deps
    this.#now = deps.now ?? Date.now
    this.#cacheMs = deps.cacheMs
  }

  set cacheMs(ms: number) {
    this.#cacheMs = ms
  }

  /** Lag by group label, summed over this node's running consumers. */
  async read(): Promise<Record<string, number>> {
    const used = new Set<string>()
    const running = this.#deps.consumers().filter((c) => c.state === 'running')
    const lags = await Promise.all(running.map((c) => this.#lagOf(c, used)))
    const totals: Record<string, number> = {}
    running.forEach((consumer, i) => {
      const lag = lags[i]
      if (lag === undefined) return
      const label = this.#deps.label(lagGroup(consumer))
      totals[label] = (totals[label] ?? 0) + lag
    })
    // Topics and groups no longer read are forgotten.
    for (const key of this.#cache.keys()) if (!used.has(key)) this.#cache.delete(key)
    return totals
  }

  /** The consumer's lag, or undefined when no end offset of its partitions is known. */
  async #lagOf(consumer: LagConsumer, used: Set<string>): Promise<number | undefined> {
    const { cluster } = consumer
    const topics = consumer.assigned.filter((a) => a.partitions.length > 0).map((a) => a.topic)
    const ends = new Map<string, Offsets | undefined>()
    const endsRead = Promise.all(
      topics.map(async (topic) => {
        const key = `end\u0000${cluster}\u0000${topic}`
        used.add(key)
        ends.set(topic, await this.#cached(key, cluster, (admin) => endOffsets(admin, topic)))
      })
    )
    let committed: Map<string, number> | undefined
    const commits = consumer.kind === 'group' && consumer.commit !== 'none'
    const committedRead = commits
      ? (async () => {
          const sorted = [...consumer.topics].sort()
          const key = `group\u0000${cluster}\u0000${consumer.groupId}\u0000${sorted.join('\u0000')}`
          used.add(key)
          const offsets = await this.#cached(key, cluster, (admin) =>
            committedOffsets(admin, consumer.groupId, sorted)
          )
          committed = offsets as Map<string, number> | undefined
        })()
      : undefined
    await Promise.all([endsRead, committedRead])

    const positions = new Map<string, number>()
    for (const p of consumer.positions ?? []) {
      positions.set(`${p.topic}\u0000${p.partition}`, Number(p.offset))
    }
    let lag: number | undefined
    for (const { topic, partitions } of consumer.assigned) {
      const topicEnds = ends.get(topic)
      if (topicEnds === undefined) continue
      lag ??= 0
      for (const partition of partitions) {
        const end = topicEnds.get(partition)
        const key = `${topic}\u0000${partition}`
        // A committed offset of -1 means the group committed nothing there yet.
        const commit = committed?.get(key)
        const position = commit !== undefined && commit >= 0 ? commit : positions.get(key)
        // Nothing consumed or committed yet: where it stands is not known; it counts as caught up.
        if (end === undefined || position === undefined) continue
        lag += Math.max(0, end - position)
      }
    }
    return lag
  }

  /**
   * The broker's answer for `key`, asked at most once per cacheMs; while a newer one is on its
   * way, or when it fails, the last known one.
   */
  #cached<T extends Map<unknown, number>>(
    key: string,
    cluster: string,
    load: (admin: LagAdmin) => Promise<T>
  ): Promise<T | undefined> {
    const now = this.#now()
    const entry = this.#cache.get(key) as Cached<T> | undefined
    if (entry !== undefined && now - entry.at < this.#cacheMs) return entry.pending
    const last = entry?.last
    const fresh: Cached<T> = { at: now, pending: Promise.resolve(last), last }
    fresh.pending = withTimeout(this.#deps.admins.get(cluster).then(load), LOAD_TIMEOUT_MS).then(
      (value) => {
        fresh.last = value
        return value
      },
      () => {
        this.#deps.admins.drop(cluster)
        return last
      }
    )
    this.#cache.set(key, fresh as unknown as Cached<Offsets>)
    return fresh.pending
  }
}

async function endOffsets(admin: LagAdmin, topic: string): Promise<Offsets> {
  const offsets = await admin.fetchTopicOffsets(topic)
  return new Map(offsets.map(({ partition, high }) => [partition, Number(high)]))
}

/** Committed offsets by `topic\0partition` (-1 where none). */
async function committedOffsets(
  admin: LagAdmin,
  groupId: string,
  topics: string[]
): Promise<Map<string, number>> {
  const answer = await admin.fetchOffsets({ groupId, topics })
  const offsets = new Map<string, number>()
  for (const { topic, partitions } of answer) {
    for (const { partition, offset } of partitions) {
      offsets.set(`${topic}\u0000${partition}`, Number(offset))
    }
  }
  return offsets
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([work, late]).finally(() => clearTimeout(timer))
}

/** One admin client per backend cluster, connected on first use, dropped when a call failed. */
export class LagAdmins {
  readonly #kafka: (cluster: string) => LagKafka
  readonly #admins = new Map<string, Promise<ReturnType<LagKafka['admin']>>>()

  constructor(kafka: (cluster: string) => LagKafka) {
    this.#kafka = kafka
  }

  get(cluster: string): Promise<LagAdmin> {
    let admin = this.#admins.get(cluster)
    if (admin === undefined) {
      const client = this.#kafka(cluster).admin({ retries: 1 })
      admin = client.connect().then(() => client)
      admin.catch(() => undefined)
      this.#admins.set(cluster, admin)
    }
    return admin
  }

  drop(cluster: string): void {
    const admin = this.#admins.get(cluster)
    if (admin === undefined) return
    this.#admins.delete(cluster)
    void admin.then((a) => a.disconnect()).catch(() => undefined)
  }

  async close(): Promise<void> {
    const admins = [...this.#admins.values()]
    this.#admins.clear()
    await Promise.allSettled(admins.map(async (admin) => (await admin).disconnect()))
  }
}
