// Commit `acked` for one consumer: the AckTracker's bookkeeping put to work on the
// consumer. Commits go out at most once per interval and one at a time; a subscriber that leaves
// with records unacknowledged makes the consumer read them again (a seek back), so the next
// subscriber, on this node or after a rebalance on another, gets them.
import type { Logger } from '../../observability/logger.ts'
import type { KafkaConsumer } from '../client/port.ts'
import { AckTracker, type CommitOffset } from './ack-tracker.ts'

export interface AckedCommitsOptions {
  maxUnackedPerSubscriber: number
  commitIntervalMs: number
  logger: Logger
  /** The consumer, once it exists. */
  consumer(): KafkaConsumer | undefined
}

export class AckedCommits {
  readonly #tracker: AckTracker
  readonly #options: AckedCommitsOptions
  #timer: NodeJS.Timeout | undefined
  #committing: Promise<void> = Promise.resolve()
  #stopped = false

  constructor(options: AckedCommitsOptions) {
    this.#options = options
    this.#tracker = new AckTracker(options.maxUnackedPerSubscriber)
  }

  /** Some subscriber holds too many unacknowledged records: the consumer should pause. */
  get anyOver(): boolean {
    return this.#tracker.anyOver
  }

  delivered(topic: string, partition: number, offset: string, subscribers: number[]): void {
    this.#tracker.delivered(topic, partition, offset, subscribers)
  }

  /** True when the subscriber just drained below its unacked limit (the consumer may resume). */
  ack(subscriber: number, topic: string, partition: number, offset: string): boolean {
    const drained = this.#tracker.ack(subscriber, topic, partition, offset)
    this.#schedule()
    return drained
  }

  /** The subscriber left: what it did not acknowledge is read again, from the commit point. */
  release(subscriber: number): void {
    for (const point of this.#tracker.release(subscriber)) this.#rewind(point)
    this.#schedule()
  }

  /** A group (re)join: the consumer reads from the committed offsets again. */
  reset(): void {
    this.#tracker.reset()
  }

  /** Commits what is acknowledged now (after earlier commits), and no more afterwards. */
  final(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    return this.commit()
  }

  /** Commits acknowledged offsets, one commit at a time. */
  commit(): Promise<void> {
    const run = async () => {
      const consumer = this.#options.consumer()
      const offsets = this.#tracker.committable()
      if (!consumer || offsets.length === 0) return
      try {
        await consumer.commitOffsets(offsets)
        this.#tracker.markCommitted(offsets)
      } catch (err) {
        this.#options.logger.warn({ err, offsets }, 'could not commit acknowledged offsets')
      }
    }
    this.#committing = this.#committing.then(run)
    return this.#committing
  }

  #schedule(): void {
    if (this.#timer || this.#stopped) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.commit()
    }, this.#options.commitIntervalMs)
  }

  #rewind(point: CommitOffset): void {
    this.#tracker.rewind(point.topic, point.partition, point.offset)
    try {
      this.#options.consumer()?.seek(point)
    } catch {
      // Between a crash and its restart: the restart reads from the committed offsets anyway.
    }
  }
}
