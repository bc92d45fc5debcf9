// The largest record batch each topic accepts (its max.message.bytes, as the brokers report it
// through DescribeConfigs), asked once per topic and remembered for a minute. Batches are sized
// from it, so that merging requests can never make a batch the brokers refuse.
import type { Logger } from '../../observability/logger.ts'
import { BATCH_OVERHEAD_BYTES, type Compression } from './record.ts'

/** Kafka's default message.max.bytes, used while a topic's own limit cannot be read. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588
const REMEMBER_MS = 60_000
/** A lookup that failed (no DescribeConfigs permission...) is not tried again at every request. */
const RETRY_FAILED_MS = 5_000

export interface TopicConfigSource {
  topicConfig(cluster: string, topic: string, key: string): Promise<string | undefined>
}

interface Known {
  at: number
  ttl: number
  limit: Promise<number>
  /** The limit once the brokers answered: handed out as is, not through the promise. */
  value?: number
}

export class TopicLimits {
  readonly #source: TopicConfigSource
  readonly #logger: Logger
  readonly #known = new Map<string, Known>()

  constructor(source: TopicConfigSource, logger: Logger) {
    this.#source = source
    this.#logger = logger
  }

  /**
   * The topic's max.message.bytes: the largest record batch, framing included, it accepts. A
   * number once known (every request but a topic's first in a minute asks), else a promise.
   */
  maxMessageBytes(cluster: string, topic: string): number | Promise<number> {
    const id = `${cluster}\u0000${topic}`
    const known = this.#known.get(id)
    if (known && Date.now() - known.at < known.ttl) return known.value ?? known.limit
    const entry: Known = { at: Date.now(), ttl: REMEMBER_MS, limit: Promise.resolve(0) }
    entry.limit = this.#source.topicConfig(cluster, topic, 'max.message.bytes').then(
      (value) => {
        const limit = Number(value)
        entry.value = Number.isSafeInteger(limit) && limit > 0 ? limit : DEFAULT_MAX_MESSAGE_BYTES
        return entry.value
      },
      (err: unknown) => {
        entry.ttl = RETRY_FAILED_MS
        entry.value = DEFAULT_MAX_MESSAGE_BYTES
        // A topic that does not exist is the send's to report (404), not a fault here.
        if ((err as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION')
          return DEFAULT_MAX_MESSAGE_BYTES
        this.#logger.warn(
          { err, backendCluster: cluster, topic, assumed: DEFAULT_MAX_MESSAGE_BYTES },
          "the topic's max.message.bytes could not be read; batches assume Kafka's default"
        )
        return DEFAULT_MAX_MESSAGE_BYTES
      }
    )
    if (this.#known.size > 10_000) this.#known.clear()
    this.#known.set(id, entry)
    return entry.limit
  }

  /** Forgets a topic's limit: the brokers refused a batch sized from it, so it changed. */
  forget(cluster: string, topic: string): void {
    this.#known.delete(`${cluster}\u0000${topic}`)
  }
}

/**
 * How many record bytes (as encodedRecordBytes counts them) one batch for a topic may carry. A
 * compressed batch is sized from its records before compression, less a margin for data that does
 * not compress (every codec then adds a little).
 */
export function batchBudget(maxMessageBytes: number, compression: Compression): number {
  const margin = compression === 'none' ? 0 : Math.ceil(maxMessageBytes / 100) + 128
  return maxMessageBytes - BATCH_OVERHEAD_BYTES - margin
}
