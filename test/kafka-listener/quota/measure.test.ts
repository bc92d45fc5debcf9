// What quotas count of Kafka messages, and how the throttle is written back.
import { describe, expect, it } from 'vitest'
import type { FetchResponse, ProduceRequest } from '../../../src/protocol/index.ts'
import {
  fetchBytes,
  produceBytes,
  reportThrottle,
} from '../../../src/kafka-listener/quota/index.ts'
import { wireRequest, wireResponse } from '../acl/support.ts'

describe('record bytes', () => {
  it('of a Produce request: every partition of every topic, null records as none', () => {
    const request = wireRequest<ProduceRequest>(0, 13, {
      acks: -1,
      topicData: [
        {
          partitionData: [
            { index: 0, records: Buffer.alloc(100) },
            { index: 1, records: null },
          ],
        },
        { partitionData: [{ index: 0, records: Buffer.alloc(23) }] },
      ],
    })
    expect(produceBytes(request)).toBe(123)
  })

  it('of a Fetch response, as the broker answered', () => {
    const response = wireResponse<FetchResponse>(1, 17, {
      responses: [
        { partitions: [{ partitionIndex: 0, records: Buffer.alloc(70) }] },
        { partitions: [{ partitionIndex: 0, records: null }, { records: Buffer.alloc(5) }] },
      ],
    })
    expect(fetchBytes(response)).toBe(75)
  })
})

describe('reporting the throttle', () => {
  it('rounds up and keeps the longer of ours and the broker own', () => {
    const body = { throttleTimeMs: 0 }
    reportThrottle(body, 12.2)
    expect(body.throttleTimeMs).toBe(13)
    reportThrottle(body, 5)
    expect(body.throttleTimeMs).toBe(13)
  })

  it('stays within int32, and leaves responses without the field alone', () => {
    const body = { throttleTimeMs: 0 }
    reportThrottle(body, 1e12)
    expect(body.throttleTimeMs).toBe(2_147_483_647)
    const saslHandshake = { errorCode: 0, mechanisms: [] }
    reportThrottle(saslHandshake, 100)
    expect(saslHandshake).toEqual({ errorCode: 0, mechanisms: [] })
  })
})
