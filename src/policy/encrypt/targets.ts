// What a record's `weir-encryption` header says is encrypted, beyond JSON pointers into the value
// ("" is the whole value): the record key, and header values by name. Neither form is a JSON
// pointer (those start with "/"), so a reader tells them apart.
import type { RecordHeader, RecordView } from '../../core/records/record-view.ts'
import { ENCRYPTION_HEADER } from './header.ts'

export const KEY_TARGET = '@key'
const HEADER_TARGET = '@header:'

export function headerTarget(name: string): string {
  return HEADER_TARGET + name
}

/** The record's `weir-encryption` header value, if it has one. */
export function encryptionHeaderOf(record: RecordView): Buffer | undefined {
  for (const header of record.headers) {
    if (header.key === ENCRYPTION_HEADER && header.value !== null) return header.value
  }
  return undefined
}

/**
 * The `weir-encryption` header of a consumed record (kafkajs's header shape), kept beside what
 * views and reply stores hold so they decrypt at read time, per principal.
 */
export function consumedEncryptionHeader(
  headers: Readonly<Record<string, Buffer | string | undefined | (Buffer | string)[]>>
): Buffer | undefined {
  const found = headers[ENCRYPTION_HEADER]
  const one = Array.isArray(found) ? found[0] : found
  return one === undefined ? undefined : Buffer.isBuffer(one) ? one : Buffer.from(one, 'utf8')
}

/** The record headers of a stored value: its `weir-encryption` header, if it had one. */
export function storedHeaders(encryption: Buffer | undefined): RecordHeader[] {
  return encryption === undefined ? [] : [{ key: ENCRYPTION_HEADER, value: encryption }]
}

/** The headers without any `weir-encryption` one. */
export function withoutEncryptionHeader(headers: readonly RecordHeader[]): RecordHeader[] {
  return headers.filter((h) => h.key !== ENCRYPTION_HEADER)
}
