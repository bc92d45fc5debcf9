// One Kafka client connection and its connection to the backend broker it stands for. Requests
// are forwarded as they came (the bytes are not decoded unless a filter needs them); responses
// are matched to requests by correlation id, in order, as Kafka answers on one connection, and
// rewritten only where a filter changed something. Anything malformed ends this connection, and
// nothing else: the client reconnects, the other connections carry on.
import type { Socket } from 'node:net'
import {
  apiByKey,
  CodecError,
  decodeRequest,
  encodeRequestChunks,
  encodeResponse,
  FrameSplitter,
  peekRequestHeader,
} from '../protocol/index.ts'
import type { Principal } from '../core/principal.ts'
import type { Logger } from '../observability/logger.ts'
import type { Observability } from '../observability/observability.ts'
import { kafkaRequestTopic } from '../observability/kafka-topic.ts'
import { firstErrorCode, kafkaReason } from '../observability/observer.ts'
import type { BrokerMap } from './broker-map.ts'
import type {
  ConnectionState,
  FilterContext,
  RequestDecision,
  RequestFilter,
  ResponseFilter,
} from './filters/types.ts'
import { unsupportedApiVersionsResponse } from './local-responses.ts'
import { ResponseLine, sizePrefix, type InFlight } from './response-line.ts'
import { PreAuthGuard, type PreAuthLimits } from './pre-auth.ts'
import { expectsResponse } from './produce-acks.ts'
import { runRequestFilters } from './request-pipeline.ts'
import { lentReads } from './upstream.ts'
import { undecodable } from './version-caps.ts'

const API_VERSIONS = 18

export interface ProxySettings {
  maxFrameBytes: number
  /** Longest a request may wait for its response before the connection is closed. */
  requestTimeoutMs: number
  /** A client connection with no traffic for this long is closed. */
  idleTimeoutMs: number
  /** Connections older than this (jittered) close between requests; unset: never. */
  maxConnectionAgeMs?: number
}

export interface ProxyContext {
  brokers: BrokerMap
  /** Response filters by API key, in order. */
  filters: ReadonlyMap<number, readonly ResponseFilter<unknown>[]>
  /** Request filters, in order (each says which requests it wants). */
  requestFilters?: readonly RequestFilter[]
  /** The connection's starting state (its principal when no authentication applies). */
  initialState?: (principal?: Principal) => ConnectionState
  settings: ProxySettings
  logger: Logger
  onClose(connection: ProxyConnection): void
  /** The limits on a connection until it authenticated; none where nobody authenticates. */
  preAuth?: PreAuthLimits
  /** Where requests are observed (spans, metrics, access log). */
  observed?: { observability: Observability; listener: string; virtualCluster: string }
}

export class ProxyConnection {
  readonly #client: Socket
  #upstream: Socket
  /**
   * Once the client authenticated: a broker connection logged in as its principal's backend
   * identity, or undefined when the one it has already is right. Asked once.
   */
  #switchUpstream: ((principal: Principal) => Promise<Socket> | undefined) | undefined
  readonly #context: ProxyContext
  readonly #requests: FrameSplitter
  /** Answers in the order requests came: the broker's responses and the gateway's own. */
  readonly #line: ResponseLine
  readonly #logger: Logger
  readonly #filterContext: FilterContext
  /** Requests split from the stream, waiting their turn while an asynchronous filter runs. */
  readonly #queue: Buffer[] = []
  #waiting = false
  #closed = false
  /** When the connection has lived long enough (`maxConnectionAgeMs`, jittered), or never. */
  readonly #expiresAt: number
  /** Ending for age: what the client still sends is not forwarded. */
  #expiring = false
  /** Until the client authenticated: its smaller frame limit, share of memory and deadline. */
  #preAuth: PreAuthGuard | undefined

