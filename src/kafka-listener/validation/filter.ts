// Schema policies on the Kafka path: a Produce request's partitions on topics with a schema
// policy are decoded and their records judged by the policy engine (see partition.ts and
// policy/schema); partitions with a bad record
// are taken out and answered INVALID_RECORD with the record indexes and reasons, and the rest goes
// on to the broker. Runs after the ACL filter and before namespacing, so it sees the client's
// topic names, which are what policies match and what the client's serializer named subjects
// after. Without a schema policy on the virtual cluster it wants nothing and costs nothing.
import type { ProduceRequest } from '../../protocol/index.ts'
import { isRequestOf, responseEdit } from '../filters/by-api.ts'
import { forward, type RequestDecision, type RequestFilter } from '../filters/types.ts'
import type { SchemaValidationDeps } from './deps.ts'
import { checkPartition, type PartitionVerdict } from './partition.ts'
import { mergeRefusals, type RefusedPartition } from './responses.ts'
import { capWhile, topicsById, versionCaps, type VersionCap } from '../version-caps.ts'

const PRODUCE = 0

type ProduceTopic = ProduceRequest['topicData'][number]
type ProducePartition = ProduceTopic['partitionData'][number]

interface Check {
  topic: ProduceTopic
  partition: ProducePartition
  verdict: Promise<PartitionVerdict>
}

/**
 * Wants Produce v0-2 too while a schema policy applies, so that it is closed rather than its
 * records let through unchecked (version-caps).
 */
export function schemaValidationFilter(deps: SchemaValidationDeps): RequestFilter {
  const { validator, virtualCluster, registry } = deps
  return {
    wants: (apiKey) => apiKey === PRODUCE && validator.applies(virtualCluster),
    onRequest(body, header): RequestDecision | Promise<RequestDecision> {
      if (!isRequestOf('produce', header.requestApiKey, body)) return forward
      const request = body
      if (topicsById('produce', header.requestApiVersion)) {
        // Not offered while a schema policy applies (see the version cap): a client ignoring that.
        return { kind: 'close', reason: 'Produce v13 names topics by id; schema policies apply' }
      }
      const checks: Check[] = []
      for (const topic of request.topicData) {
        const check = validator.forTopic({ virtualCluster, topic: topic.name, registry })
        if (check === undefined) continue
        for (const partition of topic.partitionData) {
          checks.push({ topic, partition, verdict: checkPartition(partition.records, check) })
        }
      }
      if (checks.length === 0) return forward
      return Promise.all(checks.map((c) => c.verdict)).then((verdicts) =>
        decide(request, checks, verdicts)
      )
    },
  }
}

/** For the ApiVersions filter: Produce up to v12 (topics by name) while a schema policy applies. */
export function schemaValidationApiCap(deps: SchemaValidationDeps): VersionCap {
  const { validator, virtualCluster } = deps
  return capWhile(() => validator.applies(virtualCluster), versionCaps.schemaPolicies)
}

function decide(
  request: ProduceRequest,
  checks: readonly Check[],
  verdicts: readonly PartitionVerdict[]
): RequestDecision {
  const refused: (RefusedPartition & { partition: ProducePartition })[] = []
  checks.forEach(({ topic, partition }, i) => {
    const verdict = verdicts[i] as PartitionVerdict
    // A copy of the name: a later filter (the namespace) renames the request's topics in place,
    // and the refusal must answer under the name the client sent.
    const named = { name: topic.name, topicId: topic.topicId }
    if (!verdict.ok) refused.push({ topic: named, partition, index: partition.index, verdict })
  })
  if (refused.length === 0) return forward
  // acks=0 has no answer to carry the error in: a broker closes the connection instead.
  if (request.acks === 0) {
    const first = refused[0] as RefusedPartition
    const where = `${first.topic.name}-${first.index}`
    return {
      kind: 'close',
      reason: `Produce with acks=0 refused (${where}: ${first.verdict.message})`,
    }
  }
  const out = new Set(refused.map((r) => r.partition))
  const emptied = new Set<ProduceTopic>()
  for (const topic of request.topicData) {
    const kept = topic.partitionData.filter((p) => !out.has(p))
    if (kept.length === topic.partitionData.length) continue
    topic.partitionData = kept
    if (kept.length === 0) emptied.add(topic)
  }
  // Even with every partition refused the request goes on, emptied, rather than being answered
  // here: the edits earlier filters made to the broker's answer (the ACL filter's refusals, a
  // quota's throttle time) apply only to a forwarded request's answer.
  request.topicData = request.topicData.filter((t) => !emptied.has(t))
  return {
    kind: 'forward',
    changed: true,
    onResponse: responseEdit('produce', (response) => mergeRefusals(response, refused)),
  }
}
