// Transform and mask policies on the Kafka path: the engine's transforms and masks (the same every
// door applies, src/policy/transform/ and src/policy/mask/) around record batch decoding and
// encoding. Produce requests to matching topics have their records' headers edited and
// produce-side masks applied before the broker sees them, and Fetch responses from matching topics
// have their records filtered, masked and stripped of headers, then the fetching principal's masks
// applied, before the client sees them. Only topics a transform or mask covers are decoded at
// all. Runs after schema validation (which checks what the producer wrote) and before
// namespacing, so it sees the client's topic names; the Fetch edit runs after the namespace's response filters, by then also
// in client names. Without a transform or mask policy on the virtual cluster it wants nothing and
// costs nothing.
import { GatewayError, kafkaErrorCode } from '../../core/errors.ts'
import { anonymous, type Principal } from '../../core/principal.ts'
import type { RecordView } from '../../core/records/record-view.ts'
import type { MaskSide, RecordEdit } from '../../policy/mask/index.ts'
import type { ReadTransforms, WriteTransform } from '../../policy/transform/index.ts'
import { CodecError, type FetchResponse, type ProduceRequest } from '../../protocol/index.ts'
import { isRequestOf, responseEdit } from '../filters/by-api.ts'
import { forward, type RequestDecision, type RequestFilter } from '../filters/types.ts'
import { editFetchRecords } from './fetch.ts'
import { readKafkaRecord, writeKafkaRecord } from './kafka-record.ts'
import type { KafkaRecord } from '../../protocol/records/index.ts'
import { editProduceRecords } from './produce.ts'
import { produceError } from '../acl/responses/data.ts'
import { capWhile, topicsById, versionCaps, type VersionCap } from '../version-caps.ts'
// What a partition whose records cannot be read is answered, as a broker would (the catalogue's).
import { CORRUPT_MESSAGE } from '../validation/error-codes.ts'

const PRODUCE = 0
const FETCH = 1
const UNKNOWN_SERVER_ERROR = -1
/** Passes over a partition's records before a Fetch edit that keeps waiting is refused. */
const MAX_EDIT_PASSES = 3

/** The PolicyEngine, or a delegate to whichever one is current after a reload. */
export interface TransformPolicies extends ReadTransforms {
  hasTransforms(virtualCluster: string): boolean
  writeTransform(virtualCluster: string, topic: string): WriteTransform | undefined
  hasMasks(virtualCluster: string): boolean
  recordEditsFor(
    virtualCluster: string,
    topic: string,
    principal: Principal,
    side: MaskSide
  ): RecordEdit | undefined
}

export interface TransformDeps {
  policies: TransformPolicies
  virtualCluster: string
}

/**
 * Wants Produce v0-2 too while a transform applies, so that it is closed rather than its records
 * let through unedited (version-caps).
 */
export function transformFilter(deps: TransformDeps): RequestFilter {
  const { policies, virtualCluster } = deps
  return {
    wants: (apiKey) =>
      (apiKey === PRODUCE || apiKey === FETCH) && applies(policies, virtualCluster),
    onRequest(body, header, context): RequestDecision | Promise<RequestDecision> {
      const principal = context.state.principal ?? anonymous
      const api = header.requestApiKey === PRODUCE ? 'produce' : 'fetch'
      if (topicsById(api, header.requestApiVersion)) {
        // Not offered while a transform applies (see the version cap): a client ignoring that.
        return { kind: 'close', reason: 'v13 names topics by id; transform policies apply' }
      }
      if (isRequestOf('produce', header.requestApiKey, body)) {
        return produce(body, deps, principal).catch((err: unknown) => {
          // A data key the KMS could not give (REQUEST_TIMED_OUT: retriable), a value an encrypt
          // policy cannot read: the whole request is answered with the error, nothing written.
          if (!(err instanceof GatewayError)) throw err
          const code = kafkaErrorCode(err.code) ?? UNKNOWN_SERVER_ERROR
          return { kind: 'respond', body: produceError(body, header.requestApiVersion, code) }
        })
      }
      return {
        kind: 'forward',
        changed: false,
        onResponse: responseEdit('fetch', (response) => editFetch(response, deps, principal)),
      }
    },
  }
}

/** For the ApiVersions filter: Produce and Fetch up to v12 (topics by name) while one applies. */
export function transformApiCap(deps: TransformDeps): VersionCap {
  const { policies, virtualCluster } = deps
  return capWhile(() => applies(policies, virtualCluster), versionCaps.transforms)
}

/** Transforms and masks edit the same records, so either one has the filter decode them. */
function applies(policies: TransformPolicies, virtualCluster: string): boolean {
  return policies.hasTransforms(virtualCluster) || policies.hasMasks(virtualCluster)
}

/**
 * A batch's records through the door's record edits: prepared together (writer schemas fetched,
 * encryptions reserved under one data key, once), then applied to each.
 */
