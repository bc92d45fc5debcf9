// The produce use case on its own, its ports faked: what it asks the policy engine (authorize,
// then serialize with the client's topic), what it hands the producer (backend topic, serialized
// bytes, delivery options), and that every refusal comes before anything is sent.
import { describe, expect, it } from 'vitest'
import type { VirtualClusterConfig } from '../../src/config/index.ts'
import { allow, type Decision } from '../../src/core/decision.ts'
import { GatewayError } from '../../src/core/errors.ts'
import type { PolicyRequest } from '../../src/core/policy-request.ts'
import type { OutgoingRecord, SendOptions } from '../../src/kafka/producer/record.ts'
import type { PayloadRecord, SchemaTarget } from '../../src/policy/schema/index.ts'
import type { DeliveryOptions, ProduceCommand } from '../../src/produce/event.ts'
import { ProduceService, type ProduceServiceDeps } from '../../src/produce/produce-service.ts'
import { config, principal } from '../policy/fixtures.ts'

// Parsed, so the namespace has every default a configuration gets.
const [shop] = config({
  virtualClusters: [
    {
      name: 'shop',
      schemaRegistry: 'registry',
      namespace: { prefix: 'tenant-', hidePrefix: true },
    },
  ],
}).virtualClusters as [VirtualClusterConfig]

const sync: DeliveryOptions = { mode: 'sync', acks: 'all', ackTimeoutMs: 5000, compression: 'none' }

function command(overrides: Partial<ProduceCommand> = {}): ProduceCommand {
  return {
    door: 'http',
    virtualCluster: 'shop',
    topic: 'orders',
    route: 'orders-route',
    routePolicies: ['route-schema'],
    principal: principal('alice'),
    events: [
      { key: { kind: 'text', value: 'k1' }, value: { kind: 'json', value: { n: 1 } }, headers: {} },
      {
        key: { kind: 'null' },
        value: { kind: 'json', value: { n: 2 } },
        headers: { h: Buffer.from('v') },
        partition: 3,
        timestamp: 1000,
      },
    ],
    bytes: 42,
    delivery: sync,
    ...overrides,
  }
}

/** Every port faked, recording what it was asked; `options` change an answer. */
function fakes(
  options: {
    decision?: Decision
    serializeError?: GatewayError
    exists?: boolean
    refusal?: GatewayError
    sendError?: GatewayError
  } = {}
) {
  const calls = {
    authorize: [] as PolicyRequest[],
    serialize: [] as { target: SchemaTarget; records: readonly PayloadRecord[] }[],
    sent: [] as { cluster: string; records: readonly OutgoingRecord[]; options: SendOptions }[],
    checked: [] as OutgoingRecord[][],
    accepted: [] as OutgoingRecord[][],
    suspected: 0,
  }
  const deps: ProduceServiceDeps = {
    virtualClusters: [shop],
    policies: {
      authorize(request) {
        calls.authorize.push(request)
        return options.decision ?? allow
      },
      writeTransform: () => undefined,
      recordEditsFor: () => undefined,
    },
    serializer: {
      serialize(target, records) {
        calls.serialize.push({ target, records })
        if (options.serializeError) return Promise.reject(options.serializeError)
        return Promise.resolve(
          records.map((r, i) => ({
            key: r.key.kind === 'null' ? null : Buffer.from(`key-${i}`),
            value: Buffer.from(`value-${i}`),
          }))
        )
      },
    },
    producers: {
      async sendRequest(cluster, records, sendOptions) {
        if (options.sendError) throw options.sendError
        calls.sent.push({ cluster, records, options: sendOptions })
        return records.map((r, i) => ({
          topic: r.topic,
          partition: 0,
          offset: String(i),
          timestamp: '1',
        }))
      },
      async checkSizes(_cluster, records) {
        calls.checked.push([...records])
      },
    },
    asyncDelivery: {
      accept(_cluster, records) {
        calls.accepted.push([...records])
      },
    },
    backends: {
      topicExists: async () => options.exists ?? true,
      health: () => ({
        refusal: () => options.refusal,
        suspect: () => void calls.suspected++,
      }),
    },
  }
  return { service: new ProduceService(deps), calls }
}

