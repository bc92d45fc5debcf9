// Transform policies as the config schema outputs them, for the unit tests.
import { TransformPolicy, type TransformPolicyConfig } from '../../../src/config/schema/policies.ts'

export function transformPolicy(fields: Record<string, unknown>): TransformPolicyConfig {
  return TransformPolicy.parse({ name: 'transform', kind: 'transform', ...fields })
}

export const text = (value: string | null) => (value === null ? null : Buffer.from(value, 'utf8'))

export function headersOf(headers: readonly { key: string; value: Buffer | null }[]) {
  return headers.map((h) => [h.key, h.value?.toString('utf8') ?? null])
}
