// Reads one whole topic on this node, for as long as the node runs, into whatever `apply` builds
// (a view's table, a reply store). Every node reads every partition: the group is the reader's
// own and commits nothing, and positions are the reader's (kept across consumer restarts and
// re-created consumers, as the hub's dedicated consumers keep theirs).
//
// Not the consumer hub: a table must know when it has caught up with the topic as it was at
// start, or at the time of a read (readThrough), which needs the offsets of batches that held no
// record for it (transaction markers, aborted records), which the client tells only through its
// group events (onEmptyBatch); and a table applies records in order and may wait on a schema registry in
// between, so batches are awaited.
import type { Logger } from '../../observability/logger.ts'
import type { BackendIdentity } from '../backend-identity.ts'
import type { FetchedBatch, KafkaClient, KafkaConsumer } from '../client/port.ts'
import type { ClusterAdmins } from '../consumer/cluster-admins.ts'
import { hubSettings } from '../consumer/hub-settings.ts'
import { partitionKey } from '../consumer/partition-key.ts'
import { Positions } from '../consumer/positions.ts'
import { resolveStartOffsets } from '../consumer/start-offsets.ts'
import type { ConsumedRecord, HubSettings } from '../consumer/types.ts'
import { ReadProgress } from './read-progress.ts'

export interface TopicReaderOptions {
  /** The cluster's client, logged in as `identity`. */
  kafka: KafkaClient
  admins: ClusterAdmins
  cluster: string
  /** Who reads at the broker (the virtual cluster's `backendIdentity`); default: the cluster's own. */
  identity?: BackendIdentity
  /** Backend topic name. */
  topic: string
  /** Where reading starts, resolved once, at the first start (a timestamp: from `now - x`). */
  start: () => 'earliest' | { timestamp: number }
  groupId: string
  logger: Logger
  settings?: Partial<HubSettings>
  /** Takes each batch's records, in offset order; awaited before the next batch is read. */
  apply(records: readonly ConsumedRecord[]): void | Promise<void>
}

const FIRST_BACKOFF_MS = 1000
const MAX_BACKOFF_MS = 30_000

export class TopicReader {
  readonly #options: TopicReaderOptions
  readonly #logger: Logger
  readonly #settings: HubSettings
  readonly #progress = new ReadProgress()
  /** The end offsets being asked for, and the ask queued behind it (see #endsFromNow). */
  #endsAsked: Promise<Map<number, bigint>> | undefined
  #endsQueued: Promise<Map<number, bigint>> | undefined
  #positions: Positions | undefined
  #consumer: KafkaConsumer | undefined
  #running: Promise<void> | undefined
  #stopped = false
  readonly #wakers = new Set<() => void>()

  constructor(options: TopicReaderOptions) {
    this.#options = options
    this.#logger = options.logger.child({ topic: options.topic, groupId: options.groupId })
    this.#settings = hubSettings(options.settings)
  }

  /** Whether every partition was read up to where it ended when the reader first started. */
  get caughtUp(): boolean {
    return this.#progress.caughtUp
  }

  /** Settles once caughtUp (never, if the reader stops first). */
  get reachedEnd(): Promise<void> {
    return this.#progress.caughtUpAtStart
  }

