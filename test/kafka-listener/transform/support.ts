// Transform policies as the config schema outputs them, for the unit tests.
import { TransformPolicy, type TransformPolicyConfig } from '../../../src/config/schema/policies.ts'
import {
  readKafkaRecord,
  writeKafkaRecord,
} from '../../../src/kafka-listener/transform/kafka-record.ts'
import { compileTransform } from '../../../src/policy/transform/index.ts'

export function transformPolicy(fields: Record<string, unknown>): TransformPolicyConfig {
  return TransformPolicy.parse({ name: 'transform', kind: 'transform', ...fields })
}

export const text = (value: string | null) => (value === null ? null : Buffer.from(value, 'utf8'))

export function headersOf(headers: readonly { key: string; value: Buffer | null }[]) {
  return headers.map((h) => [h.key, h.value?.toString('utf8') ?? null])
}

/** A policy's engine transform as the listener applies it to a Produce request's batches. */
export function produceEdit(policy: TransformPolicyConfig) {
  const write = compileTransform(policy).write
  if (write === undefined) return undefined
  const edit = writeKafkaRecord(write, 'orders')
  return (records: readonly Parameters<typeof edit>[0][]) => records.forEach(edit)
}

/** A policy's engine transform as the listener applies it to a Fetch response's records. */
export function fetchEdit(policy: TransformPolicyConfig) {
  const read = compileTransform(policy).read
  return read === undefined ? undefined : readKafkaRecord(read, 'orders', 0)
}
