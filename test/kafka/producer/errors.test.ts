import { KafkaJSProtocolError } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { toGatewayError } from '../../../src/kafka/producer/errors.ts'

/** A kafkajs error as a broker's answer makes it (kafkajs wraps these in retriable errors). */
function brokerError(type: string, code: number): Error {
  return Object.assign(new KafkaJSProtocolError(type), { type, code })
}

describe('toGatewayError', () => {
  it("is 403 when the broker's ACLs refuse the topic or transactional id to Weir's identity", () => {
    for (const type of ['TOPIC_AUTHORIZATION_FAILED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']) {
      const error = toGatewayError(brokerError(type, 29), 'main')
      expect(error).toMatchObject({ code: 'forbidden', detail: expect.stringContaining(type) })
    }
  })

  it('keeps a broker it cannot reach a 503', () => {
    const error = toGatewayError(
      Object.assign(new Error('down'), { name: 'KafkaJSConnectionError' }),
      'main'
    )
    expect(error).toMatchObject({ code: 'backend-unavailable' })
  })
})
