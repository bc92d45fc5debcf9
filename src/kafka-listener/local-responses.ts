// Responses the gateway makes itself instead of the broker.
import { apis, encodeResponse } from '../protocol/index.ts'

const UNSUPPORTED_VERSION = 35

/**
 * The broker's answer to an ApiVersions request of a version it does not know: UNSUPPORTED_VERSION
 * in v0, listing the ApiVersions versions it does know, so the client retries with one of them.
 */
export function unsupportedApiVersionsResponse(correlationId: number): Buffer {
  const api = apis.apiVersions
  const body = api.defaultResponse()
  body.errorCode = UNSUPPORTED_VERSION
  body.apiKeys = [{ apiKey: api.key, minVersion: api.minVersion, maxVersion: api.maxVersion }]
  return encodeResponse(api, 0, { correlationId }, body)
}
