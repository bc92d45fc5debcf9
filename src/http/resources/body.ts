// How a record's value becomes an HTTP body or a JSON document, for replies and views: decoded
// through the schema registry when the bytes are framed (the stream doors' formatRecord, shared
// so a value reads the same on every door), else sent as the bytes they are.
import type { ConsumedRecord } from '../../kafka/consumer/types.ts'
import type { FormatMode } from '../../core/records/payload.ts'
import { formatRecord, type RecordDeserializer, type StreamRecord } from '../../stream/record.ts'

export interface ValueFormat {
  mode: FormatMode
  /** The virtual cluster's registry; without one, framed bytes are not decoded. */
  registry?: string
  onDecodeError?: (error: unknown) => void
}

export interface Decoded {
  value: unknown
  /** json, text, base64, avro, json-schema: how `value` came from the bytes. */
  encoding?: string
  schemaId?: number
}

export interface HttpBody {
  bytes: Buffer
  contentType: string
}

/** The value of `bytes` as a JSON-able document (null for a missing value). */
export async function decodeValue(
  bytes: Buffer | null,
  format: ValueFormat,
  schemas: RecordDeserializer
): Promise<Decoded> {
  if (bytes === null) return { value: null }
  const record: ConsumedRecord = {
    topic: '',
    partition: 0,
    offset: '0',
    timestamp: '0',
    key: null,
    value: bytes,
    headers: {},
  }
  const formatted: StreamRecord = await formatRecord(
    record,
    {
      key: 'base64',
      value: format.mode,
      registry: format.registry,
      clientTopic: '',
      onDecodeError: format.onDecodeError && ((_part, err) => format.onDecodeError?.(err)),
    },
    schemas
  )
  return {
    value: formatted.value,
    encoding: formatted.encoding?.value,
    schemaId: formatted.schemaId,
  }
}

/**
 * The HTTP body of a value: its own bytes for JSON and text (nothing re-encoded), the decoded
 * document as JSON for schema-framed values, the bytes as they are for anything else.
 */
export function httpBody(bytes: Buffer, decoded: Decoded): HttpBody {
  switch (decoded.encoding) {
    case 'json':
      return { bytes, contentType: 'application/json' }
    case 'text':
      return { bytes, contentType: 'text/plain; charset=utf-8' }
    case 'avro':
    case 'json-schema':
      return { bytes: Buffer.from(JSON.stringify(decoded.value)), contentType: 'application/json' }
    default:
      return { bytes, contentType: 'application/octet-stream' }
  }
}
