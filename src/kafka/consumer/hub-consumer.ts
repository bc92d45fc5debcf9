// One consumer of the hub and the subscribers it fans out to. It reads with eachBatch and
// resolves each offset only once the record went out, so it can stop anywhere in a batch: when
// nobody can take more records (every subscriber full, at-least-once acks too far behind, or, for
// group and dedicated consumers, no subscriber at all), it pauses all its partitions and leaves
// the rest of the batch unresolved; the consumer fetches it again from there after resume().
//
// Positions survive group rejoins and crash restarts: shared and dedicated consumers seek every
// assigned partition on each join to where they stopped (or to the start resolved before the
// first join); group consumers resume from their committed offsets, which at-least-once keeps at
// the first record some subscriber has not acknowledged.
import { GatewayError } from '../../core/errors.ts'
import type { Logger } from '../../observability/logger.ts'
import type { FetchedBatch, KafkaClient, KafkaConsumer, TopicPartitions } from '../client/port.ts'
import { AckedCommits } from './acked-commits.ts'
import { consumeError, withTimeout } from './errors.ts'
import { FanOut, type Member } from './fan-out.ts'
import { partitionKey } from './partition-key.ts'
import { Positions } from './positions.ts'
import type { StartOffsets } from './start-offsets.ts'
import type {
  ClosedReason,
  ConsumerKind,
  ConsumerStats,
  HubSettings,
  PartitionPosition,
  Subscriber,
} from './types.ts'

export interface HubConsumerOptions {
  kind: ConsumerKind
  cluster: string
  topics: readonly string[]
  groupId: string
  /** `none`: nothing is committed (shared and dedicated consumers, whose group is their own). */
  commit: 'auto' | 'acked' | 'none'
  /** Where partitions without a committed offset or a start offset begin. */
  fromBeginning: boolean
  /** Resolves the start offsets of shared and dedicated consumers, just before they join. */
  startOffsets?: () => Promise<StartOffsets>
  /** The cluster's client, logged in as the consumer's identity. */
  kafka: KafkaClient
  logger: Logger
  settings: HubSettings
  /** The last subscriber left. */
  onIdle(consumer: HubConsumer): void
  /** Crashed for good after running; its subscribers were told. */
  onFailed(consumer: HubConsumer): void
}

export class HubConsumer {
  readonly kind: ConsumerKind
  readonly groupId: string
  /** Settles once the consumer joined its group and is positioned; rejects with a GatewayError. */
  readonly started: Promise<void>
  readonly #options: HubConsumerOptions
  readonly #logger: Logger
  readonly #fanOut = new FanOut()
  readonly #acked: AckedCommits | undefined
  readonly #topics: readonly string[]
  /** Shared and dedicated consumers position themselves; group consumers use their commits. */
  readonly #positions: Positions | undefined
  #state: ConsumerStats['state'] = 'starting'
  #consumer: KafkaConsumer | undefined
  #assigned: ConsumerStats['assigned'] = []
  #paused = false
  #restarts = 0
  /** Consumer lag: the next offset to read per partition, by partitionKey. */
  readonly #consumed = new Map<string, string>()
  #stopping: Promise<void> | undefined

