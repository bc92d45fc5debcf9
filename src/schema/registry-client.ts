// A small client for the Confluent Schema Registry REST API (also Apicurio's ccompat API): fetch a
// schema by id or by subject and version, and register one. Schemas by id never change, so they
// are cached for good (bounded); subject lookups, and where an id is registered, expire after
// cacheTtlMs and are served stale while the registry is down.
import type { SchemaRegistryConfig } from '../config/index.ts'
import { GatewayError } from '../core/errors.ts'
import { BoundedMap } from './lru.ts'
import { registryError, unreachable, type LookupInfo } from './registry-errors.ts'
import { transportFor, type Transport } from './transport.ts'
import { TtlCache } from './ttl-cache.ts'

/** Confluent's schemaType: absent means AVRO. */
export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF'

export interface SchemaReference {
  /** The name the referring schema uses: an Avro full name, a JSON Schema `$ref` URL. */
  name: string
  subject: string
  version: number
}

export interface RegistrySchema {
  id: number
  schemaType: SchemaType
  schema: string
  references: SchemaReference[]
}

/** One subject and version a schema id is registered as. */
export interface SubjectRef {
  subject: string
  version: number
}

export interface SubjectVersion extends RegistrySchema {
  subject: string
  version: number
}

export interface NewSchema {
  schemaType: SchemaType
  schema: string | object
  references?: SchemaReference[]
}

export interface RegistryClientOptions {
  /** Defaults to global fetch, or node:https when the registry's TLS settings need it. */
  transport?: Transport
  now?: () => number
  /** How many schemas by id to keep (least recently used go first). */
  maxSchemas?: number
  maxSubjects?: number
  /** While the registry is down, how often a stale subject lookup tries it again. */
  retryAfterMs?: number
  onStale?: (registry: string, lookup: string, err: unknown) => void
}

const mediaType = 'application/vnd.schemaregistry.v1+json'
/** Confluent's error code for "no schema with this id" (Apicurio's ccompat API says the same). */
const SCHEMA_NOT_FOUND = 40403
/** How often a cached "not registered there" may be asked again, per id. */
const RECHECK_MS = 1000

export class RegistryClient {
  readonly name: string
  readonly #config: SchemaRegistryConfig
  readonly #transport: Transport
  readonly #headers: Record<string, string>
  readonly #byId: BoundedMap<number, Promise<RegistrySchema>>
  readonly #bySubject: TtlCache<SubjectVersion>
  readonly #subjectsById: TtlCache<readonly SubjectRef[]>
  /** When each id's registrations were last asked again before they expired. */
  readonly #rechecked: BoundedMap<number, number>
  /** Re-checks under way, by schema id. */
  readonly #rechecking = new Map<number, Promise<readonly SubjectRef[]>>()
  readonly #now: () => number

