// One partition's records against a topic's schema policy: its batches decoded (decompressed
// too), then every record's key and value checked as the policy asks. The verdict is the whole
// partition's, as a broker's is: one bad record and none of them is written.
import { GatewayError } from '../../core/errors.ts'
import type { Violation } from '../../core/violation.ts'
import { CodecError } from '../../protocol/index.ts'
import {
  BatchAttribute,
  decodeRecordBatch,
  splitRecordBatches,
  type RecordBatch,
} from '../../protocol/records/index.ts'
import { unframe, type ResolvedSchema, type SchemaPart } from '../../schema/index.ts'
import type { RecordSchemas } from './deps.ts'
import {
  CORRUPT_MESSAGE,
  INVALID_RECORD,
  REQUEST_TIMED_OUT,
  UNKNOWN_SERVER_ERROR,
} from './error-codes.ts'
import { checkId, type IdOutcome } from './ids.ts'
import type { PartRule, TopicRules } from './rules.ts'

/** One refused record: its index among the partition's records, and why. */
export interface RecordError {
  index: number
  message: string
}

export type PartitionVerdict =
  { ok: true } | { ok: false; code: number; message: string; recordErrors: RecordError[] }

const accepted: PartitionVerdict = { ok: true }
/** How many record errors the partition's message quotes (Kafka's broker quotes three). */
const QUOTED = 3

export async function checkPartition(
  records: Buffer | null,
  rules: TopicRules,
  schemas: RecordSchemas
): Promise<PartitionVerdict> {
  if (records === null || records.length === 0) return accepted
  let batches: RecordBatch[]
  try {
    batches = await readBatches(records)
  } catch (err) {
    if (!(err instanceof CodecError)) throw err
    return refusal(CORRUPT_MESSAGE, `the records cannot be read: ${err.message}`)
  }
  try {
    const { errors, total } = await recordErrors(batches, rules, schemas)
    if (errors.length === 0) return accepted
    const quoted = errors.slice(0, QUOTED).map((e) => `record ${e.index}: ${e.message}`)
    const more = errors.length > QUOTED ? `; and ${errors.length - QUOTED} more` : ''
    const message = `${errors.length} of ${total} records break schema policy "${rules.policy}", so none was written: ${quoted.join('; ')}${more}`
    return refusal(INVALID_RECORD, message, errors)
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err
    return unchecked(rules.policy, err)
  }
}

/**
 * A partition holds whole batches only (a producer never sends part of one). CRCs are left to the
 * broker, which checks the very bytes forwarded (they are never re-encoded): computing them here
 * would cost as much as all the rest, and a corrupt batch is refused either way.
 */
async function readBatches(records: Buffer): Promise<RecordBatch[]> {
  const { batches, partial } = splitRecordBatches(records)
  if (partial !== null) throw new CodecError(`they end in ${partial.length} bytes of a batch`)
  const decoded: RecordBatch[] = []
  for (const batch of batches) decoded.push(await decodeRecordBatch(batch, { verifyCrc: false }))
  return decoded
}

interface Framed {
  index: number
  rule: PartRule
  id: number
  payload: Buffer
}

