// The JSON text of a delivered record, made once however many subscribers receive it: doors
// embed it in their own framing (a WebSocket message, an SSE `data:` line, a long-poll array)
// and the delivery buffers count its bytes. Weakly held, so it lives exactly as long as the record.
import type { StreamRecord } from './record.ts'

export interface SerializedRecord {
  json: string
  /** UTF-8 length of `json`: what the record costs a subscriber's buffer. */
  bytes: number
}

const serialized = new WeakMap<StreamRecord, SerializedRecord>()

export function serializeRecord(record: StreamRecord): SerializedRecord {
  let found = serialized.get(record)
  if (found === undefined) {
    const json = JSON.stringify(record)
    found = { json, bytes: Buffer.byteLength(json) }
    serialized.set(record, found)
  }
  return found
}

/**
 * A door's own bytes for a delivered record (a WebSocket message, an SSE event), made by `encode`
 * once per rendering and shared by every subscriber who gets that rendering: a stream's
 * subscribers get the same record object, and a principal a mask or decryption shows another
 * rendering to gets another object, with bytes of its own. Only what is the same for every
 * subscriber belongs in them (never a subscriber's cursor).
 */
export function sharedEncoding(
  encode: (serialized: SerializedRecord, record: StreamRecord) => Buffer
): (record: StreamRecord) => Buffer {
  const encoded = new WeakMap<StreamRecord, Buffer>()
  return (record) => {
    let bytes = encoded.get(record)
    if (bytes === undefined) {
      bytes = encode(serializeRecord(record), record)
      encoded.set(record, bytes)
    }
    return bytes
  }
}
