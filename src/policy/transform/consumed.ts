// The read transform over a consumed record (what the consumer hub and topic readers hand to
// streams, views and reply stores): one adapter for every door that reads through kafkajs. The
// record is copied, never edited: the hub hands the same record to every subscriber.
import type { RecordHeader } from '../../core/records/record-view.ts'
import type { ConsumedRecord } from '../../kafka/consumer/types.ts'
import type { ReadTransform } from './compile.ts'

type ConsumedHeaders = ConsumedRecord['headers']

/** The record as the transform leaves it, or null when it is not to be delivered. */
export function readConsumed(
  transform: ReadTransform,
  record: ConsumedRecord,
  clientTopic: string
): ConsumedRecord | null {
  const view = {
    topic: clientTopic,
    partition: record.partition,
    timestamp: Number(record.timestamp),
    key: record.key,
    value: record.value,
    headers: headerList(record.headers),
  }
  if (!transform(view)) return null
  return { ...record, value: view.value, headers: headerRecord(view.headers) }
}

function headerList(headers: ConsumedHeaders): RecordHeader[] {
  const list: RecordHeader[] = []
  for (const [key, raw] of Object.entries(headers)) {
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      list.push({ key, value: value === undefined ? null : Buffer.from(value) })
    }
  }
  return list
}

/** Back into kafkajs's shape: a repeated name as an array, in order. */
function headerRecord(headers: readonly RecordHeader[]): ConsumedHeaders {
  const out: ConsumedHeaders = Object.create(null) as ConsumedHeaders
  for (const { key, value } of headers) {
    const next = value ?? undefined
    if (!Object.hasOwn(out, key)) out[key] = next
    else {
      const current = out[key]
      const values = Array.isArray(current) ? current : current === undefined ? [] : [current]
      if (next !== undefined) values.push(next)
      out[key] = values
    }
  }
  return out
}
