import { describe, expect, it } from 'vitest'
import { unsupportedApiVersionsResponse } from '../../src/kafka-listener/local-responses.ts'
import { apis, decodeResponse, FrameSplitter } from '../../src/protocol/index.ts'

describe('unsupportedApiVersionsResponse', () => {
  it('is one v0 ApiVersions frame: UNSUPPORTED_VERSION and the versions the gateway reads', () => {
    const frames = new FrameSplitter().push(unsupportedApiVersionsResponse(1234))
    expect(frames).toHaveLength(1)
    const { header, body } = decodeResponse(apis.apiVersions, 0, frames[0]!)
    expect(header.correlationId).toBe(1234)
    expect(body.errorCode).toBe(35)
    expect(body.apiKeys).toEqual([
      {
        apiKey: 18,
        minVersion: apis.apiVersions.minVersion,
        maxVersion: apis.apiVersions.maxVersion,
      },
    ])
  })
})
