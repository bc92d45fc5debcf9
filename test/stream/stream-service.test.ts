import { describe, expect, it } from 'vitest'
import type { StreamConfig, VirtualClusterConfig } from '../../src/config/index.ts'
import type { Decision } from '../../src/core/decision.ts'
import { GatewayError } from '../../src/core/errors.ts'
import type { Cursor } from '../../src/stream/cursor.ts'
import { encodeCursor } from '../../src/stream/cursor.ts'
import { streamEndpoint, type StreamEndpoint } from '../../src/stream/endpoint.ts'
import type { SessionEnd, StreamSession } from '../../src/stream/session.ts'
import { StreamService, type OpenRequest } from '../../src/stream/stream-service.ts'
import {
  alice,
  consumed,
  deferred,
  FakeHub,
  FakePolicies,
  silentLogger,
  streamConfig,
  virtualCluster,
  noTransforms,
} from './fakes.ts'

const acme = virtualCluster({ namespace: { prefix: 'acme.', hidePrefix: true } })

function endpoint(
  config: Partial<Parameters<typeof streamConfig>[0]> = {},
  vc: VirtualClusterConfig = acme
): StreamEndpoint {
  const stream: StreamConfig = streamConfig({ topics: ['orders', 'payments'], ...config })
  return streamEndpoint(stream, vc, {
    schemas: { deserialize: () => Promise.reject(new Error('unused')) },
    policies: noTransforms,
  })
}

function setup() {
  const hub = new FakeHub()
  const policies = new FakePolicies()
  const service = new StreamService({ hub, policies, logger: silentLogger() })
  return { hub, policies, service }
}

function request(e: StreamEndpoint, fields: Partial<OpenRequest> = {}): OpenRequest {
  return {
    endpoint: e,
    door: 'websocket',
    principal: alice,
    topics: ['orders'],
    ackOnTake: true,
    seedCursor: false,
    ...fields,
  }
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise
  } catch (err) {
    if (err instanceof GatewayError) return err
    throw err
  }
  throw new Error('it resolved')
}

const cursorOf = (entries: Record<string, Record<number, string>>): Cursor =>
  new Map(
    Object.entries(entries).map(([topic, ps]) => [
      topic,
      new Map(Object.entries(ps).map(([p, o]) => [Number(p), o])),
    ])
  )

describe('StreamService.authorize', () => {
  it('asks the policies once for consume on every topic, with the door, stream and its policies', async () => {
    const { service, policies } = setup()
    const e = endpoint({ policies: ['stream-quota'] })
    await service.authorize(e, 'sse', alice, ['orders', 'payments'])
    expect(policies.requests).toEqual([
      {
        request: {
          door: 'sse',
          operation: 'consume',
          virtualCluster: 'acme',
          route: 'orders-live',
          resources: [
            { type: 'topic', name: 'orders' },
            { type: 'topic', name: 'payments' },
          ],
          principal: alice,
          records: 0,
          bytes: 0,
        },
        routePolicies: ['stream-quota'],
      },
    ])
  })

  it('rejects with the denial as its GatewayError', async () => {
    const { service, policies } = setup()
    policies.decide = (): Decision => ({
      verdict: 'deny',
      code: 'rate-limited',
      detail: 'slow down',
      retryAfterMs: 1500,
      headers: { 'ratelimit-policy': 'x' },
    })
    const error = await rejection(
      service.authorize(endpoint(), 'long-poll', alice, ['orders', 'payments'])
    )
    expect(error.code).toBe('rate-limited')
    expect(error.detail).toBe('slow down')
    expect(error.retryAfterSeconds).toBe(2)
    expect(error.headers).toEqual({ 'ratelimit-policy': 'x' })
    expect(policies.requests).toHaveLength(1)
  })
})

