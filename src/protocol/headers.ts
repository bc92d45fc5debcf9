// Which header version frames a request or response. Flexible API versions use request header v2
// and response header v1 (both end in tagged fields); the others use v1 and v0. Two exceptions:
// ApiVersions responses always use response header v0, because a client must be able to read
// one before it knows which versions the broker speaks; and v0 of ControlledShutdown (an API
// Kafka 4 no longer serves) used request header v0, which has no client id.
import { apiByKey } from './generated/apis.ts'
import { CodecError } from './codec-error.ts'
import { isFlexible } from './api.ts'

export type { RequestHeader } from './generated/messages/request-header.ts'
export type { ResponseHeader } from './generated/messages/response-header.ts'

export const API_VERSIONS_KEY = 18
const CONTROLLED_SHUTDOWN_KEY = 7

/** The request header version for an API key and version. Keys the codec does not know get v1,
 * the common prefix of v1 and v2 (everything up to the client id). */
export function requestHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 | 2 {
  if (apiKey === CONTROLLED_SHUTDOWN_KEY && apiVersion === 0) return 0
  const api = apiByKey.get(apiKey)
  return api && isFlexible(api, apiVersion) ? 2 : 1
}

/** The response header version for an API key and version. */
export function responseHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 {
  if (apiKey === API_VERSIONS_KEY) return 0
  const api = apiByKey.get(apiKey)
  return api && isFlexible(api, apiVersion) ? 1 : 0
}

/** The fields every request header version starts with, read without knowing the API. */
export interface RequestPrefix {
  apiKey: number
  apiVersion: number
  correlationId: number
}

/** Reads the API key, version and correlation id at the start of a request payload (the bytes
 * after the size prefix). */
export function peekRequestHeader(payload: Buffer): RequestPrefix {
  if (payload.length < 8) throw new CodecError(`request of ${payload.length} bytes has no header`)
  return {
    apiKey: payload.readInt16BE(0),
    apiVersion: payload.readInt16BE(2),
    correlationId: payload.readInt32BE(4),
  }
}

/** Reads the correlation id at the start of a response payload. */
export function peekCorrelationId(payload: Buffer): number {
  if (payload.length < 4) throw new CodecError(`response of ${payload.length} bytes has no header`)
  return payload.readInt32BE(0)
}
