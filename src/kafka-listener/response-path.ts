// A broker response on its way back: decoded only when a response filter wants its API and
// version, or when a request filter asked to edit the answer to its request; re-encoded only
// when something changed it, and then as chunks: the records of a Fetch response nobody edited
// (a namespace renames topics, not records) go out as views of the broker's frame, never copied.
import {
  apiByKey,
  decodeResponse,
  encodeResponseChunks,
  type ApiDefinition,
} from '../protocol/index.ts'
import type { FilterContext, ResponseEdit, ResponseFilter } from './filters/types.ts'

const API_VERSIONS = 18
const UNSUPPORTED_VERSION = 35

export interface AnsweredRequest {
  apiKey: number
  apiVersion: number
  /** The edit a request filter asked for on this answer. */
  onResponse?: ResponseEdit
}

/** A framed response as chunks, to write in order. */
export type Chunks = Uint8Array[]

/**
 * The framed response to send instead of `payload`, or undefined to send `payload` as it came;
 * a promise of it while the request's edit waits. Throws (or rejects with) CodecError when the
 * broker's bytes do not decode.
 */
export function rewriteResponse(
  request: AnsweredRequest,
  payload: Buffer,
  filters: readonly ResponseFilter<unknown>[] | undefined,
  context: FilterContext
): Chunks | undefined | Promise<Chunks> {
  const applicable = filters?.filter((f) => request.apiVersion >= (f.minVersion ?? 0)) ?? []
  if (applicable.length === 0 && request.onResponse === undefined) return undefined
  const api = apiByKey.get(request.apiKey) as ApiDefinition
  // A broker that refuses an ApiVersions version answers in v0, whatever was asked.
  const version =
    request.apiKey === API_VERSIONS &&
    payload.length >= 6 &&
    payload.readInt16BE(4) === UNSUPPORTED_VERSION
      ? 0
      : request.apiVersion
  const decoded = decodeResponse(api, version, payload)
  let changed = false
  for (const filter of applicable) {
    changed = filter.onResponse(decoded.body, version, context) || changed
  }
  if (request.onResponse !== undefined) {
    // What a request filter took out of the request goes back into its answer (client terms,
    // after the response filters).
    const edited = request.onResponse(decoded.body)
    if (edited instanceof Promise) {
      return edited.then(() => encodeResponseChunks(api, version, decoded.header, decoded.body))
    }
    changed = true
  }
  // encodeResponse frames it (size prefix included).
  return changed ? encodeResponseChunks(api, version, decoded.header, decoded.body) : undefined
}
