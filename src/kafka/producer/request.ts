// One request's records against the topic's limit: how large they are in a record batch, whether a
// record is too large for the topic at all (refused before anything is sent), and whether the
// request fits one batch or has to be split (then it is written in a transaction, all or nothing).
import { GatewayError } from '../../core/errors.ts'
import type { BatchUnit } from './batcher.ts'
import { encodedRecordBytes, type Compression, type OutgoingRecord } from './record.ts'
import { batchBudget } from './topic-limits.ts'

export interface RequestPlan {
  unit: BatchUnit
  sizes: number[]
  /** Too large for one batch of its topic: to be split, in a transaction. */
  split: boolean
}

/**
 * Sizes a request's records (all for one topic) against the topic's max.message.bytes. Throws
 * 413 if one record cannot fit a batch. A compressed record is only refused by the brokers, who
 * see its compressed size.
 */
export function planRequest(
  records: readonly OutgoingRecord[],
  maxMessageBytes: number,
  compression: Compression
): RequestPlan {
  const topic = records[0]?.topic ?? ''
  if (records.some((r) => r.topic !== topic)) throw new Error('a request has one topic')
  const budget = batchBudget(maxMessageBytes, compression)
  const sizes = records.map(encodedRecordBytes)
  const bytes = sizes.reduce((sum, n) => sum + n, 0)
  if (compression === 'none') {
    const index = sizes.findIndex((size) => size > budget)
    if (index >= 0) throw recordTooLarge(records.length, index, sizes[index] ?? 0, maxMessageBytes)
  }
  return {
    unit: { topic, records: [...records], bytes, budget },
    sizes,
    split: records.length > 1 && bytes > budget,
  }
}

function recordTooLarge(
  count: number,
  index: number,
  size: number,
  maxMessageBytes: number
): GatewayError {
  const which = count === 1 ? 'the record' : `record ${index} of ${count}`
  return new GatewayError(
    'payload-too-large',
    `${which} takes ${size} bytes in a record batch, more than the topic accepts: ` +
      `its max.message.bytes is ${maxMessageBytes}, batch framing included; nothing was produced. ` +
      'Send a smaller record, or raise the topic max.message.bytes',
    { extensions: { maxMessageBytes, recordBytes: size, ...(count > 1 ? { record: index } : {}) } }
  )
}

/** Splits a request into consecutive parts that each fit one record batch of its topic. */
export function chunks(plan: RequestPlan): OutgoingRecord[][] {
  const parts: OutgoingRecord[][] = []
  let part: OutgoingRecord[] = []
  let bytes = 0
  plan.unit.records.forEach((record, i) => {
    const size = plan.sizes[i] ?? 0
    if (part.length > 0 && bytes + size > plan.unit.budget) {
      parts.push(part)
      part = []
      bytes = 0
    }
    part.push(record)
    bytes += size
  })
  if (part.length > 0) parts.push(part)
  return parts
}

/** Rejects with 504 after `ms`; the send itself goes on, so its records may still be written. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new GatewayError(
            'backend-timeout',
            `the brokers did not acknowledge within ${ms} ms; the records may or may not have been written`
          )
        ),
      ms
    )
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
