// What the doors hand to the producer, and what comes back once the brokers acknowledged it.
export interface OutgoingRecord {
  topic: string
  key: Buffer | null
  value: Buffer | null
  headers: Record<string, Buffer>
  /** Explicit partition; otherwise Kafka's default partitioner (murmur2 of the key). */
  partition?: number
  /** Milliseconds since the epoch; the broker's time when absent. */
  timestamp?: number
}

export interface RecordAck {
  topic: string
  partition: number
  /** Kafka offsets are 64-bit: kept as decimal strings. */
  offset: string
  /** Milliseconds since the epoch, as Kafka reports it (-1 when the broker does not say). */
  timestamp: string
}

export type Acks = 'all' | 'leader' | 'none'
export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'

export interface SendOptions {
  acks: Acks
  compression: Compression
}

export function recordBytes(record: OutgoingRecord): number {
  let size = (record.key?.length ?? 0) + (record.value?.length ?? 0)
  for (const name in record.headers) size += name.length + (record.headers[name]?.length ?? 0)
  return size
}
