// Writing by reference: a message written with its larger bytes values referenced, not copied,
// is the same bytes as the message written whole, in every request, response and version, and
// the referenced values are the very buffers the message held.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CodecError } from '../../src/protocol/codec-error.ts'
import {
  encodeRequest,
  encodeRequestChunks,
  encodeResponse,
  encodeResponseChunks,
} from '../../src/protocol/codec.ts'
import { apis } from '../../src/protocol/generated/apis.ts'
import {
  defaultFetchableTopicResponse,
  defaultFetchResponse,
  defaultPartitionData,
  type FetchResponse,
} from '../../src/protocol/generated/messages/fetch-response.ts'
import {
  defaultPartitionProduceData,
  defaultTopicProduceData,
} from '../../src/protocol/generated/messages/produce-request.ts'
import { Writer } from '../../src/protocol/writer.ts'
import { MessageArbitraries } from './support/arbitraries.ts'
import { messageVersions } from './support/codecs.ts'

describe.each(messageVersions)('%s', (_label, codec, version) => {
  const messages = new MessageArbitraries(codec.schema, version).message()

  it('written as chunks is the bytes written whole', () => {
    fc.assert(
      fc.property(messages, fc.integer({ min: 0, max: 6 }), (message, referenceFrom) => {
        const whole = new Writer(16)
        codec.write(whole, version, message)
        // From 0 bytes on every bytes value is referenced, even the empty ones; inside a known
        // tagged field (its size measured on the writer's buffer) they are copied.
        const chunked = new Writer(16, referenceFrom)
        codec.write(chunked, version, message)
        expect(chunked.size).toBe(whole.offset)
        expect(Buffer.concat(chunked.finishChunks()).equals(whole.finish())).toBe(true)
      }),
      { numRuns: 25 }
    )
  })
})

function fetchResponse(records: Buffer[]): FetchResponse {
  return {
    ...defaultFetchResponse(),
    responses: [
      {
        ...defaultFetchableTopicResponse(),
        topic: 'orders',
        partitions: records.map((r, partitionIndex) => ({
          ...defaultPartitionData(),
          partitionIndex,
          records: r,
          highWatermark: 1000n,
        })),
      },
    ],
  }
}

describe('encodeResponseChunks', () => {
  const big = [Buffer.alloc(5000, 1), Buffer.alloc(3000, 2)]
  const small = Buffer.alloc(100, 3)

  it.each([4, 12, 13, 16, 17])(
    'gives a Fetch v%i response byte for byte, its large records by reference',
    (version) => {
      const body = fetchResponse([big[0]!, small, big[1]!])
      const header = { correlationId: 7 }
      const chunks = encodeResponseChunks(apis.fetch, version, header, body)
      const whole = encodeResponse(apis.fetch, version, header, body)
      expect(Buffer.concat(chunks).equals(whole)).toBe(true)
      expect(whole.readInt32BE(0)).toBe(whole.length - 4)
      // The very buffers, not copies; the small one is copied with the fields around it.
      expect(chunks.filter((c) => c === big[0] || c === big[1])).toHaveLength(2)
      expect(chunks).not.toContain(small)
    }
  )

  it('gives a Produce request byte for byte, its large records by reference', () => {
    const records = Buffer.alloc(4000, 9)
    const body = {
      ...apis.produce.defaultRequest(),
      topicData: [
        {
          ...defaultTopicProduceData(),
          name: 'orders',
          partitionData: [{ ...defaultPartitionProduceData(), records }],
        },
      ],
    }
    const header = { requestApiKey: 0, requestApiVersion: 9, correlationId: 5, clientId: 'c' }
    const chunks = encodeRequestChunks(apis.produce, header, body)
    expect(Buffer.concat(chunks).equals(encodeRequest(apis.produce, header, body))).toBe(true)
    expect(chunks).toContain(records)
  })

  it('refuses to give one buffer of what it wrote by reference', () => {
    const w = new Writer(16, 2)
    w.bytes(false, Buffer.from('abc'))
    expect(() => w.finish()).toThrow(new CodecError('bytes were written by reference'))
  })
})
