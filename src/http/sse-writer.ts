// The one Server-Sent Events writer of an http listener, for every door that streams events to an
// EventSource (streams' SSE, the reply push): the head proxies must not buffer, events in the
// `text/event-stream` syntax, heartbeats, and the socket's backpressure.
import type { ServerResponse } from 'node:http'

export class SseWriter {
  readonly #response: ServerResponse

  /** Writes the head: 200, `text/event-stream`, never cached nor buffered on the way. */
  constructor(response: ServerResponse) {
    this.#response = response
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx and some other proxies buffer responses unless told not to.
      'x-accel-buffering': 'no',
    })
  }

  /**
   * Writes one event (an empty `id` writes none); false when the socket's buffer is full: wait
   * for `onDrain` before writing more.
   */
  event(name: string, data: string, id = '', retryMs?: number): boolean {
    return this.#response.write(sseEvent(name, data, id, retryMs))
  }

  /**
   * Writes an event encoded once for many subscribers (its `event:` and `data:` lines, as
   * sseEvent makes them without an id) after this subscriber's own `id:` line: the bytes
   * `event()` would write, in one chunk, with only the id line made per subscriber.
   */
  encoded(event: Buffer, id = ''): boolean {
    if (id === '') return this.#response.write(event)
    const head = `id: ${id}\n`
    const bytes = Buffer.allocUnsafe(Buffer.byteLength(head) + event.length)
    event.copy(bytes, bytes.write(head))
    return this.#response.write(bytes)
  }

  /** A comment line: keeps the connection alive through proxies that cut idle ones. */
  heartbeat(): boolean {
    return this.#response.write(': keep-alive\n\n')
  }

  onDrain(resume: () => void): void {
    this.#response.once('drain', resume)
  }

  /** The client went away, or the stream was ended. */
  onClose(closed: () => void): void {
    this.#response.once('close', closed)
  }

  /** Ends the stream, after a last event if given. */
  end(last?: { name: string; data: string }): void {
    if (last === undefined) this.#response.end()
    else this.#response.end(sseEvent(last.name, last.data, ''))
  }
}

/** One event in the `text/event-stream` syntax; every line of `data` is a `data:` line. */
export function sseEvent(name: string, data: string, id: string, retryMs?: number): string {
  const retry = retryMs === undefined ? '' : `retry: ${retryMs}\n`
  const idLine = id === '' ? '' : `id: ${id}\n`
  // JSON text never holds a raw newline: one data line, without splitting.
  const lines = data.includes('\n') ? data.replaceAll('\n', '\ndata: ') : data
  return `${retry}${idLine}event: ${name}\ndata: ${lines}\n\n`
}
