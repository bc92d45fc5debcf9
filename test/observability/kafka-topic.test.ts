import { describe, expect, it } from 'vitest'
import { kafkaRequestTopic } from '../../src/observability/kafka-topic.ts'
import { encodeRequest } from '../../src/protocol/codec.ts'
import { apis } from '../../src/protocol/generated/apis.ts'
import {
  defaultFetchPartition,
  defaultFetchRequest,
  defaultFetchTopic,
} from '../../src/protocol/generated/messages/fetch-request.ts'
import {
  defaultPartitionProduceData,
  defaultProduceRequest,
  defaultTopicProduceData,
} from '../../src/protocol/generated/messages/produce-request.ts'

const header = (apiKey: number, version: number) => ({
  requestApiKey: apiKey,
  requestApiVersion: version,
  correlationId: 7,
  clientId: 'test-client',
})

/** The payload the listener sees: the frame without its size prefix. */
function produce(version: number, topics: string[], transactionalId: string | null = null) {
  const body = {
    ...defaultProduceRequest(),
    transactionalId,
    acks: -1,
    timeoutMs: 30_000,
    topicData: topics.map((name) => ({
      ...defaultTopicProduceData(),
      name,
      partitionData: [{ ...defaultPartitionProduceData(), index: 0 }],
    })),
  }
  return encodeRequest(apis.produce, header(0, version), body).subarray(4)
}

function fetchRequest(version: number, topics: string[]) {
  const body = {
    ...defaultFetchRequest(),
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: 1 << 20,
    topics: topics.map((topic) => ({
      ...defaultFetchTopic(),
      topic,
      partitions: [{ ...defaultFetchPartition(), partition: 0 }],
    })),
  }
  return encodeRequest(apis.fetch, header(1, version), body).subarray(4)
}

describe('kafkaRequestTopic', () => {
  it('reads the first topic of Produce requests, classic and flexible versions', () => {
    for (const version of [3, 7, 8, 9, 11, 12]) {
      expect(kafkaRequestTopic(produce(version, ['orders', 'audit']), 0, version)).toBe('orders')
    }
    expect(kafkaRequestTopic(produce(9, ['orders'], 'tx-1'), 0, 9)).toBe('orders')
  })

  it('reads the first topic of Fetch requests, before and after fetch sessions and flexible versions', () => {
    for (const version of [4, 6, 7, 11, 12]) {
      expect(kafkaRequestTopic(fetchRequest(version, ['prices', 'orders']), 1, version)).toBe(
        'prices'
      )
    }
  })

  it('names no topic where the request has none, names topics by id, or is another API', () => {
    // An incremental fetch session request lists nothing new.
    expect(kafkaRequestTopic(fetchRequest(12, []), 1, 12)).toBeUndefined()
    expect(kafkaRequestTopic(fetchRequest(13, ['by-id']), 1, 13)).toBeUndefined()
    expect(kafkaRequestTopic(produce(9, ['x']), 3, 9)).toBeUndefined()
  })

  it('never throws on truncated or garbage bytes', () => {
    const whole = produce(9, ['orders'])
    for (let cut = 0; cut < whole.length - 1; cut++) {
      expect(() => kafkaRequestTopic(whole.subarray(0, cut), 0, 9)).not.toThrow()
    }
    expect(kafkaRequestTopic(Buffer.alloc(40, 0xff), 0, 9)).toBeUndefined()
  })
})
