// Frames written by another implementation: kafkajs's own protocol encoders build a Produce
// request (gzip-compressed records with keys and headers) and a Metadata request, exactly as a
// kafkajs client sends them; Weir decodes them and writes the same bytes back. kafkajs's
// response decoder in turn reads a Metadata response that Weir wrote.
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { decodeRequest, encodeRequest, encodeResponse } from '../../src/protocol/codec.ts'
import { FrameSplitter } from '../../src/protocol/frames.ts'
import { apis } from '../../src/protocol/generated/apis.ts'
import type { ProduceRequest } from '../../src/protocol/generated/messages/produce-request.ts'
import { decodeRecordBatches } from '../../src/protocol/records/batch.ts'
import { Compression } from '../../src/protocol/records/compression.ts'

const require = createRequire(import.meta.url)

interface KafkaJsRequest {
  apiKey: number
  apiVersion: number
  encode(): Promise<unknown>
}
type BuildFrame = (args: {
  correlationId: number
  clientId: string
  request: KafkaJsRequest
}) => Promise<{ buffer: Buffer }>

const buildFrame = require('kafkajs/src/protocol/request') as BuildFrame
const produceV3 = require('kafkajs/src/protocol/requests/produce/v3/request') as (
  args: object
) => KafkaJsRequest
const metadataV5 = require('kafkajs/src/protocol/requests/metadata/v5/request') as (
  args: object
) => KafkaJsRequest
const metadataV5Response = require('kafkajs/src/protocol/requests/metadata/v5/response') as {
  decode(payload: Buffer): Promise<unknown>
}
const { Types } = require('kafkajs/src/protocol/message/compression') as {
  Types: { GZIP: number }
}

async function kafkajsFrame(request: KafkaJsRequest, correlationId: number): Promise<Buffer> {
  return (await buildFrame({ correlationId, clientId: 'kafkajs-client', request })).buffer
}

describe('frames kafkajs writes', () => {
  it('decodes a gzip Produce v3 request and re-encodes it byte for byte', async () => {
    const request = produceV3({
      acks: -1,
      timeout: 30_000,
      compression: Types.GZIP,
      topicData: [
        {
          topic: 'orders',
          partitions: [
            {
              partition: 2,
              messages: [
                { key: 'k1', value: 'first', timestamp: 1_700_000_000_000, headers: { h: 'v' } },
                { key: null, value: 'second', timestamp: 1_700_000_000_005 },
              ],
            },
          ],
        },
      ],
    })
    const bytes = await kafkajsFrame(request, 11)
    const [payload] = new FrameSplitter().push(bytes)
    const { api, header, body } = decodeRequest(payload!)
    expect(api).toBe(apis.produce)
    expect(header).toEqual({
      requestApiKey: 0,
      requestApiVersion: 3,
      correlationId: 11,
      clientId: 'kafkajs-client',
    })
    const produce = body as ProduceRequest
    expect(produce).toMatchObject({ transactionalId: null, acks: -1, timeoutMs: 30_000 })
    const topic = produce.topicData[0]!
    expect(topic.name).toBe('orders')
    expect(topic.partitionData[0]!.index).toBe(2)

    const [batch] = await decodeRecordBatches(topic.partitionData[0]!.records!)
    expect(batch!.attributes & 7).toBe(Compression.gzip)
    expect(batch!.baseTimestamp).toBe(1_700_000_000_000n)
    expect(batch!.maxTimestamp).toBe(1_700_000_000_005n)
    expect(batch!.lastOffsetDelta).toBe(1)
    expect(
      batch!.records.map((r) => ({
        key: r.key?.toString() ?? null,
        value: r.value?.toString(),
        timestampDelta: r.timestampDelta,
        offsetDelta: r.offsetDelta,
        headers: r.headers.map((h) => [h.key, h.value?.toString()]),
      }))
    ).toEqual([
      { key: 'k1', value: 'first', timestampDelta: 0n, offsetDelta: 0, headers: [['h', 'v']] },
      { key: null, value: 'second', timestampDelta: 5n, offsetDelta: 1, headers: [] },
    ])

    expect(encodeRequest(apis.produce, header, produce).equals(bytes)).toBe(true)
  })

  it('decodes a Metadata v5 request and re-encodes it byte for byte', async () => {
    const bytes = await kafkajsFrame(
      metadataV5({ topics: ['a', 'b'], allowAutoTopicCreation: false }),
      3
    )
    const { header, body } = decodeRequest(bytes.subarray(4))
    expect(body).toEqual({
      topics: [
        { topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'a' },
        { topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'b' },
      ],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    })
    expect(encodeRequest(apis.metadata, header, body as never).equals(bytes)).toBe(true)
  })
})

describe('frames kafkajs reads', () => {
  it('decodes a Metadata v5 response Weir wrote', async () => {
    const body = apis.metadata.defaultResponse()
    body.brokers = [{ nodeId: 1, host: 'weir.local', port: 9093, rack: null }]
    body.clusterId = 'cluster'
    body.controllerId = 1
    body.topics = [
      {
        errorCode: 0,
        name: 'orders',
        topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
        isInternal: false,
        partitions: [
          {
            errorCode: 0,
            partitionIndex: 0,
            leaderId: 1,
            leaderEpoch: -1,
            replicaNodes: [1],
            isrNodes: [1],
            offlineReplicas: [],
          },
        ],
        topicAuthorizedOperations: -2147483648,
      },
    ]
    const bytes = encodeResponse(apis.metadata, 5, { correlationId: 9 }, body)
    expect(bytes.readInt32BE(4)).toBe(9)
    expect(await metadataV5Response.decode(bytes.subarray(8))).toEqual({
      throttleTime: 0,
      brokers: [{ nodeId: 1, host: 'weir.local', port: 9093, rack: null }],
      clusterId: 'cluster',
      controllerId: 1,
      topicMetadata: [
        {
          topicErrorCode: 0,
          topic: 'orders',
          isInternal: false,
          partitionMetadata: [
            {
              partitionErrorCode: 0,
              partitionId: 0,
              leader: 1,
              replicas: [1],
              isr: [1],
              offlineReplicas: [],
            },
          ],
        },
      ],
    })
  })
})
