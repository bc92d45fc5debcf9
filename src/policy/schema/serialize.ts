// Values a door received as JSON (HTTP produce, request-reply) written through a topic's schema
// policy: validated and serialized with the schema the policy names (the subject's latest or
// pinned version, the pinned id, or the inline schema). Without a policy for a part, its bytes go
// as they came.
import type { SchemaPolicyConfig } from '../../config/index.ts'
import type { Payload } from '../../core/payload.ts'
import { GatewayError } from '../../core/errors.ts'
import type { Violation } from '../../core/violation.ts'
import type { ResolvedSchema, SchemaPart } from '../../schema/index.ts'
import type { SerializedRecord } from './check.ts'
import type { RecordSchemas } from './sources.ts'

/** A record's key and value as a door parsed them. */
export interface PayloadRecord {
  key: Payload
  value: Payload
}

/**
 * Every record's key and value as bytes. Any violation anywhere refuses the whole set before a
 * byte is written: GatewayError invalid-record, listing each violation with its record, part and
 * JSON pointer; bytes where the policy wants JSON are unsupported-media-type.
 */
export async function serializeRecords(
  records: readonly PayloadRecord[],
  policy: SchemaPolicyConfig | undefined,
  context: { topic: string; registry: string | undefined },
  schemas: RecordSchemas
): Promise<SerializedRecord[]> {
  const violations: Violation[] = []
  // Schemas are resolved once per request, then every record is encoded synchronously.
  const resolve = (part: SchemaPart) => {
    const ref = policy?.[part]
    return ref
      ? schemas.resolve(ref, {
          topic: context.topic,
          part,
          registry: ref.registry ?? context.registry,
        })
      : undefined
  }
  const [keySchema, valueSchema] = await Promise.all([resolve('key'), resolve('value')])
  const encode = (payload: Payload, part: SchemaPart, index: number): Buffer | null => {
    if (payload.kind === 'null') return null
    const schema: ResolvedSchema | undefined = part === 'key' ? keySchema : valueSchema
    if (!schema) {
      if (payload.kind === 'bytes') return payload.value
      if (payload.kind === 'text') return Buffer.from(payload.value)
      return payload.raw ?? Buffer.from(JSON.stringify(payload.value))
    }
    if (payload.kind === 'bytes') {
      throw new GatewayError(
        'unsupported-media-type',
        `the ${part} of records on "${context.topic}" must be JSON: a ${policy?.[part]?.format} schema applies`
      )
    }
    const result = schema.serialize(payload.value)
    if (result.ok) return result.bytes
    for (const v of result.violations) violations.push({ ...v, part, record: index })
    return null
  }
  const serialized = records.map((record, index) => ({
    key: encode(record.key, 'key', index),
    value: encode(record.value, 'value', index),
  }))
  if (violations.length > 0) {
    const bad = new Set(violations.map((v) => v.record)).size
    const what = records.length === 1 ? 'the record does' : `${bad} of ${records.length} records do`
    throw new GatewayError('invalid-record', `${what} not match the schema; nothing was produced`, {
      extensions: { violations },
    })
  }
  return serialized
}
