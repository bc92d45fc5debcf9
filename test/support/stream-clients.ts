// Clients of Weir's streaming doors for tests: a WebSocket client that queues frames, an SSE
// reader over fetch (Node has no EventSource), and a record producer.
import { WebSocket } from 'ws'
import { testKafka } from './kafka.ts'

/** A queue that hands out items as they come, waiting (with a timeout) when empty. */
export class Inbox<T> {
  readonly items: T[] = []
  #waiters: (() => void)[] = []
  closed = false

  push(item: T): void {
    this.items.push(item)
    for (const wake of this.#waiters.splice(0)) wake()
  }

  close(): void {
    this.closed = true
    for (const wake of this.#waiters.splice(0)) wake()
  }

  /** The next item matching `accept`, consumed; rejects after `timeoutMs`. */
  async next(accept: (item: T) => boolean = () => true, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const index = this.items.findIndex(accept)
      if (index >= 0) return this.items.splice(index, 1)[0] as T
      if (this.closed) throw new Error('closed before the expected item came')
      const left = deadline - Date.now()
      if (left <= 0)
        throw new Error(`timed out; items seen: ${JSON.stringify(this.items).slice(0, 500)}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** `count` items matching `accept`, in order. */
  async take(count: number, accept?: (item: T) => boolean, timeoutMs = 15_000): Promise<T[]> {
    const out: T[] = []
    for (let i = 0; i < count; i++) out.push(await this.next(accept, timeoutMs))
    return out
  }
}

export type Frame = Record<string, unknown> & { type: string }

export interface WsClient {
  ws: WebSocket
  frames: Inbox<Frame>
  closed: Promise<{ code: number; reason: string }>
  send(frame: object): void
}

export function wsUrl(httpUrl: string, path: string): string {
  return httpUrl.replace(/^http/, 'ws') + path
}

/** Connects and resolves once open (rejects with the HTTP status when the upgrade is refused). */
export function connectWs(
  url: string,
  options: {
    headers?: Record<string, string>
    protocols?: string[]
    /** For wss: the CA to trust and a client certificate (PEM contents). */
    tls?: { ca: string; cert?: string; key?: string }
  } = {}
): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [], {
      headers: options.headers,
      ...options.tls,
    })
    const frames = new Inbox<Frame>()
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      ws.on('close', (code, reason) => {
        frames.close()
        done({ code, reason: reason.toString() })
      })
    )
    ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Frame))
    ws.on('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () =>
        reject(
          Object.assign(new Error(`upgrade refused: ${res.statusCode}`), {
            status: res.statusCode,
            body: JSON.parse(body || '{}'),
          })
        )
      )
    })
    ws.on('error', reject)
    ws.on('open', () =>
      resolve({ ws, frames, closed, send: (frame) => ws.send(JSON.stringify(frame)) })
    )
  })
}

export interface SseEvent {
  event: string
  id?: string
  data: string
}

export interface SseClient {
  status: number
  headers: Headers
  events: Inbox<SseEvent>
  /** Comment lines (heartbeats). */
  comments: Inbox<string>
  /** The last `id:` seen (what an EventSource would send as Last-Event-ID). */
  lastId(): string | undefined
  close(): void
  body?: unknown
}

export async function connectSse(
  url: string,
  headers: Record<string, string> = {}
): Promise<SseClient> {
  const abort = new AbortController()
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  })
  const events = new Inbox<SseEvent>()
  const comments = new Inbox<string>()
  let lastId: string | undefined
  const client: SseClient = {
    status: response.status,
    headers: response.headers,
    events,
    comments,
    lastId: () => lastId,
    close: () => abort.abort(),
  }
  if (!response.ok || response.body === null) {
    client.body = await response.json().catch(() => undefined)
    return client
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  void (async () => {
    let buffer = ''
    let current: Partial<SseEvent> & { data?: string } = {}
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        buffer += value
        let newline: number
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline)
          buffer = buffer.slice(newline + 1)
          if (line === '') {
            if (current.data !== undefined) {
              events.push({ event: current.event ?? 'message', id: current.id, data: current.data })
            }
            current = {}
          } else if (line.startsWith(':')) {
            comments.push(line.slice(1).trim())
          } else {
            const colon = line.indexOf(':')
            const field = line.slice(0, colon)
            const text = line.slice(colon + 1).replace(/^ /, '')
            if (field === 'data')
              current.data = current.data === undefined ? text : `${current.data}\n${text}`
            else if (field === 'event') current.event = text
            else if (field === 'id') current.id = lastId = text
          }
        }
      }
    } catch {
      // aborted
    } finally {
      events.close()
      comments.close()
    }
  })()
  return client
}

/** Produces `values` (JSON-encoded unless Buffers/strings) to a topic; returns nothing. */
export async function produceRecords(
  topic: string,
  records: {
    key?: string | null
    value: unknown
    headers?: Record<string, string>
    partition?: number
  }[]
): Promise<void> {
  const producer = testKafka('stream-test-producer').producer()
  await producer.connect()
  try {
    await producer.send({
      topic,
      messages: records.map((r) => ({
        key: r.key ?? null,
        value:
          r.value === null
            ? null
            : Buffer.isBuffer(r.value) || typeof r.value === 'string'
              ? (r.value as Buffer | string)
              : JSON.stringify(r.value),
        headers: r.headers,
        partition: r.partition,
      })),
    })
  } finally {
    await producer.disconnect()
  }
}
