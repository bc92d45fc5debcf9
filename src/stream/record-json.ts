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
