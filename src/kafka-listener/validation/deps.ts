// What schema validation needs of the rest of Weir: the policy engine's schema policies and the
// schema catalog's registry lookups (both cached; see SchemaCatalog and RegistryClient).
import type { SchemaPolicyConfig, SchemaRefConfig } from '../../config/index.ts'
import type { Codec, ResolvedSchema, SchemaContext, SubjectRef } from '../../schema/index.ts'

/** The PolicyEngine, or a delegate to whichever one is current after a reload. */
export interface SchemaPolicies {
  schemaPolicy(virtualCluster: string, topic: string): SchemaPolicyConfig | undefined
  hasSchemaPolicies(virtualCluster: string): boolean
}

/** The SchemaCatalog. */
export interface RecordSchemas {
  /** Every subject and version a registry schema id is registered as ([] for an unknown id). */
  subjectsOf(registry: string, id: number, recheck?: boolean): Promise<readonly SubjectRef[]>
  /** The compiled schema a registry id names. */
  codecById(registry: string, id: number): Promise<Codec>
  /** A policy's schema for a topic's key or value (inline schemas, here). */
  resolve(ref: SchemaRefConfig, context: SchemaContext): Promise<ResolvedSchema>
}

/** What the listener is given (the gateway's policy engine and schema catalog). */
export interface SchemaSources {
  policies: SchemaPolicies
  schemas: RecordSchemas
}

export interface SchemaValidationDeps extends SchemaSources {
  virtualCluster: string
  /** The virtual cluster's schema registry, for policies that name none. */
  registry: string | undefined
}
