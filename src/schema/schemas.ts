// The schema layer's front: resolves a schema policy's key or value reference for a topic into a
// compiled schema, and serializes and deserializes records through it. This is on the per-record
// hot path, so everything is cached: compiled schemas by registry and id (ids never change),
// resolutions by (reference, topic, part); a cached record costs no registry call, and subject
// lookups ask the registry again only once their cacheTtlMs has passed.
import type { SchemaRefConfig, SchemaRegistryConfig } from '../config/index.ts'
import { GatewayError } from '../core/errors.ts'
import { compileSchema, formatNames, registryFormat } from './compile.ts'
import { compileInline, isInline } from './inline.ts'
import { BoundedMap } from './lru.ts'
import {
  RegistryClient,
  type RegistryClientOptions,
  type RegistrySchema,
  type SubjectRef,
} from './registry-client.ts'
import { collectReferences } from './references.ts'
import {
  decodePayload,
  resolvedSchema,
  type ResolvedSchema,
  type SerializeResult,
} from './resolved.ts'
import { registryLookup } from './subject.ts'
import type { Codec, SchemaFormat, SchemaPart } from './types.ts'
import { unframe } from './wire-format.ts'

export interface SchemaContext {
  /**
   * The topic subjects are named after: the client's name for it, on every door (what a Kafka
   * client's own serializer names subjects after), whatever namespace maps it to.
   */
  topic: string
  part: SchemaPart
  /** The registry to use when the reference names none (the virtual cluster's). */
  registry?: string
}

export interface Deserialized {
  schemaId: number
  format: SchemaFormat
  value: unknown
}

/** Registry client options (transport, clock, cache sizes, onStale) apply to every registry. */
export interface SchemaCatalogOptions extends RegistryClientOptions {
  /** Where relative `schemaFile` paths start; the working directory by default. */
  baseDir?: string
  /** How many compiled registry schemas to keep. */
  maxCompiledSchemas?: number
}

type Plan =
  | { kind: 'fixed'; schema: Promise<ResolvedSchema>; ready?: ResolvedSchema }
  | {
      kind: 'subject'
      client: RegistryClient
      subject: string
      version: number | 'latest'
      last?: ResolvedSchema
    }

export class SchemaCatalog {
  readonly #clients = new Map<string, RegistryClient>()
  readonly #baseDir: string
  readonly #codecs: BoundedMap<string, Promise<Codec>>
  readonly #inline = new WeakMap<SchemaRefConfig, Promise<Codec>>()
  readonly #plans = new WeakMap<SchemaRefConfig, BoundedMap<string, Plan>>()

  constructor(registries: readonly SchemaRegistryConfig[], options: SchemaCatalogOptions = {}) {
    for (const config of registries) {
      this.#clients.set(config.name, new RegistryClient(config, options))
    }
    this.#baseDir = options.baseDir ?? process.cwd()
    this.#codecs = new BoundedMap(options.maxCompiledSchemas ?? 1000)
  }

