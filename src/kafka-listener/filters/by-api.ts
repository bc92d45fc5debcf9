// Filters and rules written for one Kafka API, named by the codec's name for it, and typed by that
// API's request and response in the codec: a response filter for Metadata takes a
// MetadataResponse, and an ACL rule written for Produce is refused for Fetch by the compiler. The
// types are erased in one place, where the API key is attached from the same name, so a body a
// filter is handed is always the one its API key decodes to.
import { apis, type ApiName } from '../../protocol/index.ts'
import type { FilterContext, ResponseEdit, ResponseFilter } from './types.ts'

/** The codec's request body of API `N`. */
export type RequestOf<N extends ApiName> = ReturnType<(typeof apis)[N]['defaultRequest']>
/** The codec's response body of API `N`. */
export type ResponseOf<N extends ApiName> = ReturnType<(typeof apis)[N]['defaultResponse']>

/** The API key of the API the codec calls `name`. */
export function apiKey(name: ApiName): number {
  return apis[name].key
}

export interface TypedResponseFilter<Res> {
  /** The first version it has anything to do in (older responses are never decoded for it). */
  minVersion?: number
  /** Edits `body` in place; true when it changed (the response is then re-encoded). */
  onResponse(body: Res, version: number, context: FilterContext): boolean
}

/** A response filter of API `name`, its body typed as that API's response. */
export function responseFilter<N extends ApiName>(
  name: N,
  filter: TypedResponseFilter<ResponseOf<N>>
): ResponseFilter {
  const onResponse = filter.onResponse.bind(filter) as ResponseFilter['onResponse']
  return filter.minVersion === undefined
    ? { apiKey: apiKey(name), onResponse }
    : { apiKey: apiKey(name), minVersion: filter.minVersion, onResponse }
}

/**
 * Whether `body`, decoded for a request of API key `key`, is a request of API `name`: for filters
 * that want several APIs, narrowing the body by the key it was decoded for.
 */
export function isRequestOf<N extends ApiName>(
  name: N,
  key: number,
  body: unknown
): body is RequestOf<N> {
  return body !== undefined && key === apiKey(name)
}

/**
 * An edit of the answer to a request of API `name` (a forward decision's `onResponse`), its body
 * typed as that API's response: the answer to a request is always of the request's API.
 */
export function responseEdit<N extends ApiName>(
  _name: N,
  edit: (response: ResponseOf<N>) => void | Promise<void>
): ResponseEdit {
  return edit as ResponseEdit
}
