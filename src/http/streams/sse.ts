// Server-Sent Events: one session per request, written as `text/event-stream`. Every record's
// `id:` is the stream cursor after it, so an EventSource that reconnects sends it back as
// Last-Event-ID and resumes right after the last record it got: no gap, no repeat. A first
// `ready` event carries the starting cursor, so even a client that saw no record resumes from
// where it started. Records are acknowledged as they are written (SSE has no way back).
import type { ServerResponse } from 'node:http'
import { isGap, type Delivery } from '../../stream/delivery-queue.ts'
import { sharedEncoding } from '../../stream/record-json.ts'
import type { StreamRecord } from '../../stream/record.ts'
import type { SessionEnd, StreamSession } from '../../stream/session.ts'
import type { Admission } from './admission.ts'
import { holdWritesForThisTurn } from './batched-writes.ts'
import { sseEvent, SseWriter } from '../sse-writer.ts'

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
  const sse = new SseWriter(response)
  const ready = JSON.stringify({
    stream: session.endpoint.name,
    topics: session.topics,
    principal: admission.principal.name,
    delivery: session.endpoint.config.delivery,
  })
  // A group resumes from its commits: an id would suggest a position the client cannot pick.
  sse.event('ready', ready, group ? '' : session.cursorText, RETRY_MS)

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
    // node:http holds a response's writes until the next tick; a batch takes longer than that.
    if (response.socket) holdWritesForThisTurn(response.socket)
    for (let delivery = session.take(); delivery !== undefined; delivery = session.take()) {
      if (!write(sse, delivery, group ? '' : session.cursorText)) {
        waiting = true
        sse.onDrain(() => {
          waiting = false
          pump()
        })
        return
      }
    }
    const end = session.ended
    if (end !== undefined) {
      if (end.kind !== 'closed') sse.end(goodbye(end))
      finish()
    }
  }
  const heartbeat = setInterval(() => {
    if (!waiting) sse.heartbeat()
  }, options.heartbeatMs)
  heartbeat.unref()
  sse.onClose(finish)
  session.onWake(pump)
  pump()
}

/**
 * A record's event without its `id:` line (`event: record` or `tombstone`, the `data:` line): made
 * once per rendering of the record and shared by every subscriber who gets that rendering.
 */
export const recordEvent: (record: StreamRecord) => Buffer = sharedEncoding(({ json }, record) =>
  Buffer.from(sseEvent(record.tombstone ? 'tombstone' : 'record', json, ''))
)

function write(sse: SseWriter, delivery: Delivery, cursor: string): boolean {
  if (isGap(delivery)) return sse.event('gap', JSON.stringify(delivery), cursor)
  return sse.encoded(recordEvent(delivery), cursor)
}

/** The last event: why the stream ends (EventSource reconnects by itself afterwards). */
function goodbye(end: Exclude<SessionEnd, { kind: 'closed' }>): { name: string; data: string } {
  if (end.kind === 'shutdown') {
    const detail = 'this node is shutting down; reconnect to resume'
    return { name: 'end', data: JSON.stringify({ reason: 'shutdown', detail }) }
  }
  // Not `error`: EventSource fires its own `error` on every reconnect, and clients would have to
  // tell the two apart.
  return { name: 'problem', data: JSON.stringify(end.error.toProblem()) }
}
