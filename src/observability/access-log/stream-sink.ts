// Access log records as JSON lines on stdout or appended to a file. A destination that cannot
// keep up (a blocked pipe, a slow disk) does not hold requests: beyond `bufferRecords` lines
// waiting in the stream, new records are dropped and counted.
import { createWriteStream } from 'node:fs'
import type { Writable } from 'node:stream'
import type { AccessLogSink, SinkEvents } from './sink.ts'

export class StreamAccessLogSink implements AccessLogSink {
  readonly name: string
  readonly #out: Writable
  readonly #events: SinkEvents
  readonly #bufferRecords: number
  readonly #owned: boolean
  #pending = 0
  #closed = false

  constructor(
    name: string,
    out: Writable,
    events: SinkEvents,
    options: { bufferRecords: number; owned: boolean }
  ) {
    this.name = name
    this.#out = out
    this.#events = events
    this.#bufferRecords = options.bufferRecords
    this.#owned = options.owned
    // A file that cannot be written (a missing folder) must not crash the node.
    out.on('error', () => undefined)
  }

  static stdout(name: string, events: SinkEvents): StreamAccessLogSink {
    return new StreamAccessLogSink(name, process.stdout, events, {
      bufferRecords: 10_000,
      owned: false,
    })
  }

  static file(
    name: string,
    path: string,
    events: SinkEvents,
    bufferRecords: number
  ): StreamAccessLogSink {
    return new StreamAccessLogSink(name, createWriteStream(path, { flags: 'a' }), events, {
      bufferRecords,
      owned: true,
    })
  }

  get buffered(): number {
    return this.#pending
  }

  offer(record: Record<string, unknown>): boolean {
    if (this.#closed || this.#out.destroyed || this.#pending >= this.#bufferRecords) {
      this.#events.dropped(this.name, 1, this.#closed ? 'sink closed' : 'buffer full')
      return false
    }
    this.#pending++
    this.#out.write(`${JSON.stringify(record)}\n`, (err) => {
      this.#pending--
      if (err) this.#events.dropped(this.name, 1, 'write failed')
      else this.#events.sent(this.name, 1)
    })
    return true
  }

  async close(timeoutMs: number): Promise<void> {
    this.#closed = true
    if (!this.#owned) return
    await Promise.race([
      new Promise<void>((resolve) => this.#out.end(resolve)),
      new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
    ])
  }
}
