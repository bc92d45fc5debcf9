// One kafkajs sendBatch of gateway records, and the offset of each record in what came back. Used
// by the batching producers and, inside a transaction, by the transactional ones.
import { CompressionTypes, type Producer } from 'kafkajs'
import { compressionType } from '../compression.ts'
import type { PartitionTracker } from './partitions.ts'
import type { Acks, OutgoingRecord, RecordAck, SendOptions } from './record.ts'

const acksValue: Record<Acks, number> = { all: -1, leader: 1, none: 0 }

/** A record as kafkajs takes it; the partitioner remembers where each one went. */
export interface KafkaMessage {
  key: Buffer | null
  value: Buffer | null
  headers: Record<string, Buffer>
  partition?: number
  timestamp: string
}

/** The records as kafkajs messages, in order: kept to learn their partitions after a failure. */
export function toMessages(records: readonly OutgoingRecord[]): KafkaMessage[] {
  return records.map((record) => ({
    key: record.key,
    value: record.value,
    headers: record.headers,
    partition: record.partition,
    timestamp: String(record.timestamp ?? Date.now()),
  }))
}

/** Sends `messages` (toMessages of `records`) in one sendBatch; one ack per record, in order. */
export async function sendRecords(
  sender: Pick<Producer, 'sendBatch'>,
  tracker: PartitionTracker,
  records: readonly OutgoingRecord[],
  messages: readonly KafkaMessage[],
  options: SendOptions
): Promise<RecordAck[]> {
  const byTopic = new Map<string, KafkaMessage[]>()
  records.forEach((record, i) => {
    let list = byTopic.get(record.topic)
    if (!list) byTopic.set(record.topic, (list = []))
    list.push(messages[i] as KafkaMessage)
  })
  const results = await sender.sendBatch({
    acks: acksValue[options.acks],
    compression:
      options.compression === 'none' ? CompressionTypes.None : compressionType(options.compression),
    topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
  })
  // acks=0: the broker answers nothing, so there are no offsets to report.
  const bases = new Map(
    results.map((r) => [
      `${r.topicName}|${r.partition}`,
      { base: BigInt(r.baseOffset ?? '-1'), logAppendTime: r.logAppendTime ?? '-1' },
    ])
  )
  const seen = new Map<string, bigint>()
  return records.map((record, i) => {
    const message = messages[i] as KafkaMessage
    const partition = message.partition ?? tracker.partitionOf(message) ?? -1
    const id = `${record.topic}|${partition}`
    const index = seen.get(id) ?? 0n
    seen.set(id, index + 1n)
    const result = bases.get(id)
    const offset = result && result.base >= 0n ? String(result.base + index) : '-1'
    const appendTime =
      result?.logAppendTime && result.logAppendTime !== '-1'
        ? result.logAppendTime
        : message.timestamp
    return { topic: record.topic, partition, offset, timestamp: appendTime }
  })
}
