import { KafkaJSProtocolError } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { consumeError } from '../../../src/kafka/consumer/errors.ts'

function brokerError(type: string): Error {
  return Object.assign(new KafkaJSProtocolError(type), { type })
}

describe('consumeError', () => {
  it("is 403 when the broker's ACLs refuse the topic or group to the reading identity", () => {
    for (const type of ['TOPIC_AUTHORIZATION_FAILED', 'GROUP_AUTHORIZATION_FAILED']) {
      expect(consumeError(brokerError(type), 'main')).toMatchObject({
        code: 'forbidden',
        detail: expect.stringContaining(type),
      })
    }
  })

  it('keeps a missing topic 404 and anything else the backend did 503', () => {
    expect(consumeError(brokerError('UNKNOWN_TOPIC_OR_PARTITION'), 'main')).toMatchObject({
      code: 'not-found',
    })
    expect(consumeError(brokerError('INVALID_GROUP_ID'), 'main')).toMatchObject({
      code: 'backend-unavailable',
      detail: expect.stringContaining('INVALID_GROUP_ID'),
    })
  })
})
