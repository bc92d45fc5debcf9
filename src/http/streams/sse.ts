// Server-Sent Events: one session per request, written as `text/event-stream`. Every record's
// `id:` is the stream cursor after it, so an EventSource that reconnects sends it back as
// Last-Event-ID and resumes right after the last record it got: no gap, no repeat. A first
// `ready` event carries the starting cursor, so even a client that saw no record resumes from
// where it started. Records are acknowledged as they are written (SSE has no way back).
import type { ServerResponse } from 'node:http'
import { encodeCursor } from '../../stream/cursor.ts'
import { isGap, type Delivery } from '../../stream/delivery-queue.ts'
import { serializeRecord } from '../../stream/record-json.ts'
import type { SessionEnd, StreamSession } from '../../stream/session.ts'
import type { Admission } from './admission.ts'

/** How long an EventSource waits before reconnecting (its `retry:` field). */
const RETRY_MS = 2000

export interface SseOptions {
  heartbeatMs: number
}

/** Streams `session` to the response until either side ends. */
export function streamSse(
  response: ServerResponse,
  session: StreamSession,
  admission: Admission,
  options: SseOptions
): void {
  const group = session.endpoint.config.group.mode !== 'ephemeral'
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx and some other proxies buffer responses unless told not to.
    'x-accel-buffering': 'no',
  })
  const ready = JSON.stringify({
    stream: session.endpoint.name,
    topics: session.topics,
    principal: admission.principal.name,
    delivery: session.endpoint.config.delivery,
  })
  // A group resumes from its commits: an id would suggest a position the client cannot pick.
  const id = group ? '' : `id: ${encodeCursor(session.cursor)}\n`
  response.write(`retry: ${RETRY_MS}\n${id}event: ready\ndata: ${ready}\n\n`)

  let waiting = false
  let done = false
  const finish = () => {
    if (done) return
    done = true
    clearInterval(heartbeat)
    session.onWake(undefined)
    void session.close()
  }
  const pump = () => {
    if (done || waiting) return
    for (let delivery = session.take(); delivery !== undefined; delivery = session.take()) {
      const text = group ? event(delivery, '') : event(delivery, encodeCursor(session.cursor))
      if (!response.write(text)) {
        waiting = true
        response.once('drain', () => {
          waiting = false
          pump()
        })
        return
      }
    }
    const end = session.ended
    if (end !== undefined) {
      if (end.kind !== 'closed') response.end(goodbye(end))
      finish()
    }
  }
  const heartbeat = setInterval(() => {
    if (!waiting) response.write(': keep-alive\n\n')
  }, options.heartbeatMs)
  heartbeat.unref()
  response.once('close', finish)
  session.onWake(pump)
  pump()
}

function event(delivery: Delivery, cursor: string): string {
  const id = cursor === '' ? '' : `id: ${cursor}\n`
  if (isGap(delivery)) return `${id}event: gap\ndata: ${JSON.stringify(delivery)}\n\n`
  // JSON text never holds a raw newline, so one data line carries it.
  const kind = delivery.tombstone ? 'tombstone' : 'record'
  return `${id}event: ${kind}\ndata: ${serializeRecord(delivery).json}\n\n`
}

/** The last event: why the stream ends (EventSource reconnects by itself afterwards). */
function goodbye(end: Exclude<SessionEnd, { kind: 'closed' }>): string {
  if (end.kind === 'shutdown') {
    const detail = 'this node is shutting down; reconnect to resume'
    return `event: end\ndata: ${JSON.stringify({ reason: 'shutdown', detail })}\n\n`
  }
  // Not `error`: EventSource fires its own `error` on every reconnect, and clients would have to
  // tell the two apart.
  return `event: problem\ndata: ${JSON.stringify(end.error.toProblem())}\n\n`
}