describe('StreamService.open: consumer specs', () => {
  it('shares a live consumer for an ephemeral stream from latest, with backend names', async () => {
    const { service, hub } = setup()
    await service.open(request(endpoint(), { topics: ['orders', 'payments'] }))
    expect(hub.at(0).spec).toEqual({
      kind: 'shared',
      cluster: 'main',
      topics: ['acme.orders', 'acme.payments'],
      stream: 'orders-live',
      groupIdPrefix: 'acme.weir-',
    })
  })

  it('gives a resuming connection its own consumer from its cursor, in backend names', async () => {
    const { service, hub } = setup()
    const cursor = cursorOf({ orders: { 0: '5', 2: '9' }, refunds: { 0: '1' } })
    const session = await service.open(request(endpoint(), { cursor }))
    expect(hub.at(0).spec).toEqual({
      kind: 'dedicated',
      cluster: 'main',
      topics: ['acme.orders'],
      stream: 'orders-live',
      start: 'latest',
      positions: [
        { topic: 'acme.orders', partition: 0, offset: '5' },
        { topic: 'acme.orders', partition: 2, offset: '9' },
      ],
      groupIdPrefix: 'acme.weir-',
    })
    expect(session.cursor).toBe(cursor)
  })

  it('gives a connection with its own start its own consumer', async () => {
    const { service, hub } = setup()
    await service.open(request(endpoint(), { start: { timestamp: 1000 } }))
    expect(hub.at(0).spec).toMatchObject({
      kind: 'dedicated',
      start: { timestamp: 1000 },
      positions: [],
    })
    await service.open(request(endpoint({ start: 'earliest' })))
    expect(hub.at(1).spec).toMatchObject({ kind: 'dedicated', start: 'earliest' })
  })

  it('uses no namespace prefix where the virtual cluster has none', async () => {
    const { service, hub } = setup()
    await service.open(request(endpoint({}, virtualCluster())))
    expect(hub.at(0).spec).toMatchObject({
      kind: 'shared',
      topics: ['orders'],
      groupIdPrefix: 'weir-',
    })
  })

  it('reads a named group under the namespace prefix, committing as the delivery says', async () => {
    const { service, hub } = setup()
    await service.open(request(endpoint({ group: { mode: 'named', name: 'dashboards' } })))
    expect(hub.at(0).spec).toEqual({
      kind: 'group',
      cluster: 'main',
      topics: ['acme.orders'],
      groupId: 'acme.dashboards',
      commit: 'auto',
      start: 'latest',
    })
    await service.open(
      request(
        endpoint({
          group: { mode: 'named', name: 'dashboards' },
          delivery: 'at-least-once',
          start: 'earliest',
        })
      )
    )
    expect(hub.at(1).spec).toMatchObject({
      groupId: 'acme.dashboards',
      commit: 'acked',
      start: 'earliest',
    })
  })

  it('reads an exposed topic and group under their own names, as a Kafka client of the tenant does', async () => {
    const { service, hub } = setup()
    const exposing = virtualCluster({
      namespace: {
        prefix: 'acme.',
        hidePrefix: true,
        expose: { topics: ['ref-data'], groups: ['reporting'] },
      },
    })
    const e = endpoint(
      { topics: ['ref-data'], group: { mode: 'named', name: 'reporting' } },
      exposing
    )
    await service.open(request(e, { topics: ['ref-data'] }))
    expect(hub.at(0).spec).toMatchObject({ topics: ['ref-data'], groupId: 'reporting' })
  })

  it('reads a group per principal under the namespace prefix', async () => {
    const { service, hub } = setup()
    await service.open(request(endpoint({ group: { mode: 'principal', prefix: 'team-' } })))
    expect(hub.at(0).spec).toMatchObject({ kind: 'group', groupId: 'acme.team-alice' })
    await service.open(request(endpoint({ group: { mode: 'principal' } }, virtualCluster())))
    expect(hub.at(1).spec).toMatchObject({ kind: 'group', groupId: 'weir-alice' })
  })

  it('refuses a topic outside a shown namespace before subscribing', async () => {
    const { service, hub } = setup()
    const shown = virtualCluster({ namespace: { prefix: 'acme.', hidePrefix: false } })
    const error = await rejection(service.open(request(endpoint({}, shown))))
    expect(error.code).toBe('not-found')
    expect(hub.subscribed).toHaveLength(0)
    expect(service.stats().sessions).toBe(0)
  })
})

