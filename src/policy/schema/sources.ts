// What schema policies need of the rest of Weir: the policy engine's choice of policy for a topic,
// and the schema catalog's compiled schemas and registry lookups (both cached; see SchemaCatalog
// and RegistryClient).
import type { SchemaPolicyConfig, SchemaRefConfig } from '../../config/index.ts'
import type { Codec, ResolvedSchema, SchemaContext, SubjectRef } from '../../schema/index.ts'

/** The PolicyEngine: which schema policy applies (it follows reloads). */
export interface SchemaPolicies {
  schemaPolicy(
    virtualCluster: string,
    topic: string,
    routePolicies?: readonly string[]
  ): SchemaPolicyConfig | undefined
  hasSchemaPolicies(virtualCluster: string): boolean
}

/** The SchemaCatalog. */
export interface RecordSchemas {
  /** Every subject and version a registry schema id is registered as ([] for an unknown id). */
  subjectsOf(registry: string, id: number, recheck?: boolean): Promise<readonly SubjectRef[]>
  /** The compiled schema a registry id names. */
  codecById(registry: string, id: number): Promise<Codec>
  /** A policy's schema for a topic's key or value: the one records are written with. */
  resolve(ref: SchemaRefConfig, context: SchemaContext): Promise<ResolvedSchema>
  /** The schema `resolve` would answer, when it is at hand without waiting; else undefined. */
  ready(ref: SchemaRefConfig, context: SchemaContext): ResolvedSchema | undefined
}
