// Subject name strategies, as Confluent's serializers define them: which registry subject holds
// the schema for a topic's keys or values.
import type { SchemaRefConfig } from '../config/index.ts'
import { GatewayError } from '../core/errors.ts'
import type { SchemaPart } from './types.ts'

/** Where a schema is found in a registry: by id, or by subject and version. */
export type RegistryLookup = { id: number } | { subject: string; version: number | 'latest' }

type SubjectFields = Pick<SchemaRefConfig, 'subject' | 'subjectStrategy' | 'recordName'>

/**
 * The subject for a topic's key or value. An explicit `subject` wins; otherwise
 * topic → `<topic>-key|-value`, record → `<recordName>`, topic-record → `<topic>-<recordName>`.
 */
export function subjectName(ref: SubjectFields, topic: string, part: SchemaPart): string {
  if (ref.subject) return ref.subject
  const strategy = ref.subjectStrategy ?? 'topic'
  if (strategy === 'topic') return `${topic}-${part}`
  if (!ref.recordName) {
    throw new GatewayError(
      'internal',
      `the ${strategy} subject strategy needs recordName (the ${part} schema of topic "${topic}")`
    )
  }
  return strategy === 'record' ? ref.recordName : `${topic}-${ref.recordName}`
}

/** An `id` bypasses subjects altogether. */
export function registryLookup(
  ref: SubjectFields & Pick<SchemaRefConfig, 'id' | 'version'>,
  topic: string,
  part: SchemaPart
): RegistryLookup {
  if (ref.id !== undefined) return { id: ref.id }
  return { subject: subjectName(ref, topic, part), version: ref.version ?? 'latest' }
}
