import { describe, expect, it } from 'vitest'
import type { StreamConfig, VirtualClusterConfig } from '../../src/config/index.ts'
import { GatewayError } from '../../src/core/errors.ts'
import { anonymous } from '../../src/core/principal.ts'
import { PolicyEngine } from '../../src/policy/engine.ts'
import { config as policyConfig, principal } from '../policy/fixtures.ts'
import type { Deserialized } from '../../src/schema/index.ts'
import { frame, unframe } from '../../src/schema/wire-format.ts'
import { TransformPolicy } from '../../src/config/schema/policies.ts'
import { compileTransform } from '../../src/policy/transform/index.ts'
import { streamEndpoint, type EndpointDeps } from '../../src/stream/endpoint.ts'
import type { RecordDeserializer, StreamRecord } from '../../src/stream/record.ts'
import { consumed, deferred, noTransforms, streamConfig, virtualCluster } from './fakes.ts'

/** A registry that decodes any framed JSON payload, counting its calls. */
function countingSchemas(): RecordDeserializer & { calls: number } {
  const schemas = {
    calls: 0,
    async deserialize(bytes: Uint8Array): Promise<Deserialized> {
      schemas.calls++
      const { schemaId, payload } = unframe(bytes)
      return { schemaId, format: 'json-schema', value: JSON.parse(payload.toString()) as unknown }
    },
  }
  return schemas
}

const noSchemas: RecordDeserializer = {
  deserialize: () => Promise.reject(new Error('no registry in this test')),
}

function endpoint(
  config: StreamConfig = streamConfig(),
  vc: VirtualClusterConfig = virtualCluster(),
  deps: EndpointDeps = { schemas: noSchemas, policies: noTransforms }
) {
  return streamEndpoint(config, vc, deps)
}

function thrown(fn: () => unknown): GatewayError {
  try {
    fn()
  } catch (err) {
    if (err instanceof GatewayError) return err
    throw err
  }
  throw new Error('it did not throw')
}

const hidden = virtualCluster({ namespace: { prefix: 'acme.', hidePrefix: true } })
const shown = virtualCluster({ namespace: { prefix: 'acme.', hidePrefix: false } })

describe('streamEndpoint basics', () => {
  it('is named after the stream, or its path, and speaks hono paths', () => {
    const named = endpoint(streamConfig({ path: '/streams/{topic}/live', name: 'live' }))
    expect(named.name).toBe('live')
    expect(named.honoPath).toBe('/streams/:topic/live')
    const unnamed = endpoint(streamConfig({ name: undefined, path: '/s/orders' }))
    expect(unnamed.name).toBe('/s/orders')
  })

  it('serves its configured protocols only', () => {
    const sseOnly = endpoint(streamConfig({ protocols: ['sse'] }))
    expect(sseOnly.serves('sse')).toBe(true)
    expect(sseOnly.serves('websocket')).toBe(false)
    expect(sseOnly.serves('long-poll')).toBe(false)
  })
})

describe('topicsFor with a fixed list', () => {
  const fixed = endpoint(streamConfig({ topics: ['orders', 'payments', 'orders'] }))

  it('gives every configured topic (once) when the client asks for none', () => {
    expect(fixed.topicsFor({})).toEqual(['orders', 'payments'])
    expect(fixed.topicsFor({}, [])).toEqual(['orders', 'payments'])
  })

  it('gives the subset the client asked for', () => {
    expect(fixed.topicsFor({}, ['payments'])).toEqual(['payments'])
    expect(fixed.topicsFor({}, ['payments', 'payments', 'orders'])).toEqual(['payments', 'orders'])
  })

  it('refuses a topic the stream does not serve as not-found, naming it', () => {
    const error = thrown(() => fixed.topicsFor({}, ['orders', 'refunds']))
    expect(error.code).toBe('not-found')
    expect(error.detail).toContain('"refunds"')
    expect(error.detail).toContain('"orders-live"')
    const two = thrown(() => fixed.topicsFor({}, ['refunds', 'secrets']))
    expect(two.detail).toContain('topics "refunds", "secrets"')
  })
})

