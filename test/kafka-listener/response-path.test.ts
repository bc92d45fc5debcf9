// A broker's Fetch response through a namespace: the topic names come back in the client's terms,
// and the records go out as views of the broker's frame, not copies in a new one.
import { describe, expect, it } from 'vitest'
import { BrokerMap } from '../../src/kafka-listener/broker-map.ts'
import { namespaceFilters } from '../../src/kafka-listener/filters/namespace.ts'
import type { FilterContext } from '../../src/kafka-listener/filters/types.ts'
import { rewriteResponse } from '../../src/kafka-listener/response-path.ts'
import { apis, decodeResponse, encodeResponse } from '../../src/protocol/index.ts'
import {
  defaultFetchableTopicResponse,
  defaultFetchResponse,
  defaultPartitionData,
} from '../../src/protocol/generated/messages/fetch-response.ts'

const FETCH = apis.fetch.key
const VERSION = 12

function brokerFrame(records: Buffer[]): Buffer {
  const body = {
    ...defaultFetchResponse(),
    responses: [
      {
        ...defaultFetchableTopicResponse(),
        topic: 'acme.orders',
        partitions: records.map((r, partitionIndex) => ({
          ...defaultPartitionData(),
          partitionIndex,
          records: r,
        })),
      },
    ],
  }
  return encodeResponse(apis.fetch, VERSION, { correlationId: 3 }, body)
}

describe('rewriteResponse of a Fetch through a namespace', () => {
  const filters = namespaceFilters({ prefix: 'acme.', hidePrefix: true }).responses.filter(
    (f) => f.apiKey === FETCH
  )
  const context: FilterContext = {
    brokers: new BrokerMap({ advertisedHost: 'weir.test', brokerPortBase: 29_092 }),
    state: { principal: undefined, scratch: new Map() },
  }

  it('renames the topic and sends the records as views of the broker frame', () => {
    const records = [Buffer.alloc(40_000, 1), Buffer.alloc(20_000, 2)]
    const payload = brokerFrame(records).subarray(4)
    const chunks = rewriteResponse(
      { apiKey: FETCH, apiVersion: VERSION },
      payload,
      filters,
      context
    )
    if (!Array.isArray(chunks)) throw new Error('expected the response re-encoded')
    const framed = Buffer.concat(chunks)
    expect(framed.readInt32BE(0)).toBe(framed.length - 4)
    const { body } = decodeResponse(apis.fetch, VERSION, framed.subarray(4))
    expect(body.responses[0]?.topic).toBe('orders')
    expect(body.responses[0]?.partitions.map((p) => p.records)).toEqual(records)
    // Each partition's records: one chunk of the broker's own memory, where it stood.
    const views = chunks.filter((c) => c.buffer === payload.buffer)
    expect(views.map((v) => v.length)).toEqual([40_000, 20_000])
    for (const view of views) {
      const at = view.byteOffset - payload.byteOffset
      expect(payload.subarray(at, at + view.length).equals(view)).toBe(true)
    }
  })
})
