// The documents of one listener, generated on first request and cached. Registry schemas are
// looked up again at most once per refresh interval; when any changed (a new version registered
// under a subject, an edited schema file), the documents are generated again. A configuration
// change makes a new http app, and with it a new cache.
// The schemas a document needs are found by generating it once with a lookup that only records
// what it is asked for; the generators stay synchronous and pure.
import { createHash } from 'node:crypto'
import type { HttpListenerConfig, WeirConfig } from '../../config/index.ts'
import { asyncApiDocument } from './asyncapi.ts'
import { openApiDocument, type OpenApiDocument } from './openapi.ts'
import {
  requestKey,
  type SchemaEntry,
  type SchemaRequest,
  type SchemaSources,
} from './schema-sources.ts'
import type { SchemaLookup } from './topics.ts'

export interface PortalDocuments {
  /** Changes whenever the documents do (`info.version`). */
  version: string
  openapi: OpenApiDocument
  /** Its servers' hosts are ASYNCAPI_HOST until `withHost` fills them in. */
  asyncapi: Record<string, unknown>
  /** Schemas that apply but could not be read (the documents show any JSON in their place). */
  unavailable: { name: string; reason: string }[]
}

export interface DocumentCacheOptions {
  listener: HttpListenerConfig
  config: WeirConfig
  sources: SchemaSources
  /** Longest time a registry schema is shown without asking the registry again. */
  refreshMs: number
  /** OpenAPI `servers[0].url`. */
  serverUrl: string
  now?: () => number
}

/** Stands for the host a client reached, which only a request tells. */
export const ASYNCAPI_HOST = 'weir.invalid'

export class DocumentCache {
  readonly #options: DocumentCacheOptions
  readonly #now: () => number
  #current: { documents: PortalDocuments; fingerprint: string; checkedAt: number } | undefined
  #pending: Promise<PortalDocuments> | undefined

  constructor(options: DocumentCacheOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  /** The documents, as fresh as the refresh interval asks. Concurrent callers share one refresh. */
  documents(): Promise<PortalDocuments> {
    const current = this.#current
    if (current && this.#now() - current.checkedAt < this.#options.refreshMs) {
      return Promise.resolve(current.documents)
    }
    this.#pending ??= this.#refresh().finally(() => (this.#pending = undefined))
    return this.#pending
  }

  async #refresh(): Promise<PortalDocuments> {
    const checkedAt = this.#now()
    const requests = new Map<string, SchemaRequest>()
    this.#generate((request) => {
      requests.set(requestKey(request), request)
      return { kind: 'none' }
    }, '')
    const entries = new Map<string, SchemaEntry>(
      await Promise.all(
        [...requests].map(
          async ([key, request]) => [key, await this.#options.sources.resolve(request)] as const
        )
      )
    )
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([...entries].sort(([a], [b]) => (a < b ? -1 : 1))))
      .digest('hex')
    const current = this.#current
    if (current?.fingerprint === fingerprint) {
      current.checkedAt = checkedAt
      return current.documents
    }
    const documents = this.#generate(
      (request) => entries.get(requestKey(request)) ?? { kind: 'none' },
      `1.0.0+${fingerprint.slice(0, 12)}`
    )
    const unavailable = new Map<string, string>()
    for (const entry of entries.values()) {
      if (entry.kind === 'unavailable') unavailable.set(entry.name, entry.reason)
    }
    documents.unavailable = [...unavailable].map(([name, reason]) => ({ name, reason }))
    this.#current = { documents, fingerprint, checkedAt }
    return documents
  }

  #generate(schemas: SchemaLookup, version: string): PortalDocuments {
    const { listener, config, serverUrl } = this.#options
    const openapi = openApiDocument({ listener, config, schemas, version, serverUrl })
    const asyncapi = asyncApiDocument({
      listener,
      config,
      schemas,
      version,
      host: ASYNCAPI_HOST,
      tls: listener.tls !== undefined,
    })
    return { version, openapi, asyncapi, unavailable: [] }
  }
}

/** The AsyncAPI document with the host clients reached filled in. */
export function withHost(asyncapi: Record<string, unknown>, host: string): Record<string, unknown> {
  const servers = asyncapi.servers as Record<string, Record<string, unknown>>
  return {
    ...asyncapi,
    servers: Object.fromEntries(
      Object.entries(servers).map(([name, server]) => [name, { ...server, host }])
    ),
  }
}
