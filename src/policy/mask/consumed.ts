// A mask over a consumed record (what the consumer hub and topic readers hand to streams, views
// and reply stores): one adapter for every door that reads through kafkajs. The record is copied,
// never edited: the hub hands the same record to every subscriber, each seeing its own mask.
import type { Principal } from '../../core/principal.ts'
import type { ConsumedRecord } from '../../kafka/consumer/types.ts'
import { maskRecord, type MaskSide, type RecordMask } from './mask-set.ts'

/** What a door reading consumed records asks the engine (PolicyEngine.maskFor). */
export interface RecordMasks {
  maskFor(
    virtualCluster: string,
    topic: string,
    principal: Principal,
    side: MaskSide,
    routePolicies?: readonly string[]
  ): RecordMask | undefined
}

/** The record with its value masked; a promise only while a writer schema is being fetched. */
export function maskConsumed(
  mask: RecordMask,
  record: ConsumedRecord,
  clientTopic: string
): ConsumedRecord | Promise<ConsumedRecord> {
  const view = {
    topic: clientTopic,
    partition: record.partition,
    key: record.key,
    value: record.value,
    headers: [],
  }
  const masked = (): ConsumedRecord =>
    view.value === record.value ? record : { ...record, value: view.value }
  const pending = maskRecord(mask, view)
  return pending === undefined ? masked() : pending.then(masked)
}
