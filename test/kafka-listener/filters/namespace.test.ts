import { describe, expect, it } from 'vitest'
import { namespaceFilters } from '../../../src/kafka-listener/filters/namespace.ts'
import type { RequestDecision } from '../../../src/kafka-listener/filters/types.ts'
import { apis, type RequestHeader } from '../../../src/protocol/index.ts'

const context = { brokers: undefined as never, state: { principal: undefined, scratch: new Map() } }

function heartbeat(regex: string, groupId = 'orders-group') {
  return {
    ...apis.consumerGroupHeartbeat.defaultRequest(),
    groupId,
    memberId: 'member-1',
    subscribedTopicRegex: regex,
  }
}

function send(hidePrefix: boolean, body: object): RequestDecision {
  const { request } = namespaceFilters({ prefix: 'tenant.', hidePrefix })
  const header = { requestApiKey: 68, requestApiVersion: 1, correlationId: 1 } as RequestHeader
  return request.onRequest(body, header, context) as RequestDecision
}

describe('the namespace filter on KIP-848 regex subscriptions', () => {
  it('sends a confinable regex on inside the namespace', () => {
    const body = heartbeat('orders.*|^payments$')
    expect(send(true, body)).toEqual({ kind: 'forward', changed: true })
    expect(body.subscribedTopicRegex).toBe('tenant\\.(?:orders.*|(?:)payments)')
    expect(body.groupId).toBe('tenant.orders-group')
  })

  it.each([
    ['unbalanced parentheses', true, 'orders)|(.*'],
    ['\\Q...\\E quoting', true, '\\Qorders\\E.*'],
    ['a namespace that shows its prefix', false, 'tenant\\.orders.*'],
  ])('answers INVALID_REGULAR_EXPRESSION for %s, as the broker would', (_, hide, regex) => {
    const decision = send(hide, heartbeat(regex, 'tenant.orders-group'))
    expect(decision).toMatchObject({
      kind: 'respond',
      body: {
        errorCode: 128,
        errorMessage: expect.stringContaining(`topicRegex "${regex}"`) as unknown,
        assignment: null,
      },
    })
  })

  it('still ends the connection when the heartbeat names something else outside', () => {
    const decision = send(false, heartbeat('tenant\\.orders.*', 'other.orders-group'))
    expect(decision).toMatchObject({
      kind: 'close',
      reason: expect.stringContaining('groupId "other.orders-group"') as unknown,
    })
  })
})
