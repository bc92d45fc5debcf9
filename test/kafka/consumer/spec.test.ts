import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/core/errors.ts'
import { checkSpec, streamConsumerSpec } from '../../../src/kafka/consumer/spec.ts'
import { hubSettings } from '../../../src/kafka/consumer/hub-settings.ts'
import type { ConsumerSpec } from '../../../src/kafka/consumer/types.ts'

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (err) {
    return err instanceof GatewayError ? err.code : 'not a GatewayError'
  }
  return undefined
}

describe('checkSpec', () => {
  const shared: ConsumerSpec = {
    kind: 'shared',
    cluster: 'main',
    topics: ['b', 'a', 'b'],
    stream: 's',
  }

  it('returns the topics unique and sorted', () => {
    expect(checkSpec(shared, ['main'])).toEqual(['a', 'b'])
  })

  it('refuses configuration mistakes as internal', () => {
    expect(codeOf(() => checkSpec(shared, ['other']))).toBe('internal')
    expect(codeOf(() => checkSpec({ ...shared, topics: [] }, ['main']))).toBe('internal')
    expect(
      codeOf(() =>
        checkSpec({ kind: 'group', cluster: 'main', topics: ['a'], groupId: '', commit: 'auto' }, [
          'main',
        ])
      )
    ).toBe('internal')
  })

  it('refuses a client start or resume position that is not an offset as bad-request', () => {
    const dedicated = { kind: 'dedicated', cluster: 'main', topics: ['a'], stream: 's' } as const
    const check = (spec: Partial<ConsumerSpec> & object) =>
      codeOf(() =>
        checkSpec({ ...dedicated, start: 'earliest', ...spec } as ConsumerSpec, ['main'])
      )
    expect(check({})).toBeUndefined()
    expect(check({ start: { offset: -1 } } as never)).toBe('bad-request')
    expect(check({ start: { timestamp: 1.5 } } as never)).toBe('bad-request')
    expect(
      check({ positions: [{ topic: 'a', partition: 0, offset: '12' }] } as never)
    ).toBeUndefined()
    expect(check({ positions: [{ topic: 'a', partition: -1, offset: '1' }] } as never)).toBe(
      'bad-request'
    )
    expect(check({ positions: [{ topic: 'a', partition: 0, offset: '1e3' }] } as never)).toBe(
      'bad-request'
    )
    expect(
      check({ positions: [{ topic: 'a', partition: 0, offset: '9223372036854775808' }] } as never)
    ).toBe('bad-request')
  })
})

describe('streamConsumerSpec', () => {
  const stream = {
    name: 'orders-live',
    path: '/streams/orders',
    group: { mode: 'ephemeral' },
    start: 'latest',
    delivery: 'at-most-once',
  } as const
  const base = { cluster: 'main', topics: ['orders'] }

  it('shares a live consumer for an ephemeral stream read from latest', () => {
    expect(streamConsumerSpec({ ...base, stream })).toEqual({
      kind: 'shared',
      cluster: 'main',
      topics: ['orders'],
      stream: 'orders-live',
    })
  })

  it('gives a connection with its own start or a cursor a dedicated consumer', () => {
    expect(streamConsumerSpec({ ...base, stream, start: 'earliest' })).toMatchObject({
      kind: 'dedicated',
      start: 'earliest',
    })
    const positions = [{ topic: 'orders', partition: 0, offset: '5' }]
    expect(streamConsumerSpec({ ...base, stream, positions })).toMatchObject({
      kind: 'dedicated',
      start: 'latest',
      positions,
    })
    expect(
      streamConsumerSpec({ ...base, stream: { ...stream, name: undefined, start: { offset: 1 } } })
    ).toMatchObject({ kind: 'dedicated', stream: 'streams_orders' })
  })

  it('reads named and principal groups with the commit mode of the delivery', () => {
    const named = { ...stream, group: { mode: 'named', name: 'billing' } } as const
    expect(
      streamConsumerSpec({
        ...base,
        stream: { ...named, delivery: 'at-least-once', start: 'earliest' },
        backendGroupId: (id) => `tenant.${id}`,
      })
    ).toEqual({
      kind: 'group',
      cluster: 'main',
      topics: ['orders'],
      groupId: 'tenant.billing',
      commit: 'acked',
      start: 'earliest',
    })
    const principal = { ...stream, group: { mode: 'principal', prefix: 'weir-' } } as const
    expect(streamConsumerSpec({ ...base, stream: principal, principal: 'alice' })).toMatchObject({
      kind: 'group',
      groupId: 'weir-alice',
      commit: 'auto',
      start: 'latest',
    })
    expect(codeOf(() => streamConsumerSpec({ ...base, stream: principal }))).toBe('unauthenticated')
  })
})

describe('hubSettings', () => {
  it('fills defaults and refuses impossible values', () => {
    expect(hubSettings({ lingerMs: 0 }).lingerMs).toBe(0)
    expect(() => hubSettings({ heartbeatIntervalMs: 30_000 })).toThrow(/heartbeatIntervalMs/)
    expect(() => hubSettings({ maxWaitTimeMs: -1 })).toThrow(/maxWaitTimeMs/)
    expect(() => hubSettings({ maxUnackedPerSubscriber: 0 })).toThrow(/maxUnacked/)
  })
})