  constructor(config: SchemaRegistryConfig, options: RegistryClientOptions = {}) {
    this.name = config.name
    this.#config = config
    this.#transport = options.transport ?? transportFor(config)
    this.#headers = { accept: `${mediaType}, application/json` }
    if (config.basicAuth) {
      const { username, password } = config.basicAuth
      const token = Buffer.from(`${username}:${password}`).toString('base64')
      this.#headers.authorization = `Basic ${token}`
    } else if (config.bearerToken) {
      this.#headers.authorization = `Bearer ${config.bearerToken}`
    }
    this.#byId = new BoundedMap(options.maxSchemas ?? 10_000)
    this.#now = options.now ?? Date.now
    const ttl = {
      ttlMs: config.cacheTtlMs,
      // Even with no caching (ttl 0), an outage must not cost every request a timeout.
      retryAfterMs: options.retryAfterMs ?? Math.min(Math.max(config.cacheTtlMs, 1000), 10_000),
      now: options.now,
      isOutage: (err: unknown) => err instanceof GatewayError && err.code === 'backend-unavailable',
    }
    this.#bySubject = new TtlCache({
      ...ttl,
      maxEntries: options.maxSubjects ?? 10_000,
      onStale: (key, err) => options.onStale?.(this.name, key.replace('\n', ' version '), err),
    })
    this.#subjectsById = new TtlCache({
      ...ttl,
      maxEntries: options.maxSchemas ?? 10_000,
      onStale: (key, err) => options.onStale?.(this.name, `subjects of schema id ${key}`, err),
    })
    this.#rechecked = new BoundedMap(options.maxSchemas ?? 10_000)
  }

  /** The schema with this id. Ids are immutable, so each is fetched once. */
  schemaById(id: number): Promise<RegistrySchema> {
    const cached = this.#byId.get(id)
    if (cached) return cached
    const path = `/schemas/ids/${id}`
    const lookup = this.#get(path, { id }).then((body) => this.#toSchema(path, body, id))
    this.#byId.set(id, lookup)
    // A failed lookup is not an answer: forget it so the next request asks again.
    lookup.catch(() => {
      if (this.#byId.peek(id) === lookup) this.#byId.delete(id)
    })
    return lookup
  }

  /** A subject's version (a number or `latest`), fresh within cacheTtlMs, stale if need be. */
  subjectVersion(subject: string, version: number | 'latest'): Promise<SubjectVersion> {
    return this.#bySubject.get(`${subject}\n${version}`, async () => {
      const path = `/subjects/${encodeURIComponent(subject)}/versions/${version}`
      const body = await this.#get(path, { subject, version })
      const found = body as { id?: unknown; subject?: unknown; version?: unknown }
      if (typeof found.id !== 'number' || typeof found.version !== 'number') {
        throw this.#unexpected(path, body)
      }
      const schema = this.#toSchema(path, body, found.id)
      // The answer carries the schema itself: spare the later lookup by id.
      if (!this.#byId.get(found.id)) this.#byId.set(found.id, Promise.resolve(schema))
      return { ...schema, subject, version: found.version }
    })
  }

  /** The cached answer for a subject's version while fresh, without a lookup (hot path). */
  peekVersion(subject: string, version: number | 'latest'): SubjectVersion | undefined {
    return this.#bySubject.peek(`${subject}\n${version}`)
  }

  /**
   * Every subject and version schema `id` is registered as (ccompat `/schemas/ids/{id}/versions`),
   * empty for an id the registry does not know; cached as subject lookups are. `recheck` asks
   * again while the answer is fresh, at most once a second per id: registries give identical
   * schemas one id, so an id seen under one subject may since have been registered under another.
   */
  subjectsOf(id: number, recheck = false): Promise<readonly SubjectRef[]> {
    const key = String(id)
    const load = async (): Promise<readonly SubjectRef[]> => {
      const path = `/schemas/ids/${id}/versions`
      const body = await this.#request('GET', path, { id }, undefined, [])
      if (!Array.isArray(body)) throw this.#unexpected(path, body)
      return body.map((entry: { subject?: unknown; version?: unknown }) => {
        const { subject, version } = entry ?? {}
        if (typeof subject !== 'string' || typeof version !== 'number') {
          throw this.#unexpected(path, body)
        }
        return { subject, version }
      })
    }
    if (recheck) {
      // A re-check under way is the freshest answer there is: wait for it rather than take the
      // cached one it is about to replace (which led to refusing an id just registered).
      const running = this.#rechecking.get(id)
      if (running !== undefined) return running
      const now = this.#now()
      const last = this.#rechecked.get(id)
      if (last === undefined || now - last >= RECHECK_MS) {
        this.#rechecked.set(id, now)
        const reloaded = this.#subjectsById.reload(key, load)
        this.#rechecking.set(id, reloaded)
        void reloaded.then(
          () => this.#rechecking.delete(id),
          () => this.#rechecking.delete(id)
        )
        return reloaded
      }
    }
    return this.#subjectsById.get(key, load)
  }

  /** Registers a schema under a subject (or finds it registered already); returns its id. */
  async register(subject: string, schema: NewSchema): Promise<number> {
    const text = typeof schema.schema === 'string' ? schema.schema : JSON.stringify(schema.schema)
    const path = `/subjects/${encodeURIComponent(subject)}/versions`
    const body = await this.#request(
      'POST',
      path,
      { subject },
      {
        schema: text,
        ...(schema.schemaType === 'AVRO' ? {} : { schemaType: schema.schemaType }),
        ...(schema.references?.length ? { references: schema.references } : {}),
      }
    )
    const id = (body as { id?: unknown }).id
    if (typeof id !== 'number') throw this.#unexpected(path, body)
    return id
  }

  #get(path: string, what: LookupInfo): Promise<unknown> {
    return this.#request('GET', path, what)
  }

  /** `absent`: the answer when the registry says it has no such schema (else that throws). */
  async #request(
    method: 'GET' | 'POST',
    path: string,
    what: LookupInfo,
    payload?: object,
    absent?: unknown
  ): Promise<unknown> {
    const timeoutMs = this.#config.requestTimeoutMs
    const signal = AbortSignal.timeout(timeoutMs)
    const headers =
      payload === undefined ? this.#headers : { ...this.#headers, 'content-type': mediaType }
    let status: number
    let text: string
    try {
      const res = await this.#transport(`${this.#config.url.replace(/\/+$/, '')}${path}`, {
        method,
        headers,
        body: payload === undefined ? undefined : JSON.stringify(payload),
        signal,
      })
      status = res.status
      text = await res.text()
    } catch (err) {
      throw unreachable(this.name, signal.aborted ? `no answer within ${timeoutMs} ms` : err)
    }
    let body: unknown
    try {
      body = text === '' ? {} : JSON.parse(text)
    } catch {
      body = { message: text.slice(0, 200) }
    }
    const code = (body as { error_code?: unknown } | null)?.error_code
    if (status === 404 && absent !== undefined && code === SCHEMA_NOT_FOUND) return absent
    if (status < 200 || status > 299) throw registryError(this.name, status, body, what)
    return body
  }

  #toSchema(path: string, body: unknown, id: number): RegistrySchema {
    const found = body as { schema?: unknown; schemaType?: unknown; references?: unknown }
    if (typeof found.schema !== 'string') throw this.#unexpected(path, body)
    const schemaType = typeof found.schemaType === 'string' ? found.schemaType : 'AVRO'
    return {
      id,
      schemaType: schemaType as SchemaType,
      schema: found.schema,
      references: Array.isArray(found.references) ? (found.references as SchemaReference[]) : [],
    }
  }

  #unexpected(path: string, body: unknown): GatewayError {
    const shown = JSON.stringify(body).slice(0, 200)
    return new GatewayError(
      'internal',
      `schema registry "${this.name}" gave an unexpected answer to ${path}: ${shown}`
    )
  }
}