  /** `principal`: who the client is before any request (a verified client certificate). */
  constructor(
    client: Socket,
    upstream: Socket,
    context: ProxyContext,
    principal?: Principal,
    switchUpstream?: (principal: Principal) => Promise<Socket> | undefined
  ) {
    this.#client = client
    this.#upstream = upstream
    this.#switchUpstream = switchUpstream
    this.#context = context
    this.#filterContext = {
      brokers: context.brokers,
      state: context.initialState?.(principal) ?? { principal, scratch: new Map() },
    }
    this.#requests = new FrameSplitter(context.settings.maxFrameBytes)
    this.#expiresAt = expiryOf(context.settings.maxConnectionAgeMs, Date.now())
    const preAuth = context.preAuth
    if (preAuth !== undefined && !preAuth.authenticated(this.#filterContext.state)) {
      this.#preAuth = new PreAuthGuard(preAuth, Date.now())
      this.#requests.maxFrameBytes = Math.min(preAuth.maxFrameBytes, this.#requests.maxFrameBytes)
    }
    this.#logger = context.logger.child({
      client: `${client.remoteAddress}:${client.remotePort}`,
    })
    context.observed?.observability.metrics.connectionOpened('kafka')
    client.setNoDelay(true)
    client.setTimeout(context.settings.idleTimeoutMs, () =>
      this.close('idle', `no traffic for ${context.settings.idleTimeoutMs} ms`)
    )
    client.on('data', (chunk: Buffer) => this.#fromClient(chunk))
    client.on('error', (err) => this.close('client error', err.message))
    client.on('close', () => this.close('client closed'))
    this.#line = new ResponseLine({
      client,
      upstream: () => this.#upstream,
      filters: (apiKey) => context.filters.get(apiKey),
      filterContext: this.#filterContext,
      answered: (entry, bytes) => {
        if (entry.scope !== undefined) this.#observe(entry, bytes, undefined, true)
      },
      toClient: (bytes, written) => send(this.#client, this.#upstream, bytes, written),
      endWith: (answer) => {
        this.#queue.length = 0
        this.#client.end(answer, () => this.close('refused after answering'))
        this.#upstream.destroy()
      },
      close: (why, detail) => this.close(why, detail),
      betweenRequests: () => this.#expireIfIdle(Date.now()),
    })
    this.#attach(upstream)
  }

  #attach(upstream: Socket): void {
    upstream.setNoDelay(true)
    const reads = lentReads(upstream)
    if (reads !== undefined) reads.deliver = (bytes) => this.#line.fromUpstream(bytes, true)
    else upstream.on('data', (chunk: Buffer) => this.#line.fromUpstream(chunk))
    upstream.on('error', (err) => this.close('backend error', err.message))
    upstream.on('close', () => this.close('backend closed'))
  }

  /**
   * Before the first request after authentication: moves to a broker connection logged in as
   * the principal's backend identity (a broker never lets a connection change principal), once
   * the old one has answered what it was sent. Undefined when there is nothing to do.
   */
  #identitySwitch(): Promise<void> | undefined {
    const switchUpstream = this.#switchUpstream
    const principal = this.#filterContext.state.principal
    if (switchUpstream === undefined || principal === undefined) return undefined
    this.#switchUpstream = undefined
    const opening = switchUpstream(principal)
    if (opening === undefined) return undefined
    const idle = this.#line.upstreamIdle()
    return Promise.all([opening, idle]).then(
      ([upstream]) => {
        if (this.#closed) {
          upstream.destroy()
          return
        }
        const old = this.#upstream
        for (const event of ['data', 'close', 'error']) old.removeAllListeners(event)
        const oldReads = lentReads(old)
        if (oldReads !== undefined) oldReads.deliver = undefined
        old.on('error', () => undefined)
        old.destroy()
        this.#upstream = upstream
        this.#attach(upstream)
      },
      (err: unknown) => this.close('backend login failed', (err as Error).message)
    )
  }

  /** Requests waiting for a response (for the listener's timeout sweep and stats). */
  get pending(): number {
    return this.#line.pending
  }

  /**
   * Closes the connection if its oldest request has waited past the request timeout, or when it
   * has lived past its age and no request is in flight.
   */
  checkTimeout(now: number): void {
    this.#expireIfIdle(now)
    const refusal = this.#stillUnauthenticated()?.expired(now)
    if (refusal !== undefined) {
      this.close(refusal.why, refusal.detail)
      return
    }
    const oldest = this.#line.oldest
    if (oldest !== undefined && now - oldest.sentAt > this.#context.settings.requestTimeoutMs) {
      const name = apiByKey.get(oldest.apiKey)?.name ?? `API ${oldest.apiKey}`
      this.close(
        'request timeout',
        `${name} got no response in ${this.#context.settings.requestTimeoutMs} ms`
      )
    }
  }

  /**
   * Past its age, a connection with nothing in flight ends (its answers sent first): the client
   * reconnects, through the load balancer, to whichever node it picks. A request that crosses the
   * close on the wire was never forwarded, so the client's retry cannot apply it twice.
   */
  #expireIfIdle(now: number): void {
    if (this.#expiring || this.#closed || now < this.#expiresAt) return
    if (this.#line.pending > 0 || this.#line.editing) return
    if (this.#queue.length > 0 || this.#waiting) return
    if (this.#requests.buffered > 0) return
    this.#expiring = true
    const age = this.#context.settings.maxConnectionAgeMs
    this.#client.end(() => this.close('expired', `older than maxConnectionAgeMs ${age} ms`))
  }

  close(why: string, detail?: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#context.observed?.observability.metrics.connectionClosed('kafka')
    // A client that left mid-request (or a peer that never spoke Kafka) is worth a warning even
    // when it closed the connection itself.
    const partial = this.#requests.buffered
    const quiet = (why === 'client closed' || why === 'idle' || why === 'expired') && partial === 0
    this.#logger[quiet ? 'debug' : 'warn'](
      {
        why,
        detail,
        pending: this.#line.pending,
        ...(partial > 0 && { partialRequestBytes: partial }),
      },
      'kafka connection closed'
    )
    this.#client.destroy()
    this.#upstream.destroy()
    for (const onClose of this.#filterContext.state.onClose ?? []) onClose()
    // Nothing this connection read stays referenced, whoever still holds the object.
    this.#preAuth?.release()
    this.#preAuth = undefined
    this.#requests.clear()
    this.#line.close()
    this.#queue.length = 0
    this.#context.onClose(this)
  }

  /** The principal and whatever else this connection established. */
  get state(): ConnectionState {
    return this.#filterContext.state
  }

  #fromClient(chunk: Buffer): void {
    if (this.#expiring) return
    const preAuth = this.#stillUnauthenticated()
    let frames: Buffer[]
    try {
      frames = this.#requests.push(chunk)
    } catch (err) {
      if (preAuth !== undefined && err instanceof CodecError) {
        // As Kafka's InvalidReceiveException before SASL completes: closed on the size prefix.
        this.close('malformed request', `${err.message}, the limit before authentication`)
        return
      }
      this.#malformed(err)
      return
    }
    const refusal = preAuth?.hold(this.#requests.buffered)
    if (refusal !== undefined) {
      this.close(refusal.why, refusal.detail)
      return
    }
    for (const frame of frames) this.#queue.push(frame)
    this.#drain()
  }

  /** The pre-authentication guard while it applies; lifts it once the client authenticated. */
  #stillUnauthenticated(): PreAuthGuard | undefined {
    const guard = this.#preAuth
    if (guard === undefined || !guard.authenticated(this.#filterContext.state)) return guard
    guard.release()
    this.#preAuth = undefined
    this.#requests.maxFrameBytes = this.#context.settings.maxFrameBytes
    return undefined
  }

  /** Handles queued requests in order; stops at one whose filters are still deciding. */
  #drain(): void {
    if (this.#waiting) return
    this.#upstream.cork()
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const switching = this.#identitySwitch()
        if (switching !== undefined) {
          this.#wait(switching)
          return
        }
        const outcome = this.#request(this.#queue.shift() as Buffer)
        if (outcome !== undefined) {
          this.#wait(outcome)
          return
        }
      }
    } catch (err) {
      this.#malformed(err)
    } finally {
      this.#upstream.uncork()
    }
  }

  /** Holds the queue (and the client's reads) until an asynchronous filter decided. */
  #wait(outcome: Promise<void>): void {
    this.#waiting = true
    this.#client.pause()
    outcome.then(
      () => {
        this.#waiting = false
        if (this.#closed) return
        this.#client.resume()
        this.#drain()
      },
      (err: unknown) => {
        this.#waiting = false
        if (err instanceof CodecError) this.#malformed(err)
        else {
          this.#logger.error({ err }, 'a request filter failed')
          this.close('filter error', (err as Error).message)
        }
      }
    )
  }

  /** Forwards, answers or refuses one request; a promise while a filter is deciding. */
  #request(payload: Buffer): Promise<void> | undefined {
    const { apiKey, apiVersion, correlationId } = peekRequestHeader(payload)
    const api = apiByKey.get(apiKey)
    const entry: InFlight = { correlationId, apiKey, apiVersion, sentAt: Date.now() }
    if (apiKey === API_VERSIONS && (api === undefined || apiVersion > api.maxVersion)) {
      // As a broker does: answer in v0 with the versions it speaks, and the client retries.
      entry.local = unsupportedApiVersionsResponse(correlationId)
      this.#line.answer(entry)
      return undefined
    }
    if (api === undefined) throw new CodecError(`unknown API key ${apiKey}`)
    const observed = this.#context.observed
    if (observed !== undefined) {
      entry.scope = observed.observability.request('kafka', api.name, {
        'weir.listener': observed.listener,
        'weir.kafka.api': api.name,
        'weir.kafka.api_version': apiVersion,
      })
      entry.bytesIn = payload.length + 4
      entry.topic = kafkaRequestTopic(payload, apiKey, apiVersion)
    }
    // Produce below the codec's range (v0-v2) still passes: only its acks are read (see
    // version-caps). Negative versions are no version at all.
    const known =
      apiVersion >= api.minVersion || (undecodable(apiKey, apiVersion) && apiVersion >= 0)
    if (!known || apiVersion > api.maxVersion) {
      throw new CodecError(`${api.name} v${apiVersion} is not supported`)
    }
    const responds = expectsResponse(payload, apiKey, apiVersion)
    const filters = this.#context.requestFilters ?? []
    const state = this.#filterContext.state
    if (!filters.some((f) => f.wants(apiKey, apiVersion, state))) {
      this.#forward(entry, responds, payload)
      return undefined
    }
    const decoded = decodeRequest(payload)
    const decision = runRequestFilters(filters, decoded.body, decoded.header, this.#filterContext)
    const apply = (d: RequestDecision): void => {
      if (this.#closed) return
      if (d.kind === 'close') {
        // A connection closed before authentication is an authentication refusal.
        this.#observe(entry, 0, { reason: state.principal === undefined ? 'auth' : 'request' })
        this.close('refused', d.reason)
        return
      }
      if (d.kind === 'respond') {
        const code = firstErrorCode(d.body)
        // acks=0 has no way to carry an error: a broker closes the connection instead.
        if (!responds) {
          this.#observe(entry, 0, { code, reason: code === 0 ? 'request' : kafkaReason(code) })
          this.close('refused', `${api.name} with acks=0 refused`)
          return
        }
        entry.local = encodeResponse(api, apiVersion, { correlationId }, d.body)
        entry.closeAfter = d.closeAfter
        this.#observe(
          entry,
          entry.local.length,
          code === 0 ? undefined : { code, reason: kafkaReason(code) }
        )
        this.#line.answer(entry)
        return
      }
      entry.onResponse = d.onResponse
      // Framed (size prefix included), the records referenced, not copied.
      const bytes = d.changed ? encodeRequestChunks(api, decoded.header, decoded.body) : undefined
      this.#forward(entry, responds, payload, bytes)
    }
    if (decision instanceof Promise) return decision.then(apply)
    apply(decision)
    return undefined
  }

  #forward(entry: InFlight, responds: boolean, payload: Buffer, framed?: Uint8Array[]): void {
    if (responds) this.#line.expect(entry)
    else this.#observe(entry, 0)
    if (framed !== undefined) {
      for (const chunk of framed) send(this.#upstream, this.#client, chunk)
      return
    }
    send(this.#upstream, this.#client, sizePrefix(payload.length))
    send(this.#upstream, this.#client, payload)
  }

  /** Finishes the request's observation (refused with a Kafka error code, or not). */
  #observe(
    entry: InFlight,
    bytesOut: number,
    refused?: { code?: number; reason: ReturnType<typeof kafkaReason> },
    fromBackend = false
  ): void {
    const scope = entry.scope
    const observed = this.#context.observed
    if (scope === undefined || observed === undefined) return
    entry.scope = undefined
    scope.finish({
      listener: observed.listener,
      virtualCluster: observed.virtualCluster,
      route: apiByKey.get(entry.apiKey)?.name,
      topic: entry.topic,
      principal: this.#filterContext.state.principal?.name,
      outcome: refused === undefined ? 'accepted' : 'rejected',
      reason: refused?.reason,
      status: refused?.code ?? 0,
      bytesIn: entry.bytesIn ?? 0,
      bytesOut,
      backendMs: fromBackend ? Date.now() - entry.sentAt : undefined,
      client: this.#client.remoteAddress,
    })
  }

  #malformed(err: unknown): void {
    if (!(err instanceof CodecError)) throw err
    this.close('malformed request', err.message)
  }
}

/**
 * Writes to one side; when it cannot take more, stops reading the other until it drains, so a
 * slow client never makes the gateway buffer a fast broker's responses (or the other way).
 */
function send(to: Socket, from: Socket, bytes: Uint8Array, written?: () => void): void {
  if (to.write(bytes, written) || from.isPaused()) return
  from.pause()
  to.once('drain', () => from.resume())
}

/** When a connection opened at `now` expires: `ageMs` ± 10 %, so connections do not all go at once. */
export function expiryOf(ageMs: number | undefined, now: number, random = Math.random): number {
  if (ageMs === undefined) return Number.POSITIVE_INFINITY
  return now + ageMs * (0.9 + 0.2 * random())
}
