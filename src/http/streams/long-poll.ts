// HTTP long-poll: `GET <stream>?cursor=…&max=…&wait=…` answers the records after the cursor (as
// soon as there is one, or empty after `wait`) and the cursor to send next. Opening a consumer
// per poll would cost a group join each time, so the session outlives the request: it waits on
// this node (`longPoll.keepMs`) for the poll that brings back the cursor it answered, reading
// ahead meanwhile within its buffer. Any other poll, on this node or another, opens a session
// from its cursor, so answers never depend on which node a poll reaches.
// At-least-once streams count a poll carrying a cursor as the acknowledgement of everything up
// to it: records of an answer that never arrived come again.
import type { ServerResponse } from 'node:http'
import { GatewayError } from '../../core/errors.ts'
import type { Principal } from '../../core/principal.ts'
import { isGap, type GapNotice } from '../../stream/delivery-queue.ts'
import type { StreamEndpoint } from '../../stream/endpoint.ts'
import { serializeRecord } from '../../stream/record-json.ts'
import type { StreamSession } from '../../stream/session.ts'
import type { Admission, StreamDoorDeps } from './admission.ts'

interface Parked {
  session: StreamSession
  timer: NodeJS.Timeout
}

export interface PollRequest {
  endpoint: StreamEndpoint
  admission: Admission
  query: URLSearchParams
  /** The cursor text as the client sent it (the parking key). */
  cursorText: string | null
  /** Resolves when the client gave up waiting (closed the connection). */
  aborted: Promise<void>
  /** The client is gone: nothing may be taken for it. */
  gone(): boolean
}

export class LongPollDoor {
  readonly #deps: StreamDoorDeps
  readonly #parked = new Map<string, Parked>()

  constructor(deps: StreamDoorDeps) {
    this.#deps = deps
  }

  async poll(request: PollRequest, response: ServerResponse): Promise<void> {
    const { endpoint, admission, query } = request
    const limits = endpoint.config.longPoll
    const max = bounded(query.get('max'), 'max', 1, limits.maxRecords, limits.maxRecords)
    const wait = bounded(query.get('wait'), 'wait', 0, limits.maxWaitMs, limits.maxWaitMs)
    const session =
      this.#resume(endpoint, admission, request.cursorText) ??
      (await this.#open(endpoint, admission))
    const ready = session.pending > 0 || session.ended !== undefined
    if (!ready && wait > 0) await waitFor(session, wait, request.aborted)
    if (request.gone()) {
      // Nothing taken: the cursor the client sent finds the session again (its own text: filtered
      // records may have moved the session's cursor on). A first poll has no cursor to come back
      // with, so its session ends.
      if (request.cursorText === null) void session.close()
      else if (session.ended === undefined) {
        const key = this.#key(endpoint, admission.principal, admission.topics, request.cursorText)
        this.#park(key, session)
      }
      return
    }

    const records: string[] = []
    const gaps: GapNotice[] = []
    for (let delivery = session.take(); delivery !== undefined;) {
      if (isGap(delivery)) gaps.push(delivery)
      else records.push(serializeRecord(delivery).json)
      if (records.length >= max) break
      delivery = session.take()
    }
    const cursor = session.cursorText
    const end = session.ended
    if (end === undefined) {
      this.#park(this.#key(endpoint, admission.principal, admission.topics, cursor), session)
    } else if (end.kind === 'failed' && records.length === 0 && gaps.length === 0) {
      throw end.error
    }
    const body = `{"cursor":${JSON.stringify(cursor)},"records":[${records.join(',')}]${
      gaps.length > 0 ? `,"gaps":${JSON.stringify(gaps)}` : ''
    }}`
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    })
    response.end(body)
  }

  /** Parked sessions waiting for their next poll. */
  get parked(): number {
    return this.#parked.size
  }

  /** Ends every parked session (shutdown). */
  close(): void {
    for (const [key, parked] of this.#parked) {
      clearTimeout(parked.timer)
      this.#parked.delete(key)
      void parked.session.close()
    }
  }

  #resume(endpoint: StreamEndpoint, admission: Admission, cursor: string | null) {
    if (cursor === null) return undefined
    const key = this.#key(endpoint, admission.principal, admission.topics, cursor)
    const parked = this.#parked.get(key)
    if (parked === undefined) return undefined
    this.#parked.delete(key)
    clearTimeout(parked.timer)
    if (parked.session.ended !== undefined) return undefined
    parked.session.ackTaken()
    return parked.session
  }

  async #open(endpoint: StreamEndpoint, admission: Admission): Promise<StreamSession> {
    const lease = await this.#deps.service.admit(endpoint, admission.principal, 'long-poll')
    try {
      return await this.#deps.service.open({
        endpoint,
        door: 'long-poll',
        principal: admission.principal,
        topics: admission.topics,
        start: admission.start,
        cursor: admission.cursor,
        ackOnTake: false,
        seedCursor: true,
        onEnd: () => lease.release(),
      })
    } catch (err) {
      lease.release()
      throw err
    }
  }

  #park(key: string, session: StreamSession): void {
    // Two polls with one cursor at once: the later answer's session waits, the other ends.
    const previous = this.#parked.get(key)
    if (previous !== undefined) {
      clearTimeout(previous.timer)
      void previous.session.close()
    }
    const timer = setTimeout(() => {
      if (this.#parked.get(key)?.session === session) this.#parked.delete(key)
      void session.close()
    }, session.endpoint.config.longPoll.keepMs)
    timer.unref()
    this.#parked.set(key, { session, timer })
  }

  #key(endpoint: StreamEndpoint, principal: Principal, topics: readonly string[], cursor: string) {
    return `${endpoint.name}\u0000${principal.name}\u0000${topics.join(',')}\u0000${cursor}`
  }
}

function waitFor(session: StreamSession, ms: number, aborted: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let waiting = true
    // Once only: a late abort (the connection closing after the answer) must not unhook the wake
    // of a later poll that resumed this session.
    const done = () => {
      if (!waiting) return
      waiting = false
      clearTimeout(timer)
      session.onWake(undefined)
      resolve()
    }
    const timer = setTimeout(done, ms)
    session.onWake(done)
    void aborted.then(done)
  })
}

function bounded(
  text: string | null,
  name: string,
  min: number,
  max: number,
  fallback: number
): number {
  if (text === null) return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < min) {
    throw new GatewayError('bad-request', `"${name}" must be an integer of at least ${min}`)
  }
  return Math.min(value, max)
}
