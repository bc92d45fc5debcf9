// The data path: Metadata, Produce, Fetch, ListOffsets and OffsetForLeaderEpoch, by name and by
// topic id; names outside the namespace; unsafe APIs; and the cost of a big Produce.
import { describe, expect, it } from 'vitest'
import { rewriteRequest, rewriteResponse } from '../../../src/kafka-listener/namespace/index.ts'
import type {
  FetchRequest,
  FetchResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  MetadataRequest,
  MetadataResponse,
  OffsetForLeaderEpochResponse,
  ProduceRequest,
  ProduceResponse,
} from '../../../src/protocol/index.ts'
import { acme, acmeVisible, decode, encode, request, response } from './messages.ts'

const ID_A = 'AAAAAAAAAAAAAAAAAAAAAQ'
const ID_B = 'AAAAAAAAAAAAAAAAAAAAAg'
const ID_C = 'AAAAAAAAAAAAAAAAAAAAAw'

describe('Metadata', () => {
  it('prefixes the topics asked for, and leaves "all topics" (null) alone', () => {
    const body = request<MetadataRequest>(3, 12, {
      topics: [{ name: 'orders' }, { name: 'ref.fx' }],
    })
    expect(rewriteRequest(3, 12, body, acme)).toEqual({ changed: true, outside: [] })
    expect(body.topics?.map((t) => t.name)).toEqual(['acme.orders', 'ref.fx'])
    expect(() => encode('request', 3, 12, body)).not.toThrow()

    const all = request<MetadataRequest>(3, 12, { topics: null })
    expect(rewriteRequest(3, 12, all, acme)).toEqual({ changed: false, outside: [] })
  })

  it('asks by topic id as it is (v10+ names may be null)', () => {
    const body = request<MetadataRequest>(3, 12, { topics: [{ name: null, topicId: ID_A }] })
    expect(rewriteRequest(3, 12, body, acme).changed).toBe(false)
    expect(body.topics?.[0]).toMatchObject({ name: null, topicId: ID_A })
  })

  it("strips the prefix, drops other tenants' and internal topics, and keeps topic ids", () => {
    const body = response<MetadataResponse>(3, 12, {
      brokers: [{ nodeId: 1, host: 'b1', port: 9092 }],
      topics: [
        { name: 'acme.orders', topicId: ID_A, partitions: [{ partitionIndex: 0 }] },
        { name: 'globex.orders', topicId: ID_B },
        { name: '__consumer_offsets', topicId: ID_C, isInternal: true },
        { name: 'ref.fx', topicId: ID_C },
        { name: 'acme.ref.fx' },
        { name: 'legacy' },
      ],
    })
    expect(rewriteResponse(3, 12, body, acme)).toBe(true)
    expect(body.topics.map((t) => [t.name, t.topicId])).toEqual([
      ['orders', ID_A],
      ['ref.fx', ID_C],
    ])
    expect(body.topics[0]?.partitions).toHaveLength(1)
    expect(body.brokers).toHaveLength(1)
    const again = decode('response', 3, 12, encode('response', 3, 12, body)) as MetadataResponse
    expect(again.topics.map((t) => t.name)).toEqual(['orders', 'ref.fx'])
  })

  it('round-trips names through request and response, at every version', () => {
    for (let v = 0; v <= 13; v++) {
      const req = request<MetadataRequest>(3, v, { topics: [{ name: 'orders' }] })
      rewriteRequest(3, v, req, acme)
      const asked = req.topics?.[0]?.name as string
      const res = response<MetadataResponse>(3, v, {
        topics: [{ name: asked }, { name: 'globex.x' }],
      })
      rewriteResponse(3, v, res, acme)
      expect(res.topics.map((t) => t.name)).toEqual(['orders'])
    }
  })

  it('reports nothing and changes nothing when every topic is visible already', () => {
    const body = response<MetadataResponse>(3, 12, { topics: [{ name: 'ref.fx' }] })
    expect(rewriteResponse(3, 12, body, acme)).toBe(false)
  })
})

describe('names outside the namespace (hidePrefix off)', () => {
  it('reports them, so the caller denies the request', () => {
    const body = request<MetadataRequest>(3, 12, {
      topics: [{ name: 'acme.orders' }, { name: 'globex.orders' }, { name: 'ref.fx' }],
    })
    expect(rewriteRequest(3, 12, body, acmeVisible)).toEqual({
      changed: false,
      outside: [{ kind: 'topicName', name: 'globex.orders' }],
    })
  })

  it('keeps prefixed names as they are and still filters responses', () => {
    const body = response<MetadataResponse>(3, 12, {
      topics: [{ name: 'acme.orders' }, { name: 'globex.orders' }, { name: 'ref.fx' }],
    })
    expect(rewriteResponse(3, 12, body, acmeVisible)).toBe(true)
    expect(body.topics.map((t) => t.name)).toEqual(['acme.orders', 'ref.fx'])
  })

  it('reports the transactional id of a Produce as well as its topics', () => {
    const body = request<ProduceRequest>(0, 11, {
      transactionalId: 'globex.tx',
      topicData: [{ name: 'globex.t', partitionData: [] }],
    })
    expect(rewriteRequest(0, 11, body, acmeVisible).outside).toEqual([
      { kind: 'transactionalId', name: 'globex.tx' },
      { kind: 'topicName', name: 'globex.t' },
    ])
  })
})

