// What a schema policy asks of one topic's serialized records, part by part (key, value): a
// registry schema id registered under the subject the policy's strategy names for the topic (or
// the very id it pins) and a payload that reads with that schema and holds to it (unless the
// policy says `validate: false`), or, for an inline schema, a payload that does.
import type { SchemaPolicyConfig, SchemaRefConfig } from '../../config/index.ts'
import { GatewayError } from '../../core/errors.ts'
import { isInline } from '../../schema/inline.ts'
import { registryLookup } from '../../schema/subject.ts'
import type { SchemaPart } from '../../schema/types.ts'

export type PartRule =
  | {
      kind: 'registry'
      part: SchemaPart
      ref: SchemaRefConfig
      registry: string
      /** Set when the policy pins an id: records must carry exactly it. */
      id?: number
      /** Otherwise the subject the id must be registered under... */
      subject?: string
      /** ...as this version, when the policy pins one (any version for `latest`). */
      version?: number
    }
  | { kind: 'inline'; part: SchemaPart; ref: SchemaRefConfig }

export interface TopicRules {
  /** The policy's name, for messages. */
  policy: string
  /** The client's name for the topic (subjects are named after it). */
  topic: string
  /** The virtual cluster's registry, for references that name none. */
  registry: string | undefined
  /** Whether registry-framed records are read with their schema too (`validate`, default on). */
  validate: boolean
  parts: PartRule[]
}

/** Throws GatewayError (a configuration error) for a registry reference with no registry. */
export function topicRules(
  policy: SchemaPolicyConfig,
  topic: string,
  registry: string | undefined
): TopicRules {
  const parts: PartRule[] = []
  for (const part of ['key', 'value'] as const) {
    const ref = policy[part]
    if (ref === undefined) continue
    if (isInline(ref)) {
      parts.push({ kind: 'inline', part, ref })
      continue
    }
    const name = ref.registry ?? registry
    if (name === undefined) {
      throw new GatewayError(
        'internal',
        `the ${part} schema of topic "${topic}" (schema policy "${policy.name}") has no registry: set schemaRegistry on the virtual cluster, or registry on the policy`
      )
    }
    const lookup = registryLookup(ref, topic, part)
    if ('id' in lookup) parts.push({ kind: 'registry', part, ref, registry: name, id: lookup.id })
    else {
      const version = lookup.version === 'latest' ? undefined : lookup.version
      parts.push({ kind: 'registry', part, ref, registry: name, subject: lookup.subject, version })
    }
  }
  return { policy: policy.name, topic, registry, validate: policy.validate !== false, parts }
}
