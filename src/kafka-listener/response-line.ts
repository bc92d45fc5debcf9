// The answers of one connection, in the order its requests came: Kafka answers requests on a
// connection in order, and clients match answers by position as much as by correlation id. Each
// request with an answer waits here: forwarded ones for the broker's response (matched by
// correlation id, rewritten where a filter asks), the gateway's own until their turn. A response
// whose edit has to wait (for a key, say) holds every answer after it, and the broker is not read
// meanwhile, so memory stays bounded by what was in flight.
import type { Socket } from 'node:net'
import { CodecError, FrameSplitter, peekCorrelationId } from '../protocol/index.ts'
import type { RequestScope } from '../observability/observability.ts'
import type { FilterContext, ResponseEdit, ResponseFilter } from './filters/types.ts'
import { responseBuffers } from './frame-buffers.ts'
import { rewriteResponse, type Chunks } from './response-path.ts'

export interface InFlight {
  correlationId: number
  apiKey: number
  apiVersion: number
  sentAt: number
  /** A response the gateway makes itself, sent when its turn comes. */
  local?: Buffer
  /** Edits the request filters asked for on this request's response. */
  onResponse?: ResponseEdit
  /** End the connection once this (local) response is sent. */
  closeAfter?: boolean
  /** The request's observation scope, and its size. */
  scope?: RequestScope
  bytesIn?: number
  /** The first topic a Produce or Fetch names (the client's name). */
  topic?: string
}

/** What the line needs of its connection. */
export interface ResponseLineHost {
  readonly client: Socket
  /** The broker connection now (it changes when the principal's identity does). */
  upstream(): Socket
  filters(apiKey: number): readonly ResponseFilter<unknown>[] | undefined
  readonly filterContext: FilterContext
  /** A broker response arrived for `entry` (its size, framing included). */
  answered(entry: InFlight, bytes: number): void
  /**
   * Writes to the client, holding the broker's reads while the client cannot take more;
   * `written` once the socket is done with `bytes`.
   */
  toClient(bytes: Uint8Array, written?: () => void): void
  /** Sends the gateway's last answer, then ends the connection. */
  endWith(answer: Buffer): void
  close(why: string, detail?: string): void
  /** Nothing is in flight any more: a moment to end an old connection. */
  betweenRequests(): void
}

export class ResponseLine {
  readonly #host: ResponseLineHost
  readonly #entries: InFlight[] = []
  /** Responses can be large (a fetch of many partitions): the backend is trusted to 1 GiB. */
  readonly #frames = new FrameSplitter(1024 * 1024 * 1024, responseBuffers.allocate)
  /** A response whose edit is under way; the frames after it wait in `#held`. */
  #editing: Promise<void> | undefined
  readonly #held: Buffer[] = []
  /** Called once no forwarded request waits for the backend's response. */
  #onUpstreamIdle: (() => void) | undefined
  #closed = false

  constructor(host: ResponseLineHost) {
    this.#host = host
  }

  /** Answers waiting, the broker's and the gateway's. */
  get pending(): number {
    return this.#entries.length
  }

  /** The oldest request still waiting for its answer. */
  get oldest(): InFlight | undefined {
    return this.#entries[0]
  }

  /** Whether an answer is being edited (the connection is not between requests). */
  get editing(): boolean {
    return this.#editing !== undefined
  }

  /** A forwarded request whose answer the broker will send. */
  expect(entry: InFlight): void {
    this.#entries.push(entry)
  }

  /** The gateway's own answer, sent as soon as everything before it was. */
  answer(entry: InFlight): void {
    this.#entries.push(entry)
    this.#flushLocal()
  }

