import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/core/errors.ts'
import { firstErrorCode, kafkaReason, rejectionOf } from '../../src/observability/observer.ts'

describe('rejection reasons', () => {
  it('maps gateway error codes to reasons and statuses', () => {
    expect(rejectionOf(new GatewayError('unauthenticated', 'x'))).toEqual({
      reason: 'auth',
      status: 401,
    })
    expect(rejectionOf(new GatewayError('forbidden', 'x'))).toEqual({ reason: 'acl', status: 403 })
    expect(rejectionOf(new GatewayError('rate-limited', 'x'))).toEqual({
      reason: 'rate',
      status: 429,
    })
    expect(rejectionOf(new GatewayError('invalid-record', 'x'))).toEqual({
      reason: 'schema',
      status: 422,
    })
    expect(rejectionOf(new GatewayError('backend-timeout', 'x'))).toEqual({
      reason: 'backend',
      status: 504,
    })
    expect(rejectionOf(new GatewayError('backend-unavailable', 'x'))).toEqual({
      reason: 'backend',
      status: 503,
    })
    expect(rejectionOf(new GatewayError('overloaded', 'x'))).toEqual({
      reason: 'limit',
      status: 503,
    })
    expect(rejectionOf(new GatewayError('not-found', 'x'))).toEqual({
      reason: 'request',
      status: 404,
    })
    expect(rejectionOf(new Error('bug'))).toEqual({ reason: 'internal', status: 500 })
  })

  it('maps Kafka error codes to reasons', () => {
    expect(kafkaReason(58)).toBe('auth')
    expect(kafkaReason(29)).toBe('acl')
    expect(kafkaReason(30)).toBe('acl')
    expect(kafkaReason(33)).toBe('auth')
    expect(kafkaReason(87)).toBe('schema')
    expect(kafkaReason(7)).toBe('backend')
    expect(kafkaReason(-1)).toBe('internal')
  })

  it('finds the first error code in a nested Kafka response body', () => {
    expect(firstErrorCode({ errorCode: 0, throttleTimeMs: 0 })).toBe(0)
    expect(firstErrorCode({ errorCode: 58 })).toBe(58)
    expect(
      firstErrorCode({
        responses: [
          { name: 'a', partitionResponses: [{ index: 0, errorCode: 0 }] },
          { name: 'b', partitionResponses: [{ index: 0, errorCode: 29 }] },
        ],
      })
    ).toBe(29)
  })
})
