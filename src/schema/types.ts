// Shapes shared by the schema layer: formats, compiled codecs and what writing a record yields.
import type { Violation } from '../core/violation.ts'

export type SchemaFormat = 'avro' | 'json-schema'

/** Which part of a Kafka record a schema describes. */
export type SchemaPart = 'key' | 'value'

/** A schema another schema refers to by `name` (Confluent schema references). */
export interface ReferencedSchema {
  name: string
  format: SchemaFormat
  schema: string
}

/** Schema text (or an already-parsed JSON document) in one format, with what it references. */
export interface SchemaSource {
  format: SchemaFormat
  schema: string | object
  references?: readonly ReferencedSchema[]
}

export type WriteResult = { ok: true; payload: Buffer } | { ok: false; violations: Violation[] }

/**
 * One compiled schema. `write` validates and serializes in a single pass (the hot path);
 * `read` turns a payload back into a JSON-friendly value. Payloads carry no framing.
 */
export interface Codec {
  readonly format: SchemaFormat
  validate(value: unknown): Violation[]
  /**
   * `headroom` bytes are left unwritten at the start of the payload, for the caller's framing:
   * the record's bytes are then allocated and copied once, not once more to be framed.
   */
  write(value: unknown, headroom?: number): WriteResult
  read(payload: Buffer): unknown
}