async function editKafkaRecords(
  edits: RecordEdit,
  topic: string,
  records: readonly KafkaRecord[]
): Promise<void> {
  const views = records.map((record) => recordView(topic, record))
  const pending = edits.prepare(views)
  if (pending !== undefined) await pending
  views.forEach((view, i) => {
    edits.apply(view)
    takeView(records[i] as KafkaRecord, view)
  })
}

/** The engine's view of a Kafka record: masks edit values, encryption keys and headers too. */
function recordView(topic: string, record: KafkaRecord): RecordView {
  return { topic, key: record.key, value: record.value, headers: record.headers }
}

function takeView(record: KafkaRecord, view: RecordView): void {
  record.key = view.key
  record.value = view.value
  record.headers = view.headers
}

async function produce(
  request: ProduceRequest,
  deps: TransformDeps,
  principal: Principal
): Promise<RequestDecision> {
  let changed = false
  for (const topic of request.topicData) {
    const write = deps.policies.writeTransform(deps.virtualCluster, topic.name)
    // Stored masked: the broker never sees the clear value.
    const mask = deps.policies.recordEditsFor(deps.virtualCluster, topic.name, principal, 'produce')
    if (write === undefined && mask === undefined) continue
    const headers = write && writeKafkaRecord(write, topic.name)
    const edit = async (records: KafkaRecord[]) => {
      if (headers !== undefined) records.forEach(headers)
      if (mask !== undefined) await editKafkaRecords(mask, topic.name, records)
    }
    for (const partition of topic.partitionData) {
      if (partition.records === null || partition.records.length === 0) continue
      try {
        partition.records = await editProduceRecords(partition.records, edit)
      } catch (err) {
        if (!(err instanceof CodecError)) throw err
        // Forwarded unedited, the records would skip the policy: end it as a broker ends a
        // request it cannot read.
        return { kind: 'close', reason: `${topic.name}-${partition.index}: ${err.message}` }
      }
      changed = true
    }
  }
  return changed ? { kind: 'forward', changed } : forward
}

/**
 * The read transform, then the principal's fetch-side masks, on every record of the response. A
 * mask (or decryption) that meets a schema or data key it has not prepared yet has the edit wait
 * for it (later answers wait behind it), then runs again over the partition's records as the
 * broker sent them, until every record was edited: a record is never sent unedited.
 */
async function editFetch(
  response: FetchResponse,
  deps: TransformDeps,
  principal: Principal
): Promise<void> {
  for (const topic of response.responses) {
    const read = deps.policies.readTransform(deps.virtualCluster, topic.topic)
    const mask = deps.policies.recordEditsFor(deps.virtualCluster, topic.topic, principal, 'fetch')
    if (read === undefined && mask === undefined) continue
    for (const partition of topic.partitions) {
      const records = partition.records
      if (records === null || records.length === 0) continue
      const filter = read && readKafkaRecord(read, topic.topic, partition.partitionIndex)
      const waiting: Promise<void>[] = []
      const keep = (record: KafkaRecord): boolean => {
        if (filter !== undefined && !filter(record)) return false
        if (mask === undefined) return true
        const view = recordView(topic.topic, record)
        const pending = mask.prepare([view])
        if (pending !== undefined) waiting.push(pending)
        else {
          mask.apply(view)
          takeView(record, view)
        }
        return true
      }
      try {
        partition.records = await editUntilPrepared(records, keep, waiting)
      } catch (err) {
        const code = unreadablePartition(err)
        if (code === undefined) throw err
        // Never the unedited records: the partition is answered as a broker answers a partition
        // it cannot read (corrupt, or not readable now and retried).
        partition.records = null
        partition.errorCode = code
      }
    }
  }
}

/**
 * Passes over the records until no record's edit waited on a registry or KMS. What a pass awaited
 * is cached for a while, so a second pass nearly always finishes; one that keeps waiting (a cache
 * expiring each time) is refused retriably rather than looped on.
 */
async function editUntilPrepared(
  records: Buffer,
  keep: (record: KafkaRecord) => boolean,
  waiting: Promise<void>[]
): Promise<Buffer> {
  for (let pass = 1; ; pass++) {
    const edited = editFetchRecords(records, keep)
    if (waiting.length === 0) return edited
    const settled = Promise.all(waiting.splice(0))
    if (pass === MAX_EDIT_PASSES) {
      settled.catch(() => {}) // the partition is refused either way; nothing is left unhandled
      throw new GatewayError(
        'backend-unavailable',
        `records could not be edited after ${MAX_EDIT_PASSES} passes`
      )
    }
    await settled
  }
}

/** The Kafka code of a partition whose records could not be edited, or undefined to fail. */
function unreadablePartition(err: unknown): number | undefined {
  if (err instanceof CodecError) return CORRUPT_MESSAGE
  if (!(err instanceof GatewayError)) return undefined
  if (err.code !== 'backend-unavailable' && err.code !== 'kms-unavailable') return undefined
  return kafkaErrorCode(err.code, 'fetch')
}
