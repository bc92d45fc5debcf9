// A mask over a consumed record (what the consumer hub and topic readers hand to streams, views
// and reply stores): one adapter for every door that reads through kafkajs. Decryption goes
// through it too (it edits keys and headers as well). The record is copied,
// never edited: the hub hands the same record to every subscriber, each seeing its own mask.
import type { Principal } from '../../core/principal.ts'
import type { RecordHeader, RecordView } from '../../core/records/record-view.ts'
import type { ConsumedRecord } from '../../kafka/consumer/types.ts'
import { maskRecord, type MaskSide, type RecordEdit } from './mask-set.ts'

/** What a door reading consumed records asks the engine (PolicyEngine.recordEditsFor). */
export interface RecordEdits {
  recordEditsFor(
    virtualCluster: string,
    topic: string,
    principal: Principal,
    side: MaskSide,
    routePolicies?: readonly string[]
  ): RecordEdit | undefined
}

/** The record with its value masked; a promise only while a writer schema is being fetched. */
export function maskConsumed(
  mask: RecordEdit,
  record: ConsumedRecord,
  clientTopic: string
): ConsumedRecord | Promise<ConsumedRecord> {
  const headers = headerList(record.headers)
  const view: RecordView = {
    topic: clientTopic,
    partition: record.partition,
    key: record.key,
    value: record.value,
    headers,
  }
  const masked = (): ConsumedRecord =>
    view.value === record.value && view.key === record.key && view.headers === headers
      ? record
      : { ...record, key: view.key, value: view.value, headers: headerRecord(view.headers) }
  const pending = maskRecord(mask, view)
  return pending === undefined ? masked() : pending.then(masked)
}

type ConsumedHeaders = ConsumedRecord['headers']

function headerList(headers: ConsumedHeaders): RecordHeader[] {
  const list: RecordHeader[] = []
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue
    for (const one of Array.isArray(value) ? value : [value]) {
      list.push({ key, value: Buffer.isBuffer(one) ? one : Buffer.from(one, 'utf8') })
    }
  }
  return list
}

function headerRecord(list: readonly RecordHeader[]): ConsumedHeaders {
  const headers: Record<string, Buffer | Buffer[]> = {}
  for (const { key, value } of list) {
    if (value === null) continue
    const known = headers[key]
    headers[key] =
      known === undefined ? value : [...(Array.isArray(known) ? known : [known]), value]
  }
  return headers
}
