// Records that arrive already serialized (the Kafka listener's Produce) against a topic's schema
// policy: every record's key and value checked as the policy asks (see rules.ts). The verdict is
// the whole set's, as a broker's is for a partition: one bad record and none of them is written.
import { GatewayError } from '../../core/errors.ts'
import type { Violation } from '../../core/violation.ts'
import { unframe, type ResolvedSchema, type SchemaPart } from '../../schema/index.ts'
import { checkId, type IdOutcome } from './ids.ts'
import type { PartRule, TopicRules } from './rules.ts'
import type { RecordSchemas } from './sources.ts'

/** A record's key and value as a producer serialized them (a record view's bytes). */
export interface SerializedRecord {
  key: Buffer | null
  value: Buffer | null
}

/** One refused record: its index among the records checked, and why. */
export interface RecordError {
  index: number
  message: string
}

/**
 * `error`: invalid-record when records break the policy (with `recordErrors`); when they could
 * not be checked, backend-unavailable (the registry is down and nothing is cached: retry) or
 * internal (a policy that cannot work). Nothing was written either way.
 */
export type RecordsVerdict =
  { ok: true } | { ok: false; error: GatewayError; recordErrors: readonly RecordError[] }

const accepted: RecordsVerdict = { ok: true }
/** How many record errors a message quotes (Kafka's broker quotes three). */
const QUOTED = 3

export async function checkRecords(
  records: readonly SerializedRecord[],
  rules: TopicRules,
  schemas: RecordSchemas
): Promise<RecordsVerdict> {
  if (records.length === 0) return accepted
  let errors: RecordError[]
  try {
    errors = await recordErrors(records, rules, schemas)
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err
    return unchecked(rules.policy, err)
  }
  if (errors.length === 0) return accepted
  const quoted = errors.slice(0, QUOTED).map((e) => `record ${e.index}: ${e.message}`)
  const more = errors.length > QUOTED ? `; and ${errors.length - QUOTED} more` : ''
  const message = `${errors.length} of ${records.length} records break schema policy "${rules.policy}", so none was written: ${quoted.join('; ')}${more}`
  return { ok: false, error: new GatewayError('invalid-record', message), recordErrors: errors }
}

/** The records could not be checked: retriable while the registry is down, else not. */
export function unchecked(policy: string, err: GatewayError): RecordsVerdict {
  const what = `the records could not be checked against schema policy "${policy}"`
  const error =
    err.code === 'backend-unavailable'
      ? new GatewayError(
          'backend-unavailable',
          `${what}, so none was written (retry): ${err.message}`,
          { retryAfterSeconds: err.retryAfterSeconds }
        )
      : new GatewayError('internal', `${what}: ${err.message}`)
  return { ok: false, error, recordErrors: [] }
}

interface Framed {
  index: number
  rule: PartRule
  id: number
  payload: Buffer
}

/** Every refused record, in order; throws GatewayError when a schema cannot be had. */
async function recordErrors(
  records: readonly SerializedRecord[],
  rules: TopicRules,
  schemas: RecordSchemas
): Promise<RecordError[]> {
  const problems = new Map<number, string[]>()
  const note = (index: number, part: SchemaPart, problem: string) => {
    const list = problems.get(index)
    const text = `the ${part} ${problem}`
    if (list === undefined) problems.set(index, [text])
    else list.push(text)
  }
  // Each distinct id (per part) and inline schema is looked up once for the whole set.
  const ids = new Map<string, Promise<IdOutcome>>()
  const inline = new Map<PartRule, Promise<ResolvedSchema>>()
  const framed: Framed[] = []
  const unframed: { index: number; rule: PartRule; bytes: Buffer }[] = []
  records.forEach((record, index) => {
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
  })
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
  return [...problems]
    .sort(([a], [b]) => a - b)
    .map(([i, list]) => ({ index: i, message: list.join('; ') }))
}

/** Subjects are named after the client's topic, as its serializer named them. */
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
 * once parsed (`validate`), with the same validator HTTP produce serializes through.
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
