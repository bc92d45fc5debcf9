// A Confluent-compatible schema registry in memory, reached through the registry client's
// Transport: schemas by id, subject versions, and where an id is registered
// (`/schemas/ids/{id}/versions`, which the node:http fake in test/schema does not serve). Like
// Confluent and Apicurio, it gives identical schemas one id across subjects. It can be taken down
// (every call fails as an unreachable host does) or made to fail, and it logs every request.
import type { Transport } from '../../src/schema/index.ts'

interface Stored {
  schema: string
  schemaType?: string
}

export class MemoryRegistry {
  readonly url = 'http://registry.test'
  /** `GET /schemas/ids/7/versions`, ... */
  readonly requests: string[] = []
  #down = false
  #status: number | undefined
  readonly #schemas: Stored[] = []
  readonly #subjects = new Map<string, number[]>()

  /** Registers (or finds) a schema under a subject; returns its id. */
  add(subject: string, schema: string | object, schemaType?: 'AVRO' | 'JSON'): number {
    const text = typeof schema === 'string' ? schema : JSON.stringify(schema)
    let id = this.#schemas.findIndex((s) => s.schema === text && s.schemaType === schemaType) + 1
    if (id === 0) id = this.#schemas.push({ schema: text, schemaType })
    const versions = this.#subjects.get(subject) ?? []
    if (!versions.includes(id)) versions.push(id)
    this.#subjects.set(subject, versions)
    return id
  }

  down(): void {
    this.#down = true
  }

  up(): void {
    this.#down = false
  }

  /** Answer every request with this status (and a Confluent error body) until cleared. */
  failWith(status: number | undefined): void {
    this.#status = status
  }

  /** Requests made since the last call. */
  take(): string[] {
    return this.requests.splice(0)
  }

  readonly transport: Transport = async (url, init) => {
    const path = new URL(url).pathname
    this.requests.push(`${init.method} ${path}`)
    if (this.#down) throw new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') })
    const [status, body] =
      this.#status === undefined
        ? this.#answer(path)
        : [this.#status, { error_code: this.#status, message: 'injected failure' }]
    return { status, text: async () => JSON.stringify(body) }
  }

  #answer(path: string): [number, unknown] {
    const byId = /^\/schemas\/ids\/(\d+)(\/versions)?$/.exec(path)
    if (byId) {
      const id = Number(byId[1])
      const stored = this.#schemas[id - 1]
      if (stored === undefined)
        return [404, { error_code: 40403, message: `Schema ${id} not found` }]
      if (byId[2] === undefined) return [200, stored]
      const refs = [...this.#subjects].flatMap(([subject, ids]) =>
        ids.flatMap((known, i) => (known === id ? [{ subject, version: i + 1 }] : []))
      )
      return [200, refs]
    }
    const version = /^\/subjects\/([^/]+)\/versions\/([^/]+)$/.exec(path)
    if (version) {
      const subject = decodeURIComponent(version[1] ?? '')
      const ids = this.#subjects.get(subject)
      if (ids === undefined) return [404, { error_code: 40401, message: 'Subject not found' }]
      const n = version[2] === 'latest' ? ids.length : Number(version[2])
      const id = ids[n - 1]
      if (id === undefined) return [404, { error_code: 40402, message: 'Version not found' }]
      return [200, { subject, version: n, id, ...this.#schemas[id - 1] }]
    }
    return [404, { error_code: 404, message: 'HTTP 404 Not Found' }]
  }
}
