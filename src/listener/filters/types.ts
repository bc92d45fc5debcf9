// Filters see decoded messages of the API keys they name and return a decision; they never touch
// a socket. The proxy decodes a frame only when a filter asks for its API key, and re-encodes a
// response only when a filter changed it.
import type { BrokerMap } from '../broker-map.ts'

export interface FilterContext {
  brokers: BrokerMap
}

export interface ResponseFilter<Res> {
  apiKey: number
  /** The first version it has anything to do in (older responses are never decoded for it). */
  minVersion?: number
  /** Edits `body` in place; true when it changed (the response is then re-encoded). */
  onResponse(body: Res, version: number, context: FilterContext): boolean
}
