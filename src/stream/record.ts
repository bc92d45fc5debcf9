// The record a stream delivers, and how a consumed Kafka message becomes one. formatRecord runs
// once per consumed record, before fan-out: every subscriber of a stream shares its result, so
// nothing here may depend on who receives it (filters and serialization come after).
import type { Deserialized } from '../schema/index.ts'
import { HEADER_SIZE, MAGIC_BYTE } from '../schema/wire-format.ts'
import {
  base64,
  decodeBytes,
  type Decoded,
  type Encoding,
  type FormatMode,
} from '../core/records/payload.ts'
import type { ConsumedRecord } from '../kafka/consumer/types.ts'

export type { Encoding, FormatMode } from '../core/records/payload.ts'

export interface StreamRecord {
  /** The topic as the client names it (without a hidden namespace prefix). */
  topic: string
  partition: number
  /** Kafka offsets are int64: kept as decimal strings. */
  offset: string
  /** Milliseconds since the epoch, as Kafka clients report it (a decimal string). */
  timestamp: string
  key: unknown | null
  /** UTF-8 header values; a repeated header gives its last value (Kafka's lastHeader). */
  headers: Record<string, string>
  value: unknown | null
  /** A null value: a delete marker for compacted topics. */
  tombstone: boolean
  /** Registry id of the schema the value was written with, when it was decoded by one. */
  schemaId?: number
  /** Registry id of the schema the key was written with, when it was decoded by one. */
  keySchemaId?: number
  /** How each non-null part was produced from its bytes (so a base64 string is never mistaken). */
  encoding?: { key?: Encoding; value?: Encoding }
}

/** A consumed message: the consumer hub's record, before formatting. */
export type KafkaMessage = ConsumedRecord

export type KafkaHeaders = ConsumedRecord['headers']

export interface FormatOptions {
  key: FormatMode
  value: FormatMode
  /** The registry framed bytes are decoded with; without one, `auto` never tries schemas. */
  registry?: string
  clientTopic: string
  /** Told when framed-looking bytes could not be schema-decoded and went out as base64. */
  onDecodeError?: (part: 'key' | 'value', error: unknown) => void
}

/** What formatRecord needs of the SchemaCatalog. */
export interface RecordDeserializer {
  deserialize(bytes: Uint8Array, registryName: string): Promise<Deserialized>
}

type Part = Decoded & { schemaId?: number }

/**
 * A consumed message as delivered: a promise only when a part needs a schema, so the common case
 * costs no microtask per record and subscriber.
 */
export function formatRecord(
  message: KafkaMessage,
  options: FormatOptions,
  schemas: RecordDeserializer
): StreamRecord | Promise<StreamRecord> {
  const { key, value } = message
  const keyFramed = schemaCandidate(key, options.key, options.registry)
  const valueFramed = schemaCandidate(value, options.value, options.registry)
  if (!keyFramed && !valueFramed) {
    const keyPart = key === null ? undefined : decodeBytes(key, options.key)
    const valuePart = value === null ? undefined : decodeBytes(value, options.value)
    return build(message, options.clientTopic, keyPart, valuePart)
  }
  return Promise.all([
    keyFramed ? viaSchema(key as Buffer, 'key', options, schemas) : syncPart(key, options.key),
    valueFramed
      ? viaSchema(value as Buffer, 'value', options, schemas)
      : syncPart(value, options.value),
  ]).then(([keyPart, valuePart]) => build(message, options.clientTopic, keyPart, valuePart))
}

/** Bytes shaped like the Confluent wire format (magic byte 0, 4-byte schema id), in auto mode. */
function schemaCandidate(
  bytes: Buffer | null,
  mode: FormatMode,
  registry: string | undefined
): boolean {
  return (
    mode === 'auto' &&
    registry !== undefined &&
    bytes !== null &&
    bytes.length >= HEADER_SIZE &&
    bytes[0] === MAGIC_BYTE
  )
}

function syncPart(bytes: Buffer | null, mode: FormatMode): Part | undefined {
  return bytes === null ? undefined : decodeBytes(bytes, mode)
}

async function viaSchema(
  bytes: Buffer,
  part: 'key' | 'value',
  options: FormatOptions,
  schemas: RecordDeserializer
): Promise<Part> {
  try {
    const decoded = await schemas.deserialize(bytes, options.registry as string)
    return { value: decoded.value, encoding: decoded.format, schemaId: decoded.schemaId }
  } catch (err) {
    // A value that merely starts with 0, an unknown id or a registry outage must not end the
    // stream: the bytes go out unchanged as base64, and the encoding says so.
    options.onDecodeError?.(part, err)
    return base64(bytes)
  }
}

function build(
  message: KafkaMessage,
  topic: string,
  key: Part | undefined,
  value: Part | undefined
): StreamRecord {
  // Every record gets the same properties in the same order (one hidden class for the hot path);
  // JSON.stringify leaves the undefined ones out.
  return {
    topic,
    partition: message.partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: key === undefined ? null : key.value,
    headers: decodeHeaders(message.headers),
    value: value === undefined ? null : value.value,
    tombstone: message.value === null,
    schemaId: value?.schemaId,
    keySchemaId: key?.schemaId,
    encoding:
      key === undefined && value === undefined
        ? undefined
        : { key: key?.encoding, value: value?.encoding },
  }
}

const NO_HEADERS: Record<string, string> = Object.freeze(Object.create(null))

/**
 * Header values as UTF-8 strings. A repeated header keeps its last value, as Kafka's own
 * `Headers.lastHeader` does: one string per name keeps header filters and clients simple.
 * The map has no prototype, so a header named `__proto__` or `constructor` is just a header.
 */
export function decodeHeaders(headers: KafkaHeaders | undefined): Record<string, string> {
  if (headers === undefined) return NO_HEADERS
  const names = Object.keys(headers)
  if (names.length === 0) return NO_HEADERS
  const out: Record<string, string> = Object.create(null)
  for (const name of names) {
    let raw = headers[name]
    if (Array.isArray(raw)) raw = raw[raw.length - 1]
    if (raw == null) continue
    out[name] = typeof raw === 'string' ? raw : raw.toString('utf8')
  }
  return out
}