describe('Produce', () => {
  it('prefixes the transactional id and topic names, and strips them in the response', () => {
    const body = request<ProduceRequest>(0, 12, {
      transactionalId: 'tx-1',
      acks: -1,
      topicData: [{ name: 'orders', partitionData: [{ index: 0, records: Buffer.from('rec') }] }],
    })
    expect(rewriteRequest(0, 12, body, acme).changed).toBe(true)
    expect(body.transactionalId).toBe('acme.tx-1')
    expect(body.topicData[0]?.name).toBe('acme.orders')

    const res = response<ProduceResponse>(0, 12, {
      responses: [{ name: 'acme.orders', partitionResponses: [{ index: 0 }] }],
    })
    expect(rewriteResponse(0, 12, res, acme)).toBe(true)
    expect(res.responses[0]?.name).toBe('orders')
  })

  it('leaves a non-transactional Produce v13 (topic ids only) untouched', () => {
    const body = request<ProduceRequest>(0, 13, {
      transactionalId: null,
      topicData: [{ topicId: ID_A, partitionData: [{ index: 0, records: Buffer.from('x') }] }],
    })
    expect(rewriteRequest(0, 13, body, acme)).toEqual({ changed: false, outside: [] })
    const res = response<ProduceResponse>(0, 13, { responses: [{ topicId: ID_A }] })
    expect(rewriteResponse(0, 13, res, acme)).toBe(false)
  })

  it('rewrites 100 partitions without touching a partition or copying a record byte', () => {
    const topics = Array.from({ length: 10 }, (_, t) => ({
      name: `topic-${t}`,
      partitionData: Array.from({ length: 10 }, (_, p) => ({
        index: p,
        records: Buffer.alloc(1024, t * 10 + p),
      })),
    }))
    const frame = encode('request', 0, 11, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: topics,
    })
    const body = decode('request', 0, 11, frame) as ProduceRequest
    const records = body.topicData.flatMap((t) => t.partitionData.map((p) => p.records))
    // Any read of a partition would throw: the walk must not descend below the topics.
    const partitions = body.topicData.map((t) => t.partitionData)
    for (const topic of body.topicData) {
      topic.partitionData = topic.partitionData.map(
        (p) =>
          new Proxy(p, {
            get() {
              throw new Error('the walk read a partition')
            },
          })
      )
    }
    expect(rewriteRequest(0, 11, body, acme).changed).toBe(true)
    expect(body.topicData.map((t) => t.name)).toEqual(topics.map((t) => `acme.${t.name}`))
    body.topicData.forEach((topic, i) => (topic.partitionData = partitions[i] ?? []))
    const after = body.topicData.flatMap((t) => t.partitionData.map((p) => p.records))
    expect(after).toHaveLength(100)
    after.forEach((buffer, i) => {
      expect(buffer).toBe(records[i])
      // Still a view into the decoded frame, not a copy.
      expect(buffer?.buffer).toBe(frame.buffer)
    })
  })
})

describe('Fetch', () => {
  it('prefixes fetched and forgotten topics (v7-12) and strips them in the response', () => {
    const body = request<FetchRequest>(1, 12, {
      topics: [{ topic: 'orders', partitions: [{ partition: 0 }] }],
      forgottenTopicsData: [{ topic: 'old', partitions: [1] }],
    })
    rewriteRequest(1, 12, body, acme)
    expect(body.topics[0]?.topic).toBe('acme.orders')
    expect(body.forgottenTopicsData[0]?.topic).toBe('acme.old')

    const records = Buffer.from('batch')
    const res = response<FetchResponse>(1, 12, {
      responses: [{ topic: 'acme.orders', partitions: [{ partitionIndex: 0, records }] }],
    })
    expect(rewriteResponse(1, 12, res, acme)).toBe(true)
    expect(res.responses[0]?.topic).toBe('orders')
    expect(res.responses[0]?.partitions[0]?.records?.toString()).toBe('batch')
  })

  it('has nothing to do from v13 on, where topics are ids', () => {
    const body = request<FetchRequest>(1, 17, { topics: [{ topicId: ID_A, partitions: [] }] })
    expect(rewriteRequest(1, 17, body, acme)).toEqual({ changed: false, outside: [] })
    const res = response<FetchResponse>(1, 17, { responses: [{ topicId: ID_A }] })
    expect(rewriteResponse(1, 17, res, acme)).toBe(false)
  })
})

describe('ListOffsets and OffsetForLeaderEpoch', () => {
  it('map topic names both ways', () => {
    const body = request<ListOffsetsRequest>(2, 9, { topics: [{ name: 'orders', partitions: [] }] })
    rewriteRequest(2, 9, body, acme)
    expect(body.topics[0]?.name).toBe('acme.orders')
    const res = response<ListOffsetsResponse>(2, 9, { topics: [{ name: 'acme.orders' }] })
    rewriteResponse(2, 9, res, acme)
    expect(res.topics[0]?.name).toBe('orders')

    const epochs = response<OffsetForLeaderEpochResponse>(23, 4, {
      topics: [{ topic: 'acme.orders' }, { topic: 'globex.orders' }],
    })
    rewriteResponse(23, 4, epochs, acme)
    expect(epochs.topics.map((t) => t.topic)).toEqual(['orders'])
  })
})

describe('APIs without names, and unsafe ones', () => {
  it('cost nothing and change nothing', () => {
    const body = request<object>(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' })
    expect(rewriteRequest(18, 3, body, acme)).toEqual({ changed: false, outside: [] })
    expect(rewriteResponse(60, 1, response<object>(60, 1, {}), acme)).toBe(false)
  })

  it('are refused as a whole when unsafe', () => {
    const body = request<object>(29, 3, { resourceNameFilter: 'orders' })
    expect(rewriteRequest(29, 3, body, acme)).toEqual({
      changed: false,
      outside: [{ kind: 'api', name: 'DescribeAcls' }],
    })
  })
})
