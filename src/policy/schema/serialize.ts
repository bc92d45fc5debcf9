// Values a door received as JSON (HTTP produce, request-reply) written through a topic's schema
// policy: validated and serialized with the schema the policy names (the subject's latest or
// pinned version, the pinned id, or the inline schema). Without a policy for a part, its bytes go
// as they came.
import type { SchemaPolicyConfig, SchemaRefConfig } from '../../config/index.ts'
import type { Payload } from '../../core/payload.ts'
import { GatewayError } from '../../core/errors.ts'
import type { Violation } from '../../core/violation.ts'
import type { ResolvedSchema, SchemaContext, SchemaPart } from '../../schema/index.ts'
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
 * JSON pointer; bytes where the policy wants JSON are unsupported-media-type. Synchronous (a
 * return or a throw) when the schemas are at hand, as they are for every request but the first
 * of a topic and the first after a subject's cacheTtlMs: no promise is made per request then.
 */
export function serializeRecords(
  records: readonly PayloadRecord[],
  policy: SchemaPolicyConfig | undefined,
  context: { topic: string; registry: string | undefined },
  schemas: RecordSchemas
): SerializedRecord[] | Promise<SerializedRecord[]> {
  const keyRef = policy?.key
  const valueRef = policy?.value
  const at = (ref: SchemaRefConfig, part: SchemaPart): SchemaContext => ({
    topic: context.topic,
    part,
    registry: ref.registry ?? context.registry,
  })
  const keyReady = keyRef && schemas.ready(keyRef, at(keyRef, 'key'))
  const valueReady = valueRef && schemas.ready(valueRef, at(valueRef, 'value'))
  if ((keyRef === undefined || keyReady) && (valueRef === undefined || valueReady)) {
    return encodeRecords(records, policy, context.topic, keyReady, valueReady)
  }
  // The subject's version is looked up (or its codec compiled) once for the request.
  const resolve = (ref: SchemaRefConfig | undefined, part: SchemaPart) =>
    ref && schemas.resolve(ref, at(ref, part))
  return Promise.all([resolve(keyRef, 'key'), resolve(valueRef, 'value')]).then(
    ([keySchema, valueSchema]) =>
      encodeRecords(records, policy, context.topic, keySchema, valueSchema)
  )
}

/** Every record encoded synchronously through the request's schemas (see serializeRecords). */
function encodeRecords(
  records: readonly PayloadRecord[],
  policy: SchemaPolicyConfig | undefined,
  topic: string,
  keySchema: ResolvedSchema | undefined,
  valueSchema: ResolvedSchema | undefined
): SerializedRecord[] {
  const violations: Violation[] = []
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
        `the ${part} of records on "${topic}" must be JSON: a ${policy?.[part]?.format} schema applies`
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
