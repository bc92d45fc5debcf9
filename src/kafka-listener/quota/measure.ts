// What a quota counts of a Kafka message, and where the throttle goes back to the client. Bytes
// are record bytes: the record batches as they travel (compressed, if the producer compressed),
// which is what the broker stores and sends, without the protocol's framing around them.
import type { FetchResponse, ProduceRequest } from '../../protocol/index.ts'

/** Record bytes a Produce request carries. */
export function produceBytes(request: ProduceRequest): number {
  let bytes = 0
  for (const topic of request.topicData) {
    for (const partition of topic.partitionData) bytes += partition.records?.length ?? 0
  }
  return bytes
}

/** Record bytes a Fetch response carries. */
export function fetchBytes(response: FetchResponse): number {
  let bytes = 0
  for (const topic of response.responses) {
    for (const partition of topic.partitions) bytes += partition.records?.length ?? 0
  }
  return bytes
}

const INT32_MAX = 2_147_483_647

/**
 * Raises a response's `throttleTimeMs` to `ms`, keeping the broker's own when it is longer (its
 * quotas still apply behind Weir's). Responses without the field (ApiVersions v0, SASL) are left
 * as they are; versions that predate it simply do not write it.
 */
export function reportThrottle(response: unknown, ms: number): void {
  const body = response as { throttleTimeMs?: unknown }
  if (typeof body.throttleTimeMs !== 'number') return
  body.throttleTimeMs = Math.min(INT32_MAX, Math.max(body.throttleTimeMs, Math.ceil(ms)))
}
