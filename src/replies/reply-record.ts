// The contract between Weir and a replying service, in record headers.
//
// Request records carry `weir-correlation-id` (the request id) and `weir-reply-to` (the backend
// reply topic). The reply is a record on that topic with the same `weir-correlation-id`; its
// value is the response body, `weir-status` its HTTP status (default 200), and its other headers
// become response headers (`content-type` above all), except `weir-*` ones and those that belong
// to the HTTP connection rather than the response.
import type { ConsumedRecord } from '../kafka/consumer/types.ts'
import type { StoredReply } from './reply-store.ts'
import { consumedEncryptionHeader } from '../policy/encrypt/index.ts'

export const CORRELATION_HEADER = 'weir-correlation-id'
export const REPLY_TO_HEADER = 'weir-reply-to'
export const STATUS_HEADER = 'weir-status'

/** Framing and connection headers: Weir's HTTP server sets these itself. */
const NOT_FORWARDED = new Set([
  'connection',
  'content-length',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'date',
  'server',
])

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/
/** Field values may not hold CR, LF or NUL (header injection), nor other control characters. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/

/** Fixed cost of a stored reply beyond its bytes (map entry, object, strings' headers). */
const ENTRY_OVERHEAD = 200

/** A header value as text (kafkajs gives Buffers; a repeated header gives its last value). */
export function headerText(value: ConsumedRecord['headers'][string]): string | undefined {
  const last = Array.isArray(value) ? value.at(-1) : value
  if (last === undefined || last === null) return undefined
  return typeof last === 'string' ? last : last.toString('utf8')
}

/** The status a reply asks for: a number from 200 to 599, else 200 (and 502 for garbage). */
export function replyStatus(text: string | undefined): number {
  if (text === undefined) return 200
  const status = /^\d{3}$/.test(text.trim()) ? Number(text.trim()) : NaN
  // A reply with a status Weir cannot send (1xx, nonsense) is the service's fault: Bad Gateway.
  return status >= 200 && status <= 599 ? status : 502
}

/** The reply a record carries, or undefined when it has no correlation id. */
export function replyFromRecord(
  record: ConsumedRecord,
  expiresAt: number
): StoredReply | undefined {
  const id = headerText(record.headers[CORRELATION_HEADER])
  if (id === undefined) return undefined
  const headers: Record<string, string> = {}
  let bytes = ENTRY_OVERHEAD + id.length + (record.value?.length ?? 0)
  let status: string | undefined
  for (const [rawName, rawValue] of Object.entries(record.headers)) {
    const name = rawName.toLowerCase()
    const value = headerText(rawValue)
    if (value === undefined) continue
    if (name === STATUS_HEADER) status = value
    if (name.startsWith('weir-') || NOT_FORWARDED.has(name)) continue
    if (!TOKEN.test(name) || !FIELD_VALUE.test(value)) continue
    headers[name] = value
    bytes += name.length + value.length
  }
  return {
    id,
    status: replyStatus(status),
    headers,
    body: record.value,
    encryption: consumedEncryptionHeader(record.headers),
    expiresAt,
    bytes,
  }
}
