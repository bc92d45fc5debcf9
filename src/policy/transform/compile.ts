// A transform policy compiled once (per policy object, so a reload's new policies compile anew)
// into what it does to one record, on whichever door the record passes:
// - write (HTTP produce, request-reply requests, Kafka Produce): headers removed, then set (a set
//   header replaces every header of its name);
// - read (streams, views, replies, Kafka Fetch): records failing the filter are dropped (the
//   filter sees the record as written), masked fields of JSON values become "***" (a masked value
//   is re-serialized compactly), and headers are removed. Values that are not JSON (text, Avro,
//   Confluent-framed bytes, whose first byte is 0) are never masked: only JSON has fields to find.
import type { TransformPolicyConfig } from '../../config/schema/policies.ts'
import type { RecordView } from '../../core/records/record-view.ts'
import { compileFilters } from '../filter/filters.ts'
import { LazyRecord } from './lazy-record.ts'
import { compileMask, type Mask } from './mask.ts'

/** Edits a record about to be written, in place. */
export type WriteTransform = (record: RecordView) => void

/** Edits a record about to be read, in place; false when the record is not to be delivered. */
export type ReadTransform = (record: RecordView) => boolean

/** What a read door asks the engine (PolicyEngine.readTransform), per topic or per record. */
export interface ReadTransforms {
  readTransform(
    virtualCluster: string,
    topic: string,
    routePolicies?: readonly string[]
  ): ReadTransform | undefined
}

export interface CompiledTransform {
  /** Undefined when the policy edits nothing on the way in. */
  write: WriteTransform | undefined
  /** Undefined when the policy filters and edits nothing on the way out. */
  read: ReadTransform | undefined
}

const compiled = new WeakMap<TransformPolicyConfig, CompiledTransform>()

export function compileTransform(policy: TransformPolicyConfig): CompiledTransform {
  let found = compiled.get(policy)
  if (found === undefined) {
    found = { write: compileWrite(policy.produce), read: compileRead(policy.fetch) }
    compiled.set(policy, found)
  }
  return found
}

function compileWrite(produce: TransformPolicyConfig['produce']): WriteTransform | undefined {
  const set = Object.entries(produce?.setHeaders ?? {}).map(([key, value]) => ({
    key,
    value: Buffer.from(value, 'utf8'),
  }))
  const removed = new Set([...(produce?.removeHeaders ?? []), ...set.map((h) => h.key)])
  if (removed.size === 0) return undefined
  return (record) => {
    record.headers = record.headers.filter((h) => !removed.has(h.key))
    for (const header of set) record.headers.push({ key: header.key, value: header.value })
  }
}

function compileRead(fetch: TransformPolicyConfig['fetch']): ReadTransform | undefined {
  if (fetch === undefined) return undefined
  const removed = new Set(fetch.removeHeaders ?? [])
  const masks = (fetch.mask ?? []).map(compileMask)
  const filter = fetch.filter === undefined ? undefined : compileFilters(fetch.filter)
  if (filter === undefined && masks.length === 0 && removed.size === 0) return undefined
  return (record) => {
    // Decoded lazily and at most once, shared by the filter and the masks.
    const lazy = filter !== undefined || masks.length > 0 ? new LazyRecord(record) : undefined
    if (filter !== undefined && !filter(lazy as LazyRecord)) return false
    if (masks.length > 0) maskValue(record, lazy as LazyRecord, masks)
    if (removed.size > 0) record.headers = record.headers.filter((h) => !removed.has(h.key))
    return true
  }
}

function maskValue(record: RecordView, lazy: LazyRecord, masks: readonly Mask[]): void {
  const document = lazy.document()
  if (document === undefined) return
  let changed = false
  for (const mask of masks) changed = mask(document) || changed
  if (changed) record.value = Buffer.from(JSON.stringify(document), 'utf8')
}
