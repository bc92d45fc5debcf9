// A schema resolved for one part (key or value) of a topic's records: the compiled codec plus
// where it came from. Registry schemas write the Confluent wire format (magic byte, schema id,
// payload); inline schemas write the bare payload (Avro binary or JSON text), since there is no
// id a reader could look up.
import { GatewayError } from '../core/errors.ts'
import type { Violation } from '../core/violation.ts'
import { HEADER_SIZE, unframe, writeHeader } from './wire-format.ts'
import type { Codec, SchemaFormat, SchemaPart } from './types.ts'

export type SerializeResult =
  { ok: true; bytes: Buffer; schemaId?: number } | { ok: false; violations: Violation[] }

export interface SchemaOrigin {
  part: SchemaPart
  /** Registry schema id; absent for inline schemas. */
  id?: number
  subject?: string
  version?: number
  registry?: string
}

export interface ResolvedSchema extends Readonly<SchemaOrigin> {
  readonly format: SchemaFormat
  /** Whether bytes are framed in the Confluent wire format (registry schemas). */
  readonly framed: boolean
  /** Every violation, each with its JSON pointer and `part`. */
  validate(value: unknown): Violation[]
  /** Validates and encodes in one pass. */
  serialize(value: unknown): SerializeResult
  /** As serialize, but throws GatewayError('invalid-record') carrying the violations. */
  encode(value: unknown): Buffer
  /** Bytes as serialize wrote them back to a JSON-friendly value. */
  decode(bytes: Uint8Array): unknown
}

export function resolvedSchema(codec: Codec, origin: SchemaOrigin): ResolvedSchema {
  const { part, id } = origin
  const tag = (violations: Violation[]) => violations.map((v) => ({ ...v, part }))
  const serialize = (value: unknown): SerializeResult => {
    if (id === undefined) {
      const written = codec.write(value)
      return written.ok
        ? { ok: true, bytes: written.payload }
        : { ok: false, violations: tag(written.violations) }
    }
    // Written after room for the frame's header: the record is allocated and copied once.
    const written = codec.write(value, HEADER_SIZE)
    if (!written.ok) return { ok: false, violations: tag(written.violations) }
    return { ok: true, bytes: writeHeader(id, written.payload), schemaId: id }
  }
  return {
    ...origin,
    format: codec.format,
    framed: id !== undefined,
    validate: (value) => tag(codec.validate(value)),
    serialize,
    encode(value) {
      const result = serialize(value)
      if (result.ok) return result.bytes
      throw new GatewayError('invalid-record', `the ${part} does not match its schema`, {
        extensions: { violations: result.violations },
      })
    },
    decode(bytes) {
      let payload = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
      if (id !== undefined) {
        const framed = unframe(payload)
        if (framed.schemaId !== id) {
          throw new GatewayError(
            'invalid-record',
            `written with schema id ${framed.schemaId}, not ${id}; decode it by its own id`
          )
        }
        payload = framed.payload
      }
      return decodePayload(codec, payload, id)
    },
  }
}

/** Decodes a bare payload; anything that is not the schema's encoding is an invalid record. */
export function decodePayload(codec: Codec, payload: Buffer, id: number | undefined): unknown {
  try {
    return codec.read(payload)
  } catch (err) {
    const written = id === undefined ? '' : ` written with schema id ${id}`
    throw new GatewayError(
      'invalid-record',
      `cannot decode the ${codec.format} payload${written}: ${(err as Error).message}`,
      { cause: err }
    )
  }
}
