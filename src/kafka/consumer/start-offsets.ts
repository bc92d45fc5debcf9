// Where a shared or dedicated consumer starts reading each partition. Resolved to concrete
// offsets before the consumer joins its group, so that the seek on assignment is synchronous
// (a consumer fetches right after the join) and "latest" means the end of the log when the
// subscriber asked, not whenever the first fetch happens to run.
import type { KafkaAdmin, PartitionWatermarks } from '../client/port.ts'
import { partitionKey } from './partition-key.ts'
import type { PartitionPosition, StartPosition } from './types.ts'

/** Next offset to read, by partitionKey(topic, partition). */
export type StartOffsets = Map<string, string>

export type Watermarks = PartitionWatermarks

/**
 * Start offsets of one topic's partitions. `byTimestamp` holds the broker's answer for a
 * timestamp start (the first offset at or after it; the high watermark when there is none).
 * Every offset is kept within the log: below it the records are gone, past it none exist yet.
 */
export function chooseStartOffsets(
  topic: string,
  watermarks: readonly Watermarks[],
  start: StartPosition,
  byTimestamp: ReadonlyMap<number, string> = new Map(),
  positions: readonly PartitionPosition[] = []
): Map<number, string> {
  const given = new Map<number, string>()
  for (const p of positions) if (p.topic === topic) given.set(p.partition, p.offset)
  const result = new Map<number, string>()
  for (const { partition, low, high } of watermarks) {
    let offset: string
    const resume = given.get(partition)
    if (resume !== undefined) offset = resume
    else if (start === 'earliest') offset = low
    else if (start === 'latest') offset = high
    else if ('offset' in start) offset = String(start.offset)
    else offset = byTimestamp.get(partition) ?? high
    result.set(partition, clamp(offset, low, high))
  }
  return result
}

function clamp(offset: string, low: string, high: string): string {
  const at = BigInt(offset)
  if (at < BigInt(low)) return low
  if (at > BigInt(high)) return high
  return offset
}

/** Asks the brokers for each topic's watermarks (and timestamp offsets) and picks the starts. */
export async function resolveStartOffsets(
  admin: Pick<KafkaAdmin, 'fetchTopicOffsets' | 'fetchTopicOffsetsByTimestamp'>,
  topics: readonly string[],
  start: StartPosition,
  positions: readonly PartitionPosition[] = []
): Promise<StartOffsets> {
  const result: StartOffsets = new Map()
  await Promise.all(
    topics.map(async (topic) => {
      const fetched = await admin.fetchTopicOffsets(topic)
      const watermarks = fetched.map(({ partition, low, high }) => ({ partition, low, high }))
      let byTimestamp = new Map<number, string>()
      const needsTimestamps =
        typeof start === 'object' &&
        'timestamp' in start &&
        watermarks.some(
          (w) => !positions.some((p) => p.topic === topic && p.partition === w.partition)
        )
      if (needsTimestamps) {
        const found = await admin.fetchTopicOffsetsByTimestamp(topic, start.timestamp)
        byTimestamp = new Map(found.map(({ partition, offset }) => [partition, offset]))
      }
      const offsets = chooseStartOffsets(topic, watermarks, start, byTimestamp, positions)
      for (const [partition, offset] of offsets) result.set(partitionKey(topic, partition), offset)
    })
  )
  return result
}