  /** Resolves once the broker has answered everything it was sent. */
  upstreamIdle(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#entries.some((entry) => entry.local === undefined)) resolve()
      else this.#onUpstreamIdle = resolve
    })
  }

  /** Bytes from the broker; `lent`: only for the call (the socket reuses their buffer). */
  fromUpstream(chunk: Buffer, lent = false): void {
    let frames: Buffer[]
    try {
      frames = lent ? this.#frames.pushCopy(chunk) : this.#frames.push(chunk)
    } catch (err) {
      this.#host.close('backend protocol error', (err as Error).message)
      return
    }
    if (frames.length > 0) this.#inOrder(frames)
  }

  close(): void {
    this.#closed = true
    this.#frames.clear()
    this.#held.length = 0
  }

  /** Sends responses on, in order, until one's edit has to wait; the rest are held behind it. */
  #inOrder(frames: Buffer[]): void {
    if (this.#editing !== undefined) {
      this.#held.push(...frames)
      return
    }
    const client = this.#host.client
    client.cork()
    try {
      for (let i = 0; i < frames.length; i++) {
        if (!this.#response(frames[i] as Buffer)) return
        if (this.#editing !== undefined) {
          this.#held.push(...frames.slice(i + 1))
          return
        }
      }
    } finally {
      client.uncork()
    }
    // The moment a busy connection (a consumer always has a Fetch waiting) is between requests.
    if (this.#entries.length === 0) this.#host.betweenRequests()
  }

  /** Sends one backend response on; false when the connection had to close. */
  #response(payload: Buffer): boolean {
    const host = this.#host
    const entry = this.#entries[0]
    let correlationId: number
    try {
      correlationId = peekCorrelationId(payload)
    } catch (err) {
      host.close('backend protocol error', (err as Error).message)
      return false
    }
    if (entry === undefined || entry.local !== undefined || entry.correlationId !== correlationId) {
      host.close('backend protocol error', `unexpected response to correlation id ${correlationId}`)
      return false
    }
    this.#entries.shift()
    host.answered(entry, payload.length + 4)
    let rewritten: ReturnType<typeof rewriteResponse>
    try {
      rewritten = rewriteResponse(entry, payload, host.filters(entry.apiKey), host.filterContext)
    } catch (err) {
      if (!(err instanceof CodecError)) throw err
      // Versions are capped to what the codec reads, so this is a backend bug or corruption.
      host.close(
        'backend protocol error',
        `${err.message} (API ${entry.apiKey} v${entry.apiVersion})`
      )
      return false
    }
    if (rewritten instanceof Promise) {
      this.#holdFor(rewritten)
      return true
    }
    if (rewritten === undefined) {
      host.toClient(sizePrefix(payload.length))
      host.toClient(payload, giveBack(payload))
    } else {
      // The records went out as views of the payload: its buffer is free once they are written.
      this.#send(rewritten, giveBack(payload))
    }
    this.#afterResponse()
    return true
  }

  /** Holds every later response until `edited` is sent; the backend is not read meanwhile. */
  #holdFor(edited: Promise<Chunks>): void {
    const upstream = this.#host.upstream()
    upstream.pause()
    this.#editing = edited.then(
      (framed) => {
        if (this.#closed) return
        // One segment out of several writes, as #inOrder does. The payload's buffer is not
        // given back: an edit that waited (on a KMS, say) may have left work behind that still
        // reads views of it (a wrapped key being unwrapped for a later response).
        const client = this.#host.client
        client.cork()
        this.#send(framed)
        client.uncork()
        this.#editing = undefined
        this.#afterResponse()
        upstream.resume()
        this.#inOrder(this.#held.splice(0))
      },
      (err: unknown) => {
        this.#editing = undefined
        const reason = err instanceof CodecError ? 'backend protocol error' : 'response edit failed'
        this.#host.close(reason, (err as Error).message)
      }
    )
  }

  /** A rewritten response; `written` once the socket is done with all of it. */
  #send(chunks: Chunks, written?: () => void): void {
    const last = chunks.length - 1
    for (let i = 0; i < last; i++) this.#host.toClient(chunks[i] as Uint8Array)
    this.#host.toClient(chunks[last] as Uint8Array, written)
  }

  /** A response went out: the gateway's own answers behind it go too. */
  #afterResponse(): void {
    this.#flushLocal()
    if (this.#onUpstreamIdle && !this.#entries.some((e) => e.local === undefined)) {
      this.#onUpstreamIdle()
      this.#onUpstreamIdle = undefined
    }
  }

  /** Sends the gateway's own responses that reached the head of the line. */
  #flushLocal(): void {
    // Behind a response still being edited, nothing may overtake it.
    if (this.#editing !== undefined) return
    while (this.#entries[0]?.local !== undefined && !this.#closed) {
      const entry = this.#entries.shift() as InFlight
      if (entry.closeAfter) {
        // Answered, then ended: nothing after it is read or sent.
        this.#host.endWith(entry.local as Buffer)
        return
      }
      this.#host.toClient(entry.local as Buffer)
    }
  }
}

/** Once the socket wrote the last of a response, the buffer its payload was gathered in is free. */
function giveBack(payload: Buffer): (() => void) | undefined {
  return responseBuffers.lent(payload) ? () => responseBuffers.release(payload) : undefined
}

export function sizePrefix(length: number): Buffer {
  const prefix = Buffer.allocUnsafe(4)
  prefix.writeInt32BE(length, 0)
  return prefix
}
