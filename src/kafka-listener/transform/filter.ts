// Transform policies on the Kafka path: the engine's transforms (the same every door applies,
// src/policy/transform/) around record batch decoding and encoding. Produce requests to matching
// topics have their records' headers edited before the broker sees them, and Fetch responses from
// matching topics have their records filtered, masked and stripped of headers before the client
// sees them. Only topics a transform covers are decoded at all. Runs after
// schema validation (which checks what the producer wrote) and before namespacing, so it sees the
// client's topic names; the Fetch edit runs after the namespace's response filters, by then also
// in client names. Without a transform policy on the virtual cluster it wants nothing and costs
// nothing.
import type { ReadTransforms, WriteTransform } from '../../policy/transform/index.ts'
import { CodecError, type FetchResponse, type ProduceRequest } from '../../protocol/index.ts'
import type { VersionCap } from '../filters/api-versions.ts'
import { forward, type RequestDecision, type RequestFilter } from '../filters/types.ts'
import { editFetchRecords } from './fetch.ts'
import { readKafkaRecord, writeKafkaRecord } from './kafka-record.ts'
import { editProduceRecords } from './produce.ts'

const PRODUCE = 0
const FETCH = 1
/** Produce v13 and Fetch v13 name topics by id alone; policies go by name. */
const LAST_NAMING_VERSION = 12
/** What a partition whose records cannot be read is answered, as a broker would. */
const CORRUPT_MESSAGE = 2

/** The PolicyEngine, or a delegate to whichever one is current after a reload. */
export interface TransformPolicies extends ReadTransforms {
  hasTransforms(virtualCluster: string): boolean
  writeTransform(virtualCluster: string, topic: string): WriteTransform | undefined
}

export interface TransformDeps {
  policies: TransformPolicies
  virtualCluster: string
}

/**
 * Produce v0-2 (which the proxy otherwise passes undecoded) is wanted too while a transform
 * applies: the codec cannot decode it, so the connection is closed rather than records let
 * through unedited.
 */
export function transformFilter(deps: TransformDeps): RequestFilter {
  const { policies, virtualCluster } = deps
  return {
    wants: (apiKey) =>
      (apiKey === PRODUCE || apiKey === FETCH) && policies.hasTransforms(virtualCluster),
    onRequest(body, header): RequestDecision | Promise<RequestDecision> {
      if (header.requestApiVersion > LAST_NAMING_VERSION) {
        // Not offered while a transform applies (see the version cap): a client ignoring that.
        return { kind: 'close', reason: 'v13 names topics by id; transform policies apply' }
      }
      if (header.requestApiKey === PRODUCE) return produce(body as ProduceRequest, deps)
      return {
        kind: 'forward',
        changed: false,
        onResponse: (response) => editFetch(response as FetchResponse, deps),
      }
    },
  }
}

/** For the ApiVersions filter: Produce and Fetch up to v12 (topics by name) while one applies. */
export function transformApiCap(deps: TransformDeps): VersionCap {
  const { policies, virtualCluster } = deps
  return (apiKey) =>
    (apiKey === PRODUCE || apiKey === FETCH) && policies.hasTransforms(virtualCluster)
      ? { max: LAST_NAMING_VERSION }
      : undefined
}

async function produce(request: ProduceRequest, deps: TransformDeps): Promise<RequestDecision> {
  let changed = false
  for (const topic of request.topicData) {
    const write = deps.policies.writeTransform(deps.virtualCluster, topic.name)
    if (write === undefined) continue
    const edit = writeKafkaRecord(write, topic.name)
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

function editFetch(response: FetchResponse, deps: TransformDeps): void {
  for (const topic of response.responses) {
    const read = deps.policies.readTransform(deps.virtualCluster, topic.topic)
    if (read === undefined) continue
    for (const partition of topic.partitions) {
      if (partition.records === null || partition.records.length === 0) continue
      const keep = readKafkaRecord(read, topic.topic, partition.partitionIndex)
      try {
        partition.records = editFetchRecords(partition.records, keep)
      } catch (err) {
        if (!(err instanceof CodecError)) throw err
        // Never the unedited records: the partition is answered as a broker answers corruption.
        partition.records = null
        partition.errorCode = CORRUPT_MESSAGE
      }
    }
  }
}