describe('StreamService.open: sessions', () => {
  it('hands the hub a session that delivers under client names', async () => {
    const { service, hub } = setup()
    const session = await service.open(request(endpoint()))
    expect(hub.at(0).subscriber).toBe(session)
    session.deliver(consumed(0, { topic: 'acme.orders' }))
    expect(session.take()).toMatchObject({ topic: 'orders', offset: '0' })
    expect(hub.at(0).subscription.acks).toEqual([['acme.orders', 0, '0']])
    expect(session.topics).toEqual(['orders'])
  })

  it('takes the stream buffer and the door ackOnTake', async () => {
    const { service, hub } = setup()
    const session = await service.open(
      request(endpoint({ buffer: { maxRecords: 1, maxBytes: 1000, onOverflow: 'close' } }), {
        ackOnTake: false,
      })
    )
    expect(session.deliver(consumed(0, { topic: 'acme.orders' }))).toBe('full')
    session.take()
    expect(hub.at(0).subscription.acks).toEqual([])
  })

  it('keeps count of its sessions, and passes their end on', async () => {
    const { service } = setup()
    const ends: SessionEnd[] = []
    const session = await service.open(request(endpoint(), { onEnd: (_s, end) => ends.push(end) }))
    expect(service.stats().sessions).toBe(1)
    await session.close()
    expect(service.stats().sessions).toBe(0)
    expect(ends).toEqual([{ kind: 'closed' }])
  })

  it('closes the session and rethrows when subscribing fails', async () => {
    const { service, hub } = setup()
    const failure = new GatewayError('backend-unavailable', 'no brokers')
    hub.subscribeError = failure
    const ends: SessionEnd[] = []
    await expect(
      service.open(request(endpoint(), { onEnd: (_s, end) => ends.push(end) }))
    ).rejects.toBe(failure)
    expect(ends).toEqual([{ kind: 'closed' }])
    expect(service.stats().sessions).toBe(0)
  })

  it('unsubscribes and rethrows when the end offsets cannot be read', async () => {
    const { service, hub } = setup()
    const failure = new GatewayError('backend-timeout', 'slow')
    hub.endOffsetsError = failure
    const ends: SessionEnd[] = []
    await expect(
      service.open(request(endpoint(), { seedCursor: true, onEnd: (_s, end) => ends.push(end) }))
    ).rejects.toBe(failure)
    expect(hub.at(0).subscription.unsubscribes).toBe(1)
    expect(ends).toEqual([{ kind: 'closed' }])
    expect(service.stats().sessions).toBe(0)
  })
})