  /**
   * Reads the topic up to its end offsets as they are now: resolves true once everything written
   * before this call was applied, false if that takes longer than `ms` (or the end offsets cannot
   * be asked). A node answering from what it read (a reply, a view) calls this first, so that it
   * never answers "not yet" for what another node has already seen.
   */
  async readThrough(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms)
    })
    try {
      const ends = await Promise.race([this.#endsFromNow().catch(() => undefined), expired])
      if (ends === undefined) return false
      return await this.#progress.until(ends, deadline - Date.now())
    } finally {
      clearTimeout(timer)
    }
  }

  /** Starts reading in the background; failures are logged and retried until stop(). */
  start(): void {
    this.#running ??= this.#loop()
  }

  /** Stops reading and leaves the group; bounded by the stop timeout (a join may hang). */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#progress.stop()
    for (const wake of this.#wakers) wake()
    await Promise.race([this.#running, delay(this.#settings.stopTimeoutMs)])
    await this.#disconnect()
  }

  async #loop(): Promise<void> {
    let backoff = FIRST_BACKOFF_MS
    while (!this.#stopped) {
      let crashed: Promise<Error> | undefined
      try {
        crashed = (await this.#run()).crashed
        backoff = FIRST_BACKOFF_MS
      } catch (err) {
        if (!this.#stopped) this.#logger.warn({ err }, 'topic reader could not start; retrying')
      }
      if (crashed !== undefined) {
        const ended = await Promise.race([crashed, this.#sleep(Infinity)])
        if (ended instanceof Error && !this.#stopped) {
          this.#logger.error({ err: ended }, 'topic reader crashed; starting it again')
        }
      }
      await this.#disconnect()
      if (!this.#stopped) await this.#sleep(backoff)
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)
    }
  }

  /** Starts a consumer; resolves once it joined, with a promise of its fatal crash. */
  async #run(): Promise<{ crashed: Promise<Error> }> {
    const { kafka, admins, cluster, topic, identity } = this.#options
    if (this.#positions === undefined) {
      const start = this.#options.start()
      const positions = new Positions(() =>
        admins.use(
          cluster,
          async (admin) => {
            const [ends, starts] = await Promise.all([
              admin.fetchTopicOffsets(topic),
              resolveStartOffsets(admin, [topic], start),
            ])
            this.#progress.start(
              new Map(
                ends.map(({ partition }) => [
                  partition,
                  BigInt(starts.get(partitionKey(topic, partition)) ?? '0'),
                ])
              ),
              endOffsets(ends)
            )
            return starts
          },
          identity
        )
      )
      await positions.load()
      this.#positions = positions
    }
    const positions = this.#positions
    let fatal: ((err: Error) => void) | undefined
    const crashed = new Promise<Error>((resolve) => (fatal = resolve))
    const consumer = kafka.consumer({
      groupId: this.#options.groupId,
      tuning: this.#settings,
      topics: [topic],
      fromBeginning: true,
      autoCommit: false,
      eachBatch: (batch) => this.#eachBatch(batch),
      events: {
        onJoin: (assigned) => positions.seek(consumer, assigned),
        onCrash: (error, restart) => {
          if (!restart) fatal?.(error)
        },
        // The client paces its own restarts; a reader runs for as long as the node does.
        mayRestart: () => !this.#stopped,
        // Batches that held nothing to apply (transaction markers, aborted records) still move
        // the position.
        onEmptyBatch: (_topic, partition, lastOffset) =>
          this.#progress.advanced(partition, BigInt(lastOffset) + 1n),
      },
    })
    this.#consumer = consumer
    await consumer.start()
    return { crashed }
  }

  async #eachBatch(batch: FetchedBatch): Promise<void> {
    const { topic, partition, records, resolveOffset, heartbeat, isRunning, isStale } = batch
    const last = records.at(-1)
    if (last === undefined) return
    await this.#options.apply(records)
    // Stopped or rewound meanwhile: the next consumer (or the seek) reads from where it says.
    if (!isRunning() || isStale()) return
    resolveOffset(last.offset)
    this.#positions?.delivered(topic, partition, last.offset)
    // The batch's last offset, not its last record's: a transaction marker after the records
    // counts in the end offsets a read waits for.
    this.#progress.advanced(partition, BigInt(batch.lastOffset()) + 1n)
    await heartbeat()
  }

  /**
   * The topic's end offsets (last stable, as the reader reads committed records), asked after
   * this call: an ask already under way may have left before a record the caller must see was
   * written, so callers arriving meanwhile share the next ask. At most two are out at once.
   */
  #endsFromNow(): Promise<Map<number, bigint>> {
    if (this.#endsAsked === undefined) {
      const { admins, cluster, topic, identity } = this.#options
      const asked = admins
        .use(cluster, (admin) => admin.fetchTopicOffsets(topic), identity)
        .then(endOffsets)
      this.#endsAsked = asked
      void asked.then(
        () => (this.#endsAsked = undefined),
        () => (this.#endsAsked = undefined)
      )
      return asked
    }
    this.#endsQueued ??= this.#endsAsked.then(
      () => this.#next(),
      () => this.#next()
    )
    return this.#endsQueued
  }

  #next(): Promise<Map<number, bigint>> {
    this.#endsQueued = undefined
    return this.#endsFromNow()
  }

  async #disconnect(): Promise<void> {
    const consumer = this.#consumer
    this.#consumer = undefined
    if (consumer === undefined) return
    await Promise.race([
      consumer.disconnect().catch(() => undefined),
      delay(this.#settings.stopTimeoutMs),
    ])
  }

  /** Waits `ms` (Infinity: until stop()); stop() ends the wait early. */
  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve()
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer)
        this.#wakers.delete(wake)
        resolve()
      }
      const timer = Number.isFinite(ms) ? setTimeout(wake, ms) : undefined
      this.#wakers.add(wake)
    })
  }
}

function endOffsets(ends: readonly { partition: number; high: string }[]): Map<number, bigint> {
  return new Map(ends.map(({ partition, high }) => [partition, BigInt(high)]))
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