describe('topicsFor with a path parameter', () => {
  const fromPath = endpoint(
    streamConfig({
      path: '/streams/{topic}',
      topics: { from: 'path', name: 'topic', allowed: ['orders-*', 'audit'] },
    })
  )

  it('gives the path topic when an allowed glob matches', () => {
    expect(fromPath.topicsFor({ topic: 'orders-eu' })).toEqual(['orders-eu'])
    expect(fromPath.topicsFor({ topic: 'audit' }, ['audit'])).toEqual(['audit'])
  })

  it('refuses a topic outside the allowed globs as not-found', () => {
    const error = thrown(() => fromPath.topicsFor({ topic: 'payments' }))
    expect(error.code).toBe('not-found')
    expect(error.detail).toContain('"payments"')
  })

  it('refuses a missing or empty parameter as bad-request', () => {
    expect(thrown(() => fromPath.topicsFor({})).code).toBe('bad-request')
    expect(thrown(() => fromPath.topicsFor({ topic: '' })).code).toBe('bad-request')
    expect(thrown(() => fromPath.topicsFor({ other: 'orders-eu' })).detail).toContain('"topic"')
  })

  it('refuses asking for another topic than the path one', () => {
    const error = thrown(() => fromPath.topicsFor({ topic: 'orders-eu' }, ['orders-us']))
    expect(error.code).toBe('bad-request')
  })
})

describe('topic names and namespaces', () => {
  it('maps nothing without a namespace', () => {
    const plain = endpoint()
    expect(plain.backendTopic('orders')).toBe('orders')
    expect(plain.clientTopic('orders')).toBe('orders')
  })

  it('adds and strips a hidden prefix', () => {
    const e = endpoint(streamConfig(), hidden)
    expect(e.backendTopic('orders')).toBe('acme.orders')
    expect(e.clientTopic('acme.orders')).toBe('orders')
    // A backend name without the prefix is left alone.
    expect(e.clientTopic('orders')).toBe('orders')
  })

  it('keeps prefixed names with a shown prefix, refusing names outside it', () => {
    const e = endpoint(streamConfig({ topics: ['acme.orders'] }), shown)
    expect(e.backendTopic('acme.orders')).toBe('acme.orders')
    expect(e.clientTopic('acme.orders')).toBe('acme.orders')
    const error = thrown(() => e.backendTopic('orders'))
    expect(error.code).toBe('not-found')
    expect(error.detail).toContain('"orders"')
  })

  it('keeps an exposed topic its own name, as the Kafka listener does', () => {
    const exposing = virtualCluster({
      namespace: {
        prefix: 'acme.',
        hidePrefix: true,
        expose: { topics: ['ref-data'], groups: [] },
      },
    })
    const e = endpoint(streamConfig({ topics: ['ref-data', 'orders'] }), exposing)
    expect(e.backendTopic('ref-data')).toBe('ref-data')
    expect(e.clientTopic('ref-data')).toBe('ref-data')
    expect(e.backendTopic('orders')).toBe('acme.orders')
  })

  it('refuses a topic the namespace hides while choosing the topics, with a 404', () => {
    const e = endpoint(
      streamConfig({ topics: { from: 'path', name: 'topic', allowed: ['*'] } }),
      hidden
    )
    expect(e.topicsFor({ topic: 'orders' })).toEqual(['orders'])
    const error = thrown(() => e.topicsFor({ topic: '__consumer_offsets' }))
    expect(error.code).toBe('not-found')
    expect(error.detail).toBe('topic "__consumer_offsets" is outside this virtual cluster')
  })

  it('renders records under the client topic name', () => {
    const e = endpoint(streamConfig(), hidden)
    const rendered = e.render(consumed(3, { topic: 'acme.orders' }), anonymous) as StreamRecord
    expect(rendered.topic).toBe('orders')
    expect(rendered.offset).toBe('3')
    const shownEndpoint = endpoint(streamConfig({ topics: ['acme.orders'] }), shown)
    const again = shownEndpoint.render(
      consumed(3, { topic: 'acme.orders' }),
      anonymous
    ) as StreamRecord
    expect(again.topic).toBe('acme.orders')
  })
})

