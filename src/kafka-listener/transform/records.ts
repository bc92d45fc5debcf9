// A transform policy compiled once (per policy object, so a reload's new policies compile anew)
// into what it does to one record. Produce: headers removed, then set (a set header replaces
// every header of its name). Fetch: the stream filter language decides which records stay (one
// predicate language for both doors), masked fields of JSON values become "***" (the field stays,
// so consumers parsing a fixed shape still do; a masked value is re-serialized compactly), and
// headers are removed. Values that are not JSON (text, Avro, Confluent-framed bytes, whose first
// byte is 0) are never masked: only JSON has fields to find.
import type { TransformPolicyConfig } from '../../config/schema/policies.ts'
import type { KafkaRecord, RecordHeader } from '../../protocol/records/index.ts'
import { compileFilters } from '../../stream/filters.ts'
import { decodeBytes } from '../../stream/payload.ts'
import type { StreamRecord } from '../../stream/record.ts'

export const MASK = '***'

export type RecordEdit = (record: KafkaRecord) => void

export interface FetchEdit {
  /** Undefined when the policy filters nothing. */
  keep: ((record: KafkaRecord) => boolean) | undefined
  /** Undefined when the policy edits nothing. */
  edit: RecordEdit | undefined
}

const produceEdits = new WeakMap<TransformPolicyConfig, RecordEdit | undefined>()
const fetchEdits = new WeakMap<TransformPolicyConfig, FetchEdit | undefined>()

/** The Produce edit of a policy, or undefined when it has none. */
export function produceEdit(policy: TransformPolicyConfig): RecordEdit | undefined {
  if (!produceEdits.has(policy)) produceEdits.set(policy, compileProduce(policy))
  return produceEdits.get(policy)
}

/** The Fetch edit of a policy, or undefined when it has none. */
export function fetchEdit(policy: TransformPolicyConfig): FetchEdit | undefined {
  if (!fetchEdits.has(policy)) fetchEdits.set(policy, compileFetch(policy))
  return fetchEdits.get(policy)
}

function compileProduce(policy: TransformPolicyConfig): RecordEdit | undefined {
  const set = Object.entries(policy.produce?.setHeaders ?? {}).map(([key, value]) => ({
    key,
    value: Buffer.from(value, 'utf8'),
  }))
  const removed = new Set([...(policy.produce?.removeHeaders ?? []), ...set.map((h) => h.key)])
  if (removed.size === 0) return undefined
  return (record) => {
    record.headers = record.headers.filter((h) => !removed.has(h.key))
    for (const header of set) record.headers.push({ key: header.key, value: header.value })
  }
}

function compileFetch(policy: TransformPolicyConfig): FetchEdit | undefined {
  const fetch = policy.fetch
  if (fetch === undefined) return undefined
  const removed = new Set(fetch.removeHeaders ?? [])
  const masks = (fetch.mask ?? []).map(compileMask)
  const filter = fetch.filter === undefined ? undefined : compileFilters(fetch.filter)
  const keep = filter === undefined ? undefined : (record: KafkaRecord) => filter(view(record))
  const edits: RecordEdit[] = []
  if (removed.size > 0) {
    edits.push((record) => {
      record.headers = record.headers.filter((h) => !removed.has(h.key))
    })
  }
  if (masks.length > 0) edits.push((record) => maskValue(record, masks))
  const edit =
    edits.length === 0
      ? undefined
      : (record: KafkaRecord) => {
          for (const e of edits) e(record)
        }
  return keep === undefined && edit === undefined ? undefined : { keep, edit }
}

/** What a stream's filter sees of a record: key and value as a stream's `auto` format reads them. */
function view(record: KafkaRecord): StreamRecord {
  const key = record.key === null ? undefined : decodeBytes(record.key, 'auto')
  const value = record.value === null ? undefined : decodeBytes(record.value, 'auto')
  return {
    topic: '',
    partition: 0,
    offset: '',
    timestamp: '',
    key: key?.value ?? null,
    headers: headerMap(record.headers),
    value: value?.value ?? null,
    tombstone: record.value === null,
    encoding: { key: key?.encoding, value: value?.encoding },
  }
}

/** UTF-8 header values; a repeated header gives its last value (as streams see them). */
function headerMap(headers: readonly RecordHeader[]): Record<string, string> {
  const map: Record<string, string> = Object.create(null) as Record<string, string>
  for (const h of headers) if (h.value !== null) map[h.key] = h.value.toString('utf8')
  return map
}

/** Replaces the field a pointer names with MASK; true when there was one. */
type Mask = (document: unknown) => boolean

function maskValue(record: KafkaRecord, masks: readonly Mask[]): void {
  if (record.value === null) return
  const decoded = decodeBytes(record.value, 'auto')
  if (decoded.encoding !== 'json' || decoded.value === null || typeof decoded.value !== 'object') {
    return
  }
  let changed = false
  for (const mask of masks) changed = mask(decoded.value) || changed
  if (changed) record.value = Buffer.from(JSON.stringify(decoded.value), 'utf8')
}

/** RFC 6901, own properties and real array indexes only (as stream/json-pointer.ts reads). */
function compileMask(pointer: string): Mask {
  const tokens = pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replaceAll('~1', '/').replaceAll('~0', '~'))
  const last = tokens.pop() as string
  return (document) => {
    let node: unknown = document
    for (const token of tokens) {
      node = child(node, token)
      if (node === undefined) return false
    }
    if (Array.isArray(node)) {
      const index = arrayIndex(last)
      if (index === undefined || index >= node.length) return false
      node[index] = MASK
      return true
    }
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, last)) return false
    ;(node as Record<string, unknown>)[last] = MASK
    return true
  }
}

function child(node: unknown, token: string): unknown {
  if (Array.isArray(node)) {
    const index = arrayIndex(token)
    return index === undefined ? undefined : node[index]
  }
  if (node === null || typeof node !== 'object' || !Object.hasOwn(node, token)) return undefined
  return (node as Record<string, unknown>)[token]
}

function arrayIndex(token: string): number | undefined {
  return /^(0|[1-9]\d{0,8})$/.test(token) ? Number(token) : undefined
}