describe('StreamService.open: seeding the cursor', () => {
  const positions = [
    { topic: 'acme.orders', partition: 0, offset: '42' },
    { topic: 'acme.orders', partition: 1, offset: '7' },
  ]

  async function seeded(
    config: Partial<Parameters<typeof streamConfig>[0]>,
    fields: Partial<OpenRequest>
  ): Promise<{ session: StreamSession; hub: FakeHub }> {
    const { service, hub } = setup()
    hub.positions = positions
    const session = await service.open(request(endpoint(config), fields))
    return { session, hub }
  }

  it('seeds a latest start with the end offsets when the door asks', async () => {
    const { session, hub } = await seeded({}, { seedCursor: true })
    expect(hub.endOffsetCalls).toEqual([{ cluster: 'main', topics: ['acme.orders'] }])
    expect(encodeCursor(session.cursor)).toBe('1~orders~42_7')
  })

  it('seeds only the partitions the cursor lacks', async () => {
    const cursor = cursorOf({ orders: { 1: '3' } })
    const { session, hub } = await seeded({}, { seedCursor: true, cursor })
    expect(hub.at(0).spec.kind).toBe('dedicated')
    expect(encodeCursor(session.cursor)).toBe('1~orders~42_3')
  })

  it('takes the client start over the stream start', async () => {
    const fromLatest = await seeded({ start: 'earliest' }, { seedCursor: true, start: 'latest' })
    expect(fromLatest.hub.endOffsetCalls).toHaveLength(1)
    const fromEarliest = await seeded({}, { seedCursor: true, start: 'earliest' })
    expect(fromEarliest.hub.endOffsetCalls).toHaveLength(0)
  })

  it('does not seed when the door does not ask, for other starts, or for groups', async () => {
    for (const [config, fields] of [
      [{}, { seedCursor: false }],
      [{ start: 'earliest' }, { seedCursor: true }],
      [{ start: { timestamp: 5 } }, { seedCursor: true }],
      [{ group: { mode: 'named', name: 'g' } }, { seedCursor: true }],
      [{ group: { mode: 'principal' } }, { seedCursor: true }],
    ] as const) {
      const { session, hub } = await seeded(config, fields)
      expect(hub.endOffsetCalls).toEqual([])
      expect(session.cursor.size).toBe(0)
    }
  })
})

describe('StreamService.admit', () => {
  it('limits connections per principal and stream', async () => {
    const { service } = setup()
    const e = endpoint({ maxConnectionsPerPrincipal: 1, policies: ['conns'] })
    const lease = await service.admit(e, alice, 'sse')
    const refused = await rejection(service.admit(e, alice, 'websocket'))
    expect(refused.code).toBe('rate-limited')
    expect(refused.retryAfterSeconds).toBe(1)
    await service.admit(e, { ...alice, name: 'bob' }, 'sse')
    lease.release()
    await service.admit(e, alice, 'long-poll')
  })

  it('asks the policy engine, with the door, stream, its policies and its own limit', async () => {
    const { service, policies } = setup()
    await service.admit(
      endpoint({ maxConnectionsPerPrincipal: 7, policies: ['conns'] }),
      alice,
      'sse'
    )
    expect(policies.admissions).toEqual([
      {
        connection: { door: 'sse', virtualCluster: 'acme', route: 'orders-live', principal: alice },
        routePolicies: ['conns'],
        perRoute: 7,
      },
    ])
  })
})

describe('StreamService.close', () => {
  it('shuts every session down, closes the hub once, then refuses', async () => {
    const { service, hub } = setup()
    const ends: SessionEnd['kind'][] = []
    const onEnd = (_s: StreamSession, end: SessionEnd) => ends.push(end.kind)
    const e = endpoint()
    await service.open(request(e, { onEnd }))
    await service.open(request(e, { onEnd, door: 'sse' }))
    expect(service.closing).toBe(false)

    const closing = service.close()
    expect(service.closing).toBe(true)
    expect(service.close()).toBe(closing)
    await closing
    expect(ends).toEqual(['shutdown', 'shutdown'])
    expect(service.stats().sessions).toBe(0)
    expect(hub.closes).toBe(1)
    expect(hub.subscribed.map((s) => s.subscription.unsubscribes)).toEqual([1, 1])

    const refused = await rejection(service.admit(e, alice, 'sse'))
    expect(refused.code).toBe('overloaded')
    expect(refused.retryAfterSeconds).toBe(1)
    expect((await rejection(service.open(request(e)))).code).toBe('overloaded')
    expect(hub.subscribed).toHaveLength(2)
  })

  it('shuts down a session whose subscribe was still under way when closing began', async () => {
    const { service, hub } = setup()
    const gate = deferred<void>()
    hub.subscribeGate = gate.promise
    const opening = service.open(request(endpoint()))
    await Promise.resolve()
    const closing = service.close()
    gate.resolve()
    const session = await opening
    await closing
    expect(session.ended).toEqual({ kind: 'shutdown' })
    expect(service.stats().sessions).toBe(0)
  })
})