describe('render', () => {
  it('renders a record once per principal a mask applies to, and once for all the others', () => {
    const engine = new PolicyEngine(
      policyConfig({
        policies: [
          {
            name: 'pii',
            kind: 'mask',
            topics: ['orders'],
            except: ['bob'],
            fields: [{ pointers: ['/email'], strategy: 'email' }],
          },
        ],
        virtualClusters: [{ name: 'vc', policies: ['pii'] }],
      })
    )
    const e = endpoint(streamConfig(), virtualCluster({ name: 'vc' }), {
      schemas: noSchemas,
      policies: engine,
    })
    // The hub hands one consumed record to every subscriber of the stream.
    const record = consumed(0, { value: Buffer.from('{"email":"jane@example.com"}') })
    const alice = e.render(record, principal('alice')) as StreamRecord
    const bob = e.render(record, principal('bob')) as StreamRecord
    const carol = e.render(record, principal('carol')) as StreamRecord
    expect(alice.value).toEqual({ email: 'j***@example.com' })
    expect(carol.value).toEqual({ email: 'j***@example.com' })
    expect(bob.value).toEqual({ email: 'jane@example.com' })
    expect(e.render(record, principal('alice'))).toBe(alice)
    expect(e.render(record, principal('dave'))).not.toBe(alice)
    expect(e.render(record, anonymous)).not.toBe(bob)
    expect(e.render(record, principal('bob'))).toBe(bob)
    // The shared record itself stays clear.
    expect(String(record.value)).toBe('{"email":"jane@example.com"}')
  })

  const registered = virtualCluster({ schemaRegistry: 'main' })
  const framed = (value: unknown) => frame(7, Buffer.from(JSON.stringify(value)))

  it('renders a record once, sharing the result among its subscribers (sync)', () => {
    const e = endpoint()
    const record = consumed(0)
    const first = e.render(record, anonymous)
    expect(first).toMatchObject({ topic: 'orders', offset: '0', value: { n: 0 } })
    expect(e.render(record, anonymous)).toBe(first)
    // An equal but distinct record is rendered on its own.
    expect(e.render(consumed(0), anonymous)).not.toBe(first)
  })

  it('decodes a schema-framed record once however many subscribers ask, before and after', async () => {
    const schemas = countingSchemas()
    const e = endpoint(streamConfig(), registered, { schemas, policies: noTransforms })
    const record = consumed(0, { value: framed({ status: 'paid' }) })
    const first = e.render(record, anonymous)
    const second = e.render(record, anonymous)
    expect(first).toBeInstanceOf(Promise)
    expect(second).toBe(first)
    const value = await first
    expect(value).toMatchObject({ value: { status: 'paid' }, schemaId: 7 })
    // Afterwards the result is at hand without a promise.
    expect(e.render(record, anonymous)).toBe(value)
    expect(schemas.calls).toBe(1)
    await e.render(consumed(1, { value: framed({ status: 'new' }) }), anonymous)
    expect(schemas.calls).toBe(2)
  })

  it('waits for a slow registry once for all subscribers', async () => {
    const gate = deferred<void>()
    const schemas = countingSchemas()
    const slow: RecordDeserializer = {
      async deserialize(bytes, registry) {
        await gate.promise
        return schemas.deserialize(bytes, registry)
      },
    }
    const e = endpoint(streamConfig(), registered, { schemas: slow, policies: noTransforms })
    const record = consumed(0, { value: framed(1) })
    const all = [
      e.render(record, anonymous),
      e.render(record, anonymous),
      e.render(record, anonymous),
    ]
    gate.resolve()
    expect(new Set(await Promise.all(all)).size).toBe(1)
    expect(schemas.calls).toBe(1)
  })

  it('applies the stream filters: a dropped record renders as null', async () => {
    const e = endpoint(
      streamConfig({ filters: { json: [{ pointer: '/status', equals: 'paid' }] } }),
      registered,
      { schemas: countingSchemas(), policies: noTransforms }
    )
    const paid = consumed(0, { value: Buffer.from('{"status":"paid"}') })
    const open = consumed(1, { value: Buffer.from('{"status":"open"}') })
    expect(e.render(paid, anonymous)).toMatchObject({ offset: '0' })
    expect(e.render(open, anonymous)).toBeNull()
    expect(e.render(open, anonymous)).toBeNull()
    // After schema decoding too.
    expect(await e.render(consumed(2, { value: framed({ status: 'open' }) }), anonymous)).toBeNull()
    expect(
      await e.render(consumed(3, { value: framed({ status: 'paid' }) }), anonymous)
    ).toMatchObject({
      offset: '3',
    })
  })

  it("applies the engine's read transform for the client topic, with the stream's policies", () => {
    const asked: unknown[] = []
    const { read } = compileTransform(
      TransformPolicy.parse({
        name: 't',
        kind: 'transform',
        fetch: { mask: ['/card'], removeHeaders: ['internal'], filter: { keys: ['eu-*'] } },
      })
    )
    const vc = virtualCluster({ namespace: { prefix: 'acme.', hidePrefix: true } })
    const e = endpoint(streamConfig({ policies: ['stream-policy'] }), vc, {
      schemas: noSchemas,
      policies: {
        recordEditsFor: () => undefined,
        readTransform: (...args) => {
          asked.push(args)
          return read
        },
      },
    })
    const record = (key: string) =>
      consumed(0, {
        topic: 'acme.orders',
        key: Buffer.from(key),
        value: Buffer.from('{"card":"4111","n":1}'),
        headers: { internal: Buffer.from('x'), keep: [Buffer.from('a'), Buffer.from('b')] },
      })
    const source = record('eu-1')
    expect(e.render(source, anonymous)).toMatchObject({
      topic: 'orders',
      value: { card: '***', n: 1 },
      headers: { keep: 'b' },
    })
    expect((e.render(source, anonymous) as StreamRecord).headers).not.toHaveProperty('internal')
    // The consumed record is shared by every subscriber: it is left as it was.
    expect(source.value?.toString()).toBe('{"card":"4111","n":1}')
    expect(e.render(record('us-1'), anonymous)).toBeNull()
    expect(asked[0]).toEqual(['acme', 'orders', ['stream-policy']])
  })

  it('filters on keys and headers', () => {
    const e = endpoint(streamConfig({ filters: { keys: ['eu-*'], headers: { source: 'web' } } }))
    const record = (key: string, source: string) =>
      consumed(0, { key: Buffer.from(key), headers: { source: Buffer.from(source) } })
    expect(e.render(record('eu-1', 'web'), anonymous)).not.toBeNull()
    expect(e.render(record('us-1', 'web'), anonymous)).toBeNull()
    expect(e.render(record('eu-1', 'app'), anonymous)).toBeNull()
  })

  it('tells onDecodeError about framed bytes the registry refused, under the stream name', async () => {
    const errors: [string, string][] = []
    const e = endpoint(streamConfig(), registered, {
      schemas: noSchemas,
      policies: noTransforms,
      onDecodeError: (stream, part) => errors.push([stream, part]),
    })
    const rendered = await e.render(consumed(0, { value: framed(1) }), anonymous)
    expect(rendered).toMatchObject({ encoding: { value: 'base64' } })
    expect(errors).toEqual([['orders-live', 'value']])
  })
})
