// Where a shared or dedicated consumer is in each partition. Their groups are their own and
// commit nothing, so after every group join (the first, a rebalance, a crash restart) they seek
// each assigned partition themselves: to the record after the last one delivered, or, where none
// was, to the start offset resolved before the first join.
import type { KafkaConsumer } from '../client/port.ts'
import { partitionKey } from './partition-key.ts'
import type { StartOffsets } from './start-offsets.ts'

export class Positions {
  readonly #resolve: () => Promise<StartOffsets>
  #starts: StartOffsets = new Map()
  readonly #next = new Map<string, string>()

  constructor(resolve: () => Promise<StartOffsets>) {
    this.#resolve = resolve
  }

  /** Resolves the start offsets (asks the brokers); call once, before the consumer joins. */
  async load(): Promise<void> {
    this.#starts = await this.#resolve()
  }

  /** Consumer lag: the next offset to read, delivered or resolved at the start. */
  next(key: string): string | undefined {
    return this.#next.get(key) ?? this.#starts.get(key)
  }

  delivered(topic: string, partition: number, offset: string): void {
    this.#next.set(partitionKey(topic, partition), (BigInt(offset) + 1n).toString())
  }

  /** Seeks every assigned partition; the consumer applies the seeks on its next fetch. */
  seek(
    consumer: Pick<KafkaConsumer, 'seek'>,
    assigned: readonly { topic: string; partitions: number[] }[]
  ): void {
    for (const { topic, partitions } of assigned) {
      for (const partition of partitions) {
        const key = partitionKey(topic, partition)
        const offset = this.#next.get(key) ?? this.#starts.get(key)
        if (offset !== undefined) consumer.seek({ topic, partition, offset })
      }
    }
  }
}