describe('the produce use case', () => {
  it('authorizes the client topic, serializes through the schema policy, sends to the backend topic', async () => {
    const { service, calls } = fakes()
    const result = await service.produce(command())
    expect(calls.authorize).toEqual([
      expect.objectContaining({
        operation: 'produce',
        virtualCluster: 'shop',
        route: 'orders-route',
        resources: [{ type: 'topic', name: 'orders' }],
        records: 2,
        bytes: 42,
      }),
    ])
    // Subjects are named after the client's topic; the registry is the virtual cluster's.
    expect(calls.serialize.map((c) => c.target)).toEqual([
      {
        virtualCluster: 'shop',
        topic: 'orders',
        registry: 'registry',
        routePolicies: ['route-schema'],
      },
    ])
    expect(calls.sent).toEqual([
      {
        cluster: 'local',
        options: { acks: 'all', compression: 'none' },
        records: [
          {
            topic: 'tenant-orders',
            key: Buffer.from('key-0'),
            value: Buffer.from('value-0'),
            headers: {},
            partition: undefined,
            timestamp: undefined,
          },
          {
            topic: 'tenant-orders',
            key: null,
            value: Buffer.from('value-1'),
            headers: { h: Buffer.from('v') },
            partition: 3,
            timestamp: 1000,
          },
        ],
      },
    ])
    expect(result).toMatchObject({
      mode: 'sync',
      topic: 'orders',
      acks: [{ offset: '0' }, { offset: '1' }],
    })
  })

  it('sends nothing when the engine refuses: denied, or a record breaking the schema', async () => {
    const denied = fakes({
      decision: { verdict: 'deny', code: 'forbidden', detail: 'alice may not produce' },
    })
    await expect(denied.service.produce(command())).rejects.toMatchObject({
      code: 'forbidden',
      detail: 'alice may not produce',
    })
    expect(denied.calls.serialize).toEqual([])
    expect(denied.calls.sent).toEqual([])

    const invalid = new GatewayError('invalid-record', 'the record does not match the schema', {
      extensions: { violations: [{ path: '/n', message: 'must be a string', record: 0 }] },
    })
    const refused = fakes({ serializeError: invalid })
    await expect(refused.service.produce(command())).rejects.toBe(invalid)
    expect(refused.calls.sent).toEqual([])
  })

  it('answers 404 for a topic that does not exist, and sends nothing', async () => {
    const { service, calls } = fakes({ exists: false })
    await expect(service.produce(command())).rejects.toMatchObject({
      code: 'not-found',
      detail: 'topic "orders" does not exist',
    })
    expect(calls.sent).toEqual([])
  })

  it('refuses sync requests while the cluster is known down; async ones are buffered', async () => {
    const down = new GatewayError('backend-unavailable', 'backend cluster "main" is down')
    const { service, calls } = fakes({ refusal: down })
    await expect(service.produce(command())).rejects.toBe(down)
    expect(calls.sent).toEqual([])

    const result = await service.produce(command({ delivery: { ...sync, mode: 'async' } }))
    expect(result).toEqual({ mode: 'async', topic: 'orders', accepted: 2 })
    expect(calls.checked.map((r) => r.length)).toEqual([2])
    expect(calls.accepted.map((r) => r.map((x) => x.topic))).toEqual([
      ['tenant-orders', 'tenant-orders'],
    ])
  })

  it('has the circuit breaker look at the cluster after an acknowledgement timed out', async () => {
    const timeout = new GatewayError('backend-timeout', 'no acknowledgement within 5000 ms')
    const { service, calls } = fakes({ sendError: timeout })
    await expect(service.produce(command())).rejects.toBe(timeout)
    expect(calls.suspected).toBe(1)
  })

  it('refuses a virtual cluster it does not know as an internal error', async () => {
    const { service } = fakes()
    await expect(service.produce(command({ virtualCluster: 'other' }))).rejects.toMatchObject({
      code: 'internal',
      detail: 'virtual cluster "other" is not configured',
    })
  })
})