  /** The client of a configured registry. */
  registry(name: string): RegistryClient {
    const client = this.#clients.get(name)
    if (client) return client
    const known = [...this.#clients.keys()].map((n) => `"${n}"`).join(', ') || 'none'
    throw new GatewayError('internal', `no schema registry named "${name}" (known: ${known})`)
  }

  /** The schema for a topic's key or value; throws GatewayError if it cannot be had. */
  async resolve(ref: SchemaRefConfig, context: SchemaContext): Promise<ResolvedSchema> {
    const plan = this.#plan(ref, context)
    if (plan.kind === 'fixed') return plan.schema
    const { client, subject, version } = plan
    const found = await client.subjectVersion(subject, version)
    if (plan.last?.id === found.id && plan.last.version === found.version) return plan.last
    const what = `subject "${subject}" version ${found.version} in schema registry "${client.name}"`
    const codec = await this.#codec(client, found.id, async () => found)
    checkFormat(ref, codec, what)
    plan.last = resolvedSchema(codec, {
      part: context.part,
      id: found.id,
      subject,
      version: found.version,
      registry: client.name,
    })
    return plan.last
  }

  /** Validates and encodes; violations come back (with `part`), other failures throw. */
  serialize(
    ref: SchemaRefConfig,
    context: SchemaContext,
    value: unknown
  ): Promise<SerializeResult> {
    const ready = this.ready(ref, context)
    if (!ready) return this.resolve(ref, context).then((schema) => schema.serialize(value))
    try {
      return Promise.resolve(ready.serialize(value))
    } catch (err) {
      return Promise.reject(err as Error)
    }
  }

  /**
   * What `resolve` would answer, when it is at hand without waiting (the common case), else
   * undefined: a subject's version only while its lookup is fresh (cacheTtlMs), so a new
   * version is followed exactly as `resolve` follows it.
   */
  ready(ref: SchemaRefConfig, context: SchemaContext): ResolvedSchema | undefined {
    const plan = this.#plans.get(ref)?.peek(planKey(context))
    if (plan === undefined) return undefined
    if (plan.kind === 'fixed') return plan.ready
    const found = plan.client.peekVersion(plan.subject, plan.version)
    const last = plan.last
    return found && last && last.id === found.id && last.version === found.version
      ? last
      : undefined
  }

  /** Decodes Confluent-framed bytes by the schema id they carry. */
  async deserialize(bytes: Uint8Array, registryName: string | undefined): Promise<Deserialized> {
    const { schemaId, payload } = unframe(bytes)
    if (registryName === undefined) {
      throw new GatewayError('internal', `no schema registry to look up schema id ${schemaId} in`)
    }
    const client = this.registry(registryName)
    const codec = await this.#codec(client, schemaId, () => client.schemaById(schemaId))
    return { schemaId, format: codec.format, value: decodePayload(codec, payload, schemaId) }
  }

  /** The compiled schema a registry id names: what records framed with that id were written in. */
  codecById(registryName: string, id: number): Promise<Codec> {
    const client = this.registry(registryName)
    return this.#codec(client, id, () => client.schemaById(id))
  }

  /** Every subject and version a registry id is registered as (see RegistryClient.subjectsOf). */
  subjectsOf(registryName: string, id: number, recheck?: boolean): Promise<readonly SubjectRef[]> {
    return this.registry(registryName).subjectsOf(id, recheck)
  }

  #plan(ref: SchemaRefConfig, context: SchemaContext): Plan {
    let plans = this.#plans.get(ref)
    // Bounded: with wildcard policies, clients choose the topic names.
    if (!plans) this.#plans.set(ref, (plans = new BoundedMap(10_000)))
    const key = planKey(context)
    const known = plans.get(key)
    if (known) return known
    const plan = this.#newPlan(ref, context)
    plans.set(key, plan)
    if (plan.kind === 'fixed') {
      plan.schema.then(
        (schema) => (plan.ready = schema),
        (err: unknown) => {
          // An outage is no answer: forget the plan so the next record tries again.
          const outage = err instanceof GatewayError && err.code === 'backend-unavailable'
          if (outage && plans.peek(key) === plan) plans.delete(key)
        }
      )
    }
    return plan
  }

  #newPlan(ref: SchemaRefConfig, context: SchemaContext): Plan {
    const { part, topic } = context
    if (isInline(ref)) {
      let codec = this.#inline.get(ref)
      if (!codec) this.#inline.set(ref, (codec = compileInline(ref, this.#baseDir)))
      return { kind: 'fixed', schema: codec.then((c) => resolvedSchema(c, { part })) }
    }
    const registryName = ref.registry ?? context.registry
    if (registryName === undefined) {
      throw new GatewayError(
        'internal',
        `the ${part} schema of topic "${topic}" has no registry and no inline schema: ` +
          'set schemaRegistry on the virtual cluster, or registry, schema or schemaFile on the policy'
      )
    }
    const client = this.registry(registryName)
    const lookup = registryLookup(ref, topic, part)
    if ('subject' in lookup) return { kind: 'subject', client, ...lookup }
    const { id } = lookup
    const what = `schema id ${id} in schema registry "${client.name}"`
    const schema = this.#codec(client, id, () => client.schemaById(id)).then((codec) => {
      checkFormat(ref, codec, what)
      return resolvedSchema(codec, { part, id, registry: client.name })
    })
    return { kind: 'fixed', schema }
  }

  /** The compiled schema for a registry id, compiled once (with the schemas it references). */
  #codec(client: RegistryClient, id: number, fetch: () => Promise<RegistrySchema>): Promise<Codec> {
    const key = `${client.name}\n${id}`
    const cached = this.#codecs.get(key)
    if (cached) return cached
    const what = `schema id ${id} in schema registry "${client.name}"`
    const codec = fetch().then(async (schema) => {
      const format = registryFormat(schema, what)
      const references = await collectReferences(client, schema.references)
      return compileSchema({ format, schema: schema.schema, references }, what)
    })
    this.#codecs.set(key, codec)
    // Broken schemas stay broken (ids never change); a registry outage is worth another try.
    codec.catch((err: unknown) => {
      const outage = err instanceof GatewayError && err.code === 'backend-unavailable'
      if (outage && this.#codecs.peek(key) === codec) this.#codecs.delete(key)
    })
    return codec
  }
}

function planKey(context: SchemaContext): string {
  return `${context.part}\n${context.topic}\n${context.registry ?? ''}`
}

function checkFormat(ref: SchemaRefConfig, codec: Codec, what: string): void {
  if (codec.format === ref.format) return
  throw new GatewayError(
    'internal',
    `${what} is ${formatNames[codec.format]}, but the schema policy says ${formatNames[ref.format]}`
  )
}
