// Filters see decoded messages of the API keys they name and return decisions; they never touch
// a socket. The proxy decodes a frame only when a filter asks for its API key (and version), and
// re-encodes it only when a filter changed it. Request filters may be asynchronous (a token to
// verify, a schema to fetch): the connection keeps requests in order while one waits.
import type { Principal } from '../../core/principal.ts'
import type { RequestHeader } from '../../protocol/index.ts'
import type { BrokerMap } from '../broker-map.ts'

/** What one client connection has established so far. */
export interface ConnectionState {
  /** Who the client is, once authenticated (or anonymous where no authentication applies). */
  principal: Principal | undefined
  /** The SASL mechanism chosen by SaslHandshake, until authentication completes. */
  saslMechanism?: string
  /** Per-filter state that lives as long as the connection (keyed by the filter). */
  readonly scratch: Map<object, unknown>
  /** Called once when the connection ends (a connection limit's slot given back). */
  onClose?: (() => void)[]
}

export interface FilterContext {
  brokers: BrokerMap
  state: ConnectionState
}

/**
 * A filter of one API's responses. Written through `responseFilter` (by-api.ts), which types
 * `body` by the API's name; the chain holds them untyped, keyed by API.
 */
export interface ResponseFilter<Res = unknown> {
  apiKey: number
  /** The first version it has anything to do in (older responses are never decoded for it). */
  minVersion?: number
  /** Edits `body` in place; true when it changed (the response is then re-encoded). */
  onResponse(body: Res, version: number, context: FilterContext): boolean
}

/** An edit of the broker's answer to one request, in place. */
export type ResponseEdit = (body: unknown) => void | Promise<void>

export type RequestDecision =
  /**
   * Send it on; `changed` when the body was edited in place. `onResponse` edits the broker's
   * answer to this very request (merging in what a filter took out of the request, say); an edit
   * that must wait (for a key, say) returns a promise, and later answers wait behind it.
   */
  | { kind: 'forward'; changed: boolean; onResponse?: ResponseEdit }
  /**
   * Answer it here with this response body (the request's API and version); never sent on.
   * `closeAfter`: end the connection once it is sent (a failed authentication).
   */
  | { kind: 'respond'; body: unknown; closeAfter?: boolean }
  /** End the connection, as a broker does for a request it will not serve. */
  | { kind: 'close'; reason: string }

export const forward: RequestDecision = { kind: 'forward', changed: false }

export interface RequestFilter<Req = unknown> {
  /**
   * Whether it must see this request decoded. Asked for every request before any decoding, so
   * it must be cheap: an authentication gate wants everything only until the client is in.
   */
  wants(apiKey: number, apiVersion: number, state: ConnectionState): boolean
  onRequest(
    body: Req,
    header: RequestHeader,
    context: FilterContext
  ): RequestDecision | Promise<RequestDecision>
}