/** Every refused record, in order; throws GatewayError when a schema cannot be had. */
async function recordErrors(
  batches: readonly RecordBatch[],
  rules: TopicRules,
  schemas: RecordSchemas
): Promise<{ errors: RecordError[]; total: number }> {
  const problems = new Map<number, string[]>()
  const note = (index: number, part: SchemaPart, problem: string) => {
    const list = problems.get(index)
    const text = `the ${part} ${problem}`
    if (list === undefined) problems.set(index, [text])
    else list.push(text)
  }
  // Each distinct id (per part) and inline schema is looked up once for the partition.
  const ids = new Map<string, Promise<IdOutcome>>()
  const inline = new Map<PartRule, Promise<ResolvedSchema>>()
  const framed: Framed[] = []
  const unframed: { index: number; rule: PartRule; bytes: Buffer }[] = []
  let index = 0
  for (const batch of batches) {
    // Control batches (transaction markers) carry no data; brokers write them, not producers.
    if ((batch.attributes & BatchAttribute.control) !== 0) continue
    for (const record of batch.records) {
      for (const rule of rules.parts) {
        const bytes = rule.part === 'key' ? record.key : record.value
        // Null keys and tombstones carry no schema (Confluent's serializers pass null through).
        if (bytes === null) continue
        if (rule.kind === 'inline') {
          if (!inline.has(rule)) inline.set(rule, schemas.resolve(rule.ref, context(rules, rule)))
          unframed.push({ index, rule, bytes })
          continue
        }
        let header: ReturnType<typeof unframe>
        try {
          header = unframe(bytes)
        } catch (err) {
          // unframe says "not in the Confluent wire format: ..."
          note(index, rule.part, `is ${(err as Error).message}`)
          continue
        }
        const key = `${rule.part}\n${header.schemaId}`
        if (!ids.has(key)) ids.set(key, checkId(rule, header.schemaId, rules.validate, schemas))
        framed.push({ index, rule, id: header.schemaId, payload: header.payload })
      }
      index++
    }
  }
  const outcomes = await settle(ids)
  const inlineSchemas = await settle(inline)
  for (const item of framed) {
    const outcome = outcomes.get(`${item.rule.part}\n${item.id}`) as IdOutcome
    if (outcome.problem !== undefined) note(item.index, item.rule.part, outcome.problem)
    else if (outcome.codec !== undefined) {
      const { codec } = outcome
      const read = (payload: Buffer) => codec.read(payload)
      const validate =
        codec.format === 'json-schema' ? (v: unknown) => codec.validate(v) : undefined
      const problem = payloadProblem(read, validate, item.payload, `schema id ${item.id}`)
      if (problem !== undefined) note(item.index, item.rule.part, problem)
    }
  }
  for (const item of unframed) {
    const schema = inlineSchemas.get(item.rule) as ResolvedSchema
    const read = (payload: Buffer) => schema.decode(payload)
    const validate =
      schema.format === 'json-schema' ? (v: unknown) => schema.validate(v) : undefined
    const what = `the inline schema of schema policy "${rules.policy}"`
    const problem = payloadProblem(read, validate, item.bytes, what)
    if (problem !== undefined) note(item.index, item.rule.part, problem)
  }
  const errors = [...problems]
    .sort(([a], [b]) => a - b)
    .map(([i, list]) => ({ index: i, message: list.join('; ') }))
  return { errors, total: index }
}

function context(rules: TopicRules, rule: PartRule) {
  return { topic: rules.topic, part: rule.part, registry: rules.registry }
}

/** Waits for every lookup (so none is left rejecting unobserved); the first failure throws. */
async function settle<K, V>(pending: Map<K, Promise<V>>): Promise<Map<K, V>> {
  const values = await Promise.all(pending.values())
  const keys = [...pending.keys()]
  return new Map(keys.map((key, i) => [key, values[i] as V]))
}

/**
 * Avro bytes that decode are valid by construction; JSON has to be checked against its schema
 * once parsed (`validate`).
 */
function payloadProblem(
  read: (payload: Buffer) => unknown,
  validate: ((value: unknown) => Violation[]) | undefined,
  payload: Buffer,
  what: string
): string | undefined {
  let value: unknown
  try {
    value = read(payload)
  } catch (err) {
    return `does not decode with ${what}: ${(err as Error).message}`
  }
  const violations = validate?.(value) ?? []
  if (violations.length === 0) return undefined
  const shown = violations.slice(0, QUOTED).map((v) => `${v.path || '/'}: ${v.message}`)
  const more = violations.length > QUOTED ? `; and ${violations.length - QUOTED} more` : ''
  return `does not match ${what}: ${shown.join('; ')}${more}`
}

/** The records could not be checked: retriable while the registry is down, else not. */
export function unchecked(policy: string, err: GatewayError): PartitionVerdict {
  const what = `the records could not be checked against schema policy "${policy}"`
  return err.code === 'backend-unavailable'
    ? refusal(REQUEST_TIMED_OUT, `${what}, so none was written (retry): ${err.message}`)
    : refusal(UNKNOWN_SERVER_ERROR, `${what}: ${err.message}`)
}

function refusal(code: number, message: string, recordErrors: RecordError[] = []) {
  return { ok: false as const, code, message, recordErrors }
}
