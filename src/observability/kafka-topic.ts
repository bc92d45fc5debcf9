// The topic a Kafka listener request is about, for per-topic metrics and the access log: the first
// topic a Produce or Fetch request names, read straight from the client's bytes (the client's own
// name, before any namespacing), without decoding the rest of the request (records included).
// Requests by topic id (Produce v13+, Fetch v13+), Fetch requests of an incremental fetch
// session that list no topic, and every other API name none.
import { readRequestHeader } from '../protocol/message-parts.ts'
import { requestHeaderVersion } from '../protocol/headers.ts'
import { Reader } from '../protocol/reader.ts'

const PRODUCE = 0
const FETCH = 1

/** The first topic name of a Produce (v3-12) or Fetch (v4-12) request; undefined otherwise. */
export function kafkaRequestTopic(
  payload: Buffer,
  apiKey: number,
  apiVersion: number
): string | undefined {
  const produce = apiKey === PRODUCE && apiVersion >= 3 && apiVersion <= 12
  const fetch = apiKey === FETCH && apiVersion >= 4 && apiVersion <= 12
  if (!produce && !fetch) return undefined
  try {
    const r = new Reader(payload)
    readRequestHeader(r, requestHeaderVersion(apiKey, apiVersion))
    const flexible = produce ? apiVersion >= 9 : apiVersion >= 12
    if (produce) {
      r.nullableString(flexible) // transactional id
      r.int16() // acks
      r.int32() // timeout
    } else {
      r.int32() // replica id (v4-14)
      r.int32() // max wait
      r.int32() // min bytes
      r.int32() // max bytes
      r.int8() // isolation level
      if (apiVersion >= 7) {
        r.int32() // session id
        r.int32() // session epoch
      }
    }
    const count = flexible ? r.uvarint() - 1 : r.int32()
    if (count <= 0) return undefined
    const topic = r.string(flexible)
    return topic === '' ? undefined : topic
  } catch {
    // Malformed: the codec refuses it on its own path; there is simply no topic to report.
    return undefined
  }
}
