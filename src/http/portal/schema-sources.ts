// The schema texts the documents are generated from: which schema policy applies to a topic (as
// the policy engine decides it: the last matching schema policy of the virtual cluster's, then the
// route's), and the schema it names, read from the registry (a subject's version, or an id) or
// given inline or in a file. The portal keeps registry clients of its own that cache nothing
// across refreshes: the produce path's cache may hold a subject for minutes, while the documents
// must show a new version within the portal's refresh interval. Ids never change and stay cached,
// and during a registry outage the last answer is served (RegistryClient does that).
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type {
  SchemaRefConfig,
  SchemaPolicyConfig,
  VirtualClusterConfig,
  WeirConfig,
} from '../../config/index.ts'
import { compileGlobs } from '../../core/glob.ts'
import { registryFormat } from '../../schema/compile.ts'
import { collectReferences } from '../../schema/references.ts'
import {
  RegistryClient,
  type RegistryClientOptions,
  type RegistrySchema,
} from '../../schema/registry-client.ts'
import { registryLookup } from '../../schema/subject.ts'
import type { ReferencedSchema, SchemaFormat, SchemaPart } from '../../schema/types.ts'

/** One schema the documents ask for: a topic's key or value, under a route's policies. */
export interface SchemaRequest {
  virtualCluster: string
  /** The route's or stream's own policies (after the virtual cluster's). */
  policies: readonly string[]
  /** The topic as clients name it. */
  topic: string
  part: SchemaPart
}

export type SchemaEntry =
  /** No schema policy applies: any JSON (or bytes) is taken. */
  | { kind: 'none' }
  | {
      kind: 'schema'
      format: SchemaFormat
      schema: string | object
      references: readonly ReferencedSchema[]
      /** Written in the Confluent wire format (registry schemas): streams decode it by id. */
      framed: boolean
      /** A name for it: the subject, else `<topic>-<part>`. */
      name: string
      /** Where it came from, for people: `subject "orders-value" version 3 in registry "main"`. */
      origin: string
    }
  /** A schema applies but cannot be had now (registry down and nothing cached, a bad file...). */
  | { kind: 'unavailable'; format: SchemaFormat; name: string; reason: string }

export interface SchemaSourcesOptions {
  /** Where relative `schemaFile` paths start (the config file's folder). */
  baseDir?: string
  /** Transport, clock... for the portal's registry clients. */
  registry?: RegistryClientOptions
}

export function requestKey(request: SchemaRequest): string {
  const { virtualCluster, policies, topic, part } = request
  return [virtualCluster, policies.join(','), topic, part].join('\u0000')
}

export class SchemaSources {
  readonly #vcs: Map<string, VirtualClusterConfig>
  readonly #policies: Map<
    string,
    { topics: (topic: string) => boolean; config: SchemaPolicyConfig }
  >
  readonly #clients = new Map<string, RegistryClient>()
  readonly #baseDir: string

  constructor(config: WeirConfig, options: SchemaSourcesOptions = {}) {
    this.#vcs = new Map(config.virtualClusters.map((vc) => [vc.name, vc]))
    this.#policies = new Map(
      config.policies.flatMap((p) =>
        p.kind === 'schema'
          ? [[p.name, { topics: compileGlobs(p.topics), config: p }] as const]
          : []
      )
    )
    for (const registry of config.schemaRegistries) {
      // cacheTtlMs 0: every refresh asks again (the portal decides how often that is).
      const client = new RegistryClient({ ...registry, cacheTtlMs: 0 }, options.registry)
      this.#clients.set(registry.name, client)
    }
    this.#baseDir = options.baseDir ?? process.cwd()
  }

  /** The schema reference that applies, as PolicyEngine.schemaPolicy chooses it. */
  refFor(request: SchemaRequest): SchemaRefConfig | undefined {
    const vc = this.#vcs.get(request.virtualCluster)
    const names = [...(vc?.policies ?? []), ...request.policies]
    for (let i = names.length - 1; i >= 0; i--) {
      const policy = this.#policies.get(names[i] as string)
      if (policy?.topics(request.topic)) return policy.config[request.part]
    }
    return undefined
  }

  /** Never throws: what cannot be had is an `unavailable` entry saying why. */
  async resolve(request: SchemaRequest): Promise<SchemaEntry> {
    const ref = this.refFor(request)
    if (ref === undefined) return { kind: 'none' }
    const vc = this.#vcs.get(request.virtualCluster)
    let name = `${request.topic}-${request.part}`
    try {
      if (ref.schema !== undefined || ref.schemaFile !== undefined) {
        const schema = ref.schema ?? (await this.#readFile(ref.schemaFile as string))
        const origin = ref.schemaFile ? `schemaFile "${ref.schemaFile}"` : 'an inline schema'
        return {
          kind: 'schema',
          format: ref.format,
          schema,
          references: [],
          framed: false,
          name,
          origin,
        }
      }
      const registryName = ref.registry ?? vc?.schemaRegistry
      const client = registryName === undefined ? undefined : this.#clients.get(registryName)
      if (client === undefined) throw new Error('no schema registry is configured for it')
      // Named after the client's topic, as produce names it (policy/schema).
      const lookup = registryLookup(ref, request.topic, request.part)
      let found: RegistrySchema
      let origin: string
      if ('subject' in lookup) {
        name = lookup.subject
        const version = await client.subjectVersion(lookup.subject, lookup.version)
        found = version
        origin = `subject "${lookup.subject}" version ${version.version} (id ${version.id}) in schema registry "${client.name}"`
      } else {
        name = `schema-${lookup.id}`
        found = await client.schemaById(lookup.id)
        origin = `schema id ${lookup.id} in schema registry "${client.name}"`
      }
      const format = registryFormat(found, origin)
      if (format !== ref.format) throw new Error(`${origin} is ${format}, not ${ref.format}`)
      const references = await collectReferences(client, found.references)
      return {
        kind: 'schema',
        format,
        schema: found.schema,
        references,
        framed: true,
        name,
        origin,
      }
    } catch (err) {
      return { kind: 'unavailable', format: ref.format, name, reason: (err as Error).message }
    }
  }

  async #readFile(file: string): Promise<string> {
    return readFile(path.resolve(this.#baseDir, file), 'utf8')
  }
}
