// What the doors hand to the producer, and what comes back once the brokers acknowledged it.
import { BATCH_HEADER_BYTES, recordSizer } from '../../protocol/records/index.ts'
import type { BackendIdentity } from '../backend-identity.ts'

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
  /**
   * Who the records are written as at the broker (backendIdentityOf); default: the backend
   * cluster's own identity. Records of different identities never share a producer.
   */
  identity?: BackendIdentity
}

/** Key, value and header bytes: what the async buffer's byte bound counts. */
export function recordBytes(record: OutgoingRecord): number {
  let size = (record.key?.length ?? 0) + (record.value?.length ?? 0)
  for (const name in record.headers) size += name.length + (record.headers[name]?.length ?? 0)
  return size
}

/**
 * What a record takes in a broker's record batch, at most: its own framing included, with the
 * timestamp and offset deltas (set by the client library as it builds the batch) at their largest
 * plausible size. The brokers compare the batch, framing and all, with the topic's
 * max.message.bytes, so sizing batches from key and value bytes alone overshoots it.
 */
export function encodedRecordBytes(record: OutgoingRecord): number {
  return largestRecordSize(record.key, record.value, record.headers)
}

// A year of milliseconds between the batch's first record and this one; a million records.
const largestRecordSize = recordSizer(365n * 24n * 3600n * 1000n, 1 << 20)

/** The framing of one record batch (magic v2), before its records. */
export const BATCH_OVERHEAD_BYTES = BATCH_HEADER_BYTES