  constructor(options: HubConsumerOptions) {
    this.#options = options
    this.kind = options.kind
    this.groupId = options.groupId
    this.#logger = options.logger.child({
      backendCluster: options.cluster,
      groupId: options.groupId,
      consumerKind: options.kind,
    })
    this.#topics = options.topics
    if (options.startOffsets) this.#positions = new Positions(options.startOffsets)
    if (options.commit === 'acked') {
      this.#acked = new AckedCommits({
        ...options.settings,
        logger: this.#logger,
        consumer: () => this.#consumer,
      })
    }
    this.started = this.#start()
    this.started.catch(() => undefined) // the hub awaits it; a consumer nobody awaits may fail quietly
  }

  get size(): number {
    return this.#fanOut.size
  }

  get state(): ConsumerStats['state'] {
    return this.#state
  }

  has(member: Member): boolean {
    return this.#fanOut.has(member)
  }

  attach(subscriber: Subscriber): Member {
    const member = this.#fanOut.add(subscriber)
    this.#updatePause()
    return member
  }

  /** Stops deliveries to `member`. At-least-once: what it left unacknowledged is read again. */
  detach(member: Member): boolean {
    if (!this.#fanOut.remove(member)) return false
    this.#acked?.release(member.id)
    this.#updatePause()
    if (this.#fanOut.size === 0) this.#options.onIdle(this)
    return true
  }

  ready(member: Member): void {
    if (this.#fanOut.ready(member)) this.#updatePause()
  }

  ack(member: Member, topic: string, partition: number, offset: string): void {
    if (!this.#acked || !this.#fanOut.has(member)) return
    if (this.#acked.ack(member.id, topic, partition, offset)) this.#updatePause()
  }

  /** Ends every subscription with `reason` (the subscribers' unacked records stay uncommitted). */
  closeAll(reason: ClosedReason): void {
    for (const member of this.#fanOut.clear()) this.#notify(member, reason)
    this.#updatePause()
  }

  /** Commits what is acknowledged, leaves the group, disconnects; bounded by stopTimeoutMs. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop()
    return this.#stopping
  }

  stats(): ConsumerStats {
    return {
      kind: this.kind,
      cluster: this.#options.cluster,
      groupId: this.groupId,
      topics: [...this.#options.topics],
      state: this.#state,
      subscribers: this.#fanOut.size,
      paused: this.#paused,
      assigned: this.#assigned,
      commit: this.#options.commit,
      positions: this.#positionList(),
    }
  }

  /** Consumer lag: where each assigned partition stands, where known. */
  #positionList(): PartitionPosition[] {
    const list: PartitionPosition[] = []
    for (const { topic, partitions } of this.#assigned) {
      for (const partition of partitions) {
        const key = partitionKey(topic, partition)
        const offset = this.#consumed.get(key) ?? this.#positions?.next(key)
        if (offset !== undefined) list.push({ topic, partition, offset })
      }
    }
    return list
  }

  async #start(): Promise<void> {
    const { cluster, groupId, settings } = this.#options
    try {
      await withTimeout(this.#connect(), settings.startTimeoutMs, () => {
        const detail = `backend cluster "${cluster}" did not let consumer group "${groupId}" join within ${settings.startTimeoutMs} ms`
        return new GatewayError('backend-unavailable', detail)
      })
    } catch (err) {
      if (this.#state === 'starting') this.#state = 'failed'
      throw consumeError(err, cluster)
    }
  }

  async #connect(): Promise<void> {
    const { kafka, settings, topics, commit, fromBeginning } = this.#options
    await this.#positions?.load()
    if (this.#state !== 'starting') throw new Error('stopped while starting')
    const consumer = kafka.consumer({
      groupId: this.groupId,
      tuning: settings,
      topics,
      fromBeginning,
      autoCommit: commit === 'auto',
      eachBatch: (batch) => this.#eachBatch(batch),
      events: {
        onJoin: (assignment) => this.#onJoin(assignment),
        onCrash: (error, restart) => this.#onCrash(error, restart),
        mayRestart: () => this.#mayRestart(),
        // Commit acknowledged offsets while this generation still may: the next reads from them.
        onRebalancing: this.#acked ? () => void this.#acked?.commit() : undefined,
      },
    })
    this.#consumer = consumer
    await consumer.start()
  }

  #onJoin(assigned: TopicPartitions[]): void {
    if (this.#state === 'starting') this.#state = 'running'
    try {
      this.#restarts = 0
      this.#assigned = assigned
      this.#acked?.reset()
      if (this.#consumer) this.#positions?.seek(this.#consumer, this.#assigned)
      // A restarted consumer starts unpaused: tell it again what the subscribers need.
      this.#updatePause(true)
    } catch (err) {
      this.#logger.error({ err }, 'could not position the consumer after joining its group')
    }
  }

  /**
   * The client asks this only for retriable errors. A first join may meet one too (a coordinator
   * still loading after a broker restart): it retries within the start timeout.
   */
  #mayRestart(): boolean {
    const live = this.#state === 'starting' || this.#state === 'running'
    return live && ++this.#restarts <= this.#options.settings.maxRestarts
  }

  #onCrash(error: Error, restart: boolean): void {
    if (restart) {
      this.#logger.warn({ err: error, restarts: this.#restarts }, 'consumer crashed; restarting')
      return
    }
    if (this.#state !== 'running') return
    this.#state = 'failed'
    this.#logger.error({ err: error }, 'consumer crashed and cannot restart')
    this.closeAll({ kind: 'failed', error: consumeError(error, this.#options.cluster) })
    this.#options.onFailed(this)
  }

  async #eachBatch(batch: FetchedBatch): Promise<void> {
    const { topic, partition, resolveOffset, heartbeat, isRunning, isStale } = batch
    let last: string | undefined // the last offset resolved in this batch
    for (const record of batch.records) {
      if (this.#updatePause() || this.#state !== 'running' || !isRunning() || isStale()) break
      this.#acked?.delivered(topic, partition, record.offset, this.#memberIds())
      this.#fanOut.deliver(record, (member, err) => {
        this.#logger.error({ err }, 'a subscriber failed to take a record; unsubscribed')
        if (this.detach(member)) {
          const error = new GatewayError('internal', 'the subscriber failed to take a record')
          this.#notify(member, { kind: 'failed', error })
        }
      })
      // A rewind while delivering (a subscriber left unacknowledged records): its seek decides.
      if (isStale()) break
      resolveOffset(record.offset)
      this.#positions?.delivered(topic, partition, record.offset)
      last = record.offset
    }
    if (last !== undefined) {
      this.#consumed.set(partitionKey(topic, partition), (BigInt(last) + 1n).toString())
    }
    await heartbeat()
  }

  #memberIds(): number[] {
    return Array.from(this.#fanOut.members(), (member) => member.id)
  }

  /**
   * Pauses or resumes every partition as the subscribers need; returns whether paused. `tell`
   * says it to the consumer even when nothing changed here.
   */
  #updatePause(tell = false): boolean {
    const fanOut = this.#fanOut
    const want =
      fanOut.size === 0
        ? this.kind !== 'shared' // a shared consumer reads on: a newcomer wants what is new
        : fanOut.allFull || (this.#acked?.anyOver ?? false)
    if (want !== this.#paused || tell) {
      this.#paused = want
      try {
        if (want) this.#consumer?.pause(this.#topics)
        else this.#consumer?.resume(this.#topics)
      } catch {
        // Not running (starting, or between a crash and its restart): #onJoin applies it.
      }
    }
    return this.#paused
  }

  #notify(member: Member, reason: ClosedReason): void {
    try {
      member.subscriber.closed?.(reason)
    } catch (err) {
      this.#logger.warn({ err }, 'a subscriber failed while being closed')
    }
  }

  async #stop(): Promise<void> {
    if (this.#state === 'starting' || this.#state === 'running') this.#state = 'stopping'
    const { stopTimeoutMs } = this.#options.settings
    const work = async () => {
      // kafkajs cannot stop a consumer in the middle of its first join (its runner would run on
      // after the disconnect): let the join finish or fail first.
      await this.started.catch(() => undefined)
      await this.#acked?.final()
      await this.#consumer?.disconnect()
    }
    try {
      await withTimeout(
        work(),
        stopTimeoutMs,
        () => new Error(`not stopped in ${stopTimeoutMs} ms`)
      )
    } catch (err) {
      this.#logger.warn({ err }, 'consumer did not stop cleanly')
    }
    if (this.#state !== 'failed') this.#state = 'stopped'
  }
}
