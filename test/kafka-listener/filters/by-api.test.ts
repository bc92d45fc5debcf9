// Filters written for one Kafka API by its name: the API key comes from the name, and the body
// types from the codec, so a filter or edit written for one API is refused for another.
import { describe, expect, it } from 'vitest'
import {
  isRequestOf,
  responseEdit,
  responseFilter,
} from '../../../src/kafka-listener/filters/by-api.ts'
import { apis, type FetchResponse, type ProduceResponse } from '../../../src/protocol/index.ts'

describe('filters by API name', () => {
  it('takes a response filter’s API key from the name, and its body type from the codec', () => {
    const filter = responseFilter('metadata', {
      minVersion: 2,
      onResponse: (body) => body.clusterId !== null,
    })
    expect(filter).toMatchObject({ apiKey: apis.metadata.key, minVersion: 2 })
    const body = apis.metadata.defaultResponse()
    body.clusterId = 'c'
    expect(filter.onResponse(body, 12, undefined as never)).toBe(true)
    // @ts-expect-error a Fetch response is not what Metadata answers
    responseFilter('metadata', { onResponse: (body: FetchResponse) => body.errorCode === 0 })
  })

  it('narrows a decoded request by the API key it was decoded for', () => {
    const body: unknown = apis.produce.defaultRequest()
    expect(isRequestOf('produce', apis.produce.key, body)).toBe(true)
    expect(isRequestOf('fetch', apis.produce.key, body)).toBe(false)
    if (isRequestOf('produce', apis.produce.key, body)) expect(body.topicData).toEqual([])
  })

  it('types the edit of an answer by the API of its request', () => {
    const seen: number[] = []
    const edit = responseEdit('produce', (response) => void seen.push(response.responses.length))
    edit(apis.produce.defaultResponse())
    expect(seen).toEqual([0])
    // @ts-expect-error a Produce answer is not a Fetch response
    responseEdit('produce', (response: FetchResponse) => void response.sessionId)
    responseEdit('produce', (response: ProduceResponse) => void response.throttleTimeMs)
  })
})
