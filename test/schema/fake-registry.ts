// A stand-in for a schema registry on node:http: either a tiny Confluent-compatible registry of its
// own, or a pass-through proxy to a real one. Either can be taken down (connections are cut) and
// brought back, and it logs every request, so tests can prove what the client asked and when.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface FakeRegistry {
  url: string
  /** Paths requested, e.g. `GET /subjects/orders-value/versions/latest`. */
  requests: string[]
  /** Cut every connection (new and open) until up() is called. */
  down(): void
  up(): void
  /** Answer every request with this status until cleared. */
  failWith(status: number | undefined): void
  /** Hold every answer this long. */
  delay(ms: number): void
  /** Register directly (own registry only); returns the id. */
  add(subject: string, schema: string | object, schemaType?: 'AVRO' | 'JSON' | 'PROTOBUF'): number
  close(): Promise<void>
}

interface Stored {
  id: number
  schema: string
  schemaType?: string
  references?: unknown[]
}

export async function startFakeRegistry(
  options: { upstream?: string } = {}
): Promise<FakeRegistry> {
  const schemas: Stored[] = []
  const subjects = new Map<string, number[]>()
  const requests: string[] = []
  const sockets = new Set<Socket>()
  let isDown = false
  let status: number | undefined
  let delayMs = 0

  const add = (subject: string, schema: string | object, schemaType?: string, refs?: unknown[]) => {
    const text = typeof schema === 'string' ? schema : JSON.stringify(schema)
    let found = schemas.find((s) => s.schema === text && s.schemaType === schemaType)
    if (!found) {
      found = { id: schemas.length + 1, schema: text, schemaType, references: refs }
      schemas.push(found)
    }
    const versions = subjects.get(subject) ?? []
    if (!versions.includes(found.id)) versions.push(found.id)
    subjects.set(subject, versions)
    return found.id
  }

  const own = (req: IncomingMessage, body: string, res: ServerResponse) => {
    const send = (code: number, payload: unknown) => {
      res.writeHead(code, { 'content-type': 'application/vnd.schemaregistry.v1+json' })
      res.end(JSON.stringify(payload))
    }
    const url = new URL(req.url ?? '/', 'http://x')
    const byId = /^\/schemas\/ids\/(\d+)$/.exec(url.pathname)
    const version = /^\/subjects\/([^/]+)\/versions(?:\/([^/]+))?$/.exec(url.pathname)
    if (byId) {
      const s = schemas[Number(byId[1]) - 1]
      if (!s) return send(404, { error_code: 40403, message: `Schema ${byId[1]} not found` })
      return send(200, { schema: s.schema, schemaType: s.schemaType, references: s.references })
    }
    if (!version) return send(404, { error_code: 404, message: 'no such path' })
    const subject = decodeURIComponent(version[1] ?? '')
    if (req.method === 'POST') {
      const posted = JSON.parse(body) as Stored & { schemaType?: string }
      return send(200, { id: add(subject, posted.schema, posted.schemaType, posted.references) })
    }
    const versions = subjects.get(subject)
    if (!versions)
      return send(404, { error_code: 40401, message: `Subject '${subject}' not found.` })
    const n = version[2] === 'latest' ? versions.length : Number(version[2])
    const id = versions[n - 1]
    if (id === undefined)
      return send(404, { error_code: 40402, message: `Version ${version[2]} not found.` })
    const s = schemas[id - 1] as Stored
    send(200, {
      subject,
      version: n,
      id,
      schema: s.schema,
      schemaType: s.schemaType,
      references: s.references,
    })
  }

  const proxy = async (req: IncomingMessage, body: string, res: ServerResponse) => {
    const upstream = await fetch(`${options.upstream}${req.url}`, {
      method: req.method,
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: req.method === 'POST' ? body : undefined,
    })
    res.writeHead(upstream.status, { 'content-type': 'application/json' })
    res.end(await upstream.text())
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`)
      if (isDown) return void req.socket.destroy()
      setTimeout(() => {
        if (status !== undefined) {
          res.writeHead(status, { 'content-type': 'application/json' })
          return void res.end(JSON.stringify({ error_code: status, message: 'injected failure' }))
        }
        const body = Buffer.concat(chunks).toString('utf8')
        const handle = options.upstream
          ? proxy
          : async (...args: Parameters<typeof own>) => own(...args)
        handle(req, body, res).catch(() => req.socket.destroy())
      }, delayMs)
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    if (isDown) socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    down() {
      isDown = true
      for (const socket of sockets) socket.destroy()
    },
    up() {
      isDown = false
    },
    failWith(code) {
      status = code
    },
    delay(ms) {
      delayMs = ms
    },
    add: (subject, schema, schemaType) => add(subject, schema, schemaType),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
