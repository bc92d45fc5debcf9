// Schema policies, decided once for every door that writes. Doors hand over records in the form
// they have them: HTTP produce and request-reply their events' JSON (serialize: validated and
// written with the policy's schema), the Kafka listener its producers' bytes (check: schema ids
// held to the policy's subject, payloads read and validated with them). The same value gets the
// same verdict on either path, through the same compiled schemas; doors only map the verdict to
// their protocol (422 problem+json, INVALID_RECORD).
import { GatewayError } from '../../core/errors.ts'
import { checkRecords, unchecked, type RecordsVerdict, type SerializedRecord } from './check.ts'
import { topicRules } from './rules.ts'
import { serializeRecords, type PayloadRecord } from './serialize.ts'
import type { RecordSchemas, SchemaPolicies } from './sources.ts'

/** Where records go, as a door knows it. */
export interface SchemaTarget {
  virtualCluster: string
  /**
   * The topic as the client named it: policies match it, and subjects are named after it (what
   * a Kafka client's own serializer names them after), whatever namespace maps it to.
   */
  topic: string
  /** The virtual cluster's schema registry, for policies that name none. */
  registry: string | undefined
  /** A route's own policies, after the virtual cluster's (the last matching policy wins). */
  routePolicies?: readonly string[]
}

/** A topic's schema policy, ready to check serialized records against. */
export interface RecordCheck {
  policy: string
  check(records: readonly SerializedRecord[]): Promise<RecordsVerdict>
}

export class SchemaValidator {
  readonly #policies: SchemaPolicies
  readonly #schemas: RecordSchemas

  constructor(policies: SchemaPolicies, schemas: RecordSchemas) {
    this.#policies = policies
    this.#schemas = schemas
  }

  /** Whether any schema policy applies on the virtual cluster (else nothing need be decoded). */
  applies(virtualCluster: string): boolean {
    return this.#policies.hasSchemaPolicies(virtualCluster)
  }

  /**
   * JSON values to bytes through the topic's schema policy (bytes as they came without one).
   * Throws GatewayError: invalid-record with every violation, unsupported-media-type for bytes a
   * schema would have to read, or why the schema cannot be had.
   */
  serialize(target: SchemaTarget, records: readonly PayloadRecord[]) {
    const policy = this.#policies.schemaPolicy(
      target.virtualCluster,
      target.topic,
      target.routePolicies
    )
    return serializeRecords(records, policy, target, this.#schemas)
  }

  /** The topic's policy for serialized records, or undefined when none applies to it. */
  forTopic(target: SchemaTarget): RecordCheck | undefined {
    const { virtualCluster, topic, registry, routePolicies } = target
    const policy = this.#policies.schemaPolicy(virtualCluster, topic, routePolicies)
    if (policy === undefined) return undefined
    const schemas = this.#schemas
    try {
      const rules = topicRules(policy, topic, registry)
      return { policy: policy.name, check: (records) => checkRecords(records, rules, schemas) }
    } catch (err) {
      // A policy that cannot work (no registry to look ids up in) refuses every record.
      if (!(err instanceof GatewayError)) throw err
      const verdict = Promise.resolve(unchecked(policy.name, err))
      return { policy: policy.name, check: () => verdict }
    }
  }
}
