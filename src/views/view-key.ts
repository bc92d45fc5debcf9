// The text a view addresses a record by: `GET {view}/{key}` names it. Keys decode as streams
// decode them (schema-framed through the registry in `auto`, JSON, text), then read as a key
// filter reads them: strings as they are, numbers as written, objects as compact JSON.
import { HEADER_SIZE, MAGIC_BYTE } from '../schema/wire-format.ts'
import { keyText } from '../policy/filter/filters.ts'
import { decodeBytes } from '../core/records/payload.ts'
import type { RecordDeserializer } from '../stream/record.ts'

export type KeyFormat = 'auto' | 'text' | 'base64'

/** The key's text, a promise only when the registry must decode it; undefined for a null key. */
export function viewKey(
  bytes: Buffer | null,
  format: KeyFormat,
  registry: string | undefined,
  schemas: RecordDeserializer
): string | undefined | Promise<string | undefined> {
  if (bytes === null) return undefined
  if (format === 'text') return bytes.toString('utf8')
  if (format === 'base64') return bytes.toString('base64')
  const framed = registry !== undefined && bytes.length >= HEADER_SIZE && bytes[0] === MAGIC_BYTE
  if (!framed) return keyText(decodeBytes(bytes, 'auto').value)
  return schemas.deserialize(bytes, registry).then(
    (decoded) => keyText(decoded.value),
    // Bytes that merely look framed: the key is what they read as without a schema.
    () => keyText(decodeBytes(bytes, 'auto').value)
  )
}
