// Every broker address a client can learn is the gateway's, in every version of every response
// that carries one; responses with nothing to change are reported unchanged (forwarded as they
// came, never re-encoded).
import { describe, expect, it } from 'vitest'
import { BrokerMap } from '../../../src/kafka-listener/broker-map.ts'
import { brokerAddressFilters } from '../../../src/kafka-listener/filters/broker-addresses.ts'
import type { ResponseFilter } from '../../../src/kafka-listener/filters/types.ts'
import {
  apis,
  decodeResponse,
  encodeResponse,
  type ApiDefinition,
  type DescribeClusterResponse,
  type FetchResponse,
  type FindCoordinatorResponse,
  type MetadataResponse,
  type ProduceResponse,
} from '../../../src/protocol/index.ts'

const HOST = 'weir.example'
const BASE = 9093

function brokerMap(): BrokerMap {
  return new BrokerMap({ advertisedHost: HOST, brokerPortBase: BASE })
}

function filterFor<Res>(apiKey: number): ResponseFilter<Res> {
  const found = brokerAddressFilters.find((f) => f.apiKey === apiKey)
  if (found === undefined) throw new Error(`no filter for API ${apiKey}`)
  return found as unknown as ResponseFilter<Res>
}

/** `body` as a client of `version` would receive it: encoded, then decoded by the codec. */
function onTheWire<Res>(api: ApiDefinition<unknown, Res>, version: number, body: Res): Res {
  const framed = encodeResponse(api, version, { correlationId: 7 }, body)
  return decodeResponse(api, version, framed.subarray(4)).body
}

/** Runs the filter, and checks that what it left can still be sent in that version. */
function apply<Res>(
  api: ApiDefinition<unknown, Res>,
  version: number,
  body: Res,
  brokers: BrokerMap
): { changed: boolean; body: Res } {
  const decoded = onTheWire(api, version, body)
  const changed = filterFor<Res>(api.key).onResponse(decoded, version, {
    brokers,
    state: { principal: undefined, scratch: new Map() },
  })
  return { changed, body: onTheWire(api, version, decoded) }
}

function versions(api: ApiDefinition, from = api.minVersion): number[] {
  return Array.from({ length: api.maxVersion - from + 1 }, (_, i) => from + i)
}

describe('Metadata', () => {
  const api = apis.metadata
  const response = (): MetadataResponse => ({
    ...api.defaultResponse(),
    brokers: [
      { nodeId: 1, host: 'kafka-1.internal', port: 19092, rack: null },
      { nodeId: 2, host: 'kafka-2.internal', port: 19093, rack: null },
    ],
  })

  it.each(versions(api))('v%i: rewrites every broker and learns where each really is', (v) => {
    const brokers = brokerMap()
    const { changed, body } = apply(api, v, response(), brokers)
    expect(changed).toBe(true)
    expect(body.brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port }))).toEqual([
      { nodeId: 1, host: HOST, port: BASE + 1 },
      { nodeId: 2, host: HOST, port: BASE + 2 },
    ])
    expect(brokers.upstream(1)).toEqual({ host: 'kafka-1.internal', port: 19092 })
    expect(brokers.upstream(2)).toEqual({ host: 'kafka-2.internal', port: 19093 })
  })

  it('reports a response that already names the gateway as unchanged', () => {
    const body = response()
    for (const broker of body.brokers)
      Object.assign(broker, { host: HOST, port: BASE + broker.nodeId })
    expect(apply(api, api.maxVersion, body, brokerMap()).changed).toBe(false)
    expect(apply(api, api.maxVersion, api.defaultResponse(), brokerMap()).changed).toBe(false)
  })
})

describe('FindCoordinator', () => {
  const api = apis.findCoordinator

  it.each(versions(api).filter((v) => v < 4))('v%i: rewrites the one coordinator', (v) => {
    const body: FindCoordinatorResponse = {
      ...api.defaultResponse(),
      nodeId: 3,
      host: 'kafka-3.internal',
      port: 19092,
    }
    const { changed, body: out } = apply(api, v, body, brokerMap())
    expect(changed).toBe(true)
    expect(out).toMatchObject({ nodeId: 3, host: HOST, port: BASE + 3 })
  })

  it.each(versions(api).filter((v) => v < 4))(
    'v%i: leaves "no coordinator" (node -1) and errored answers alone',
    (v) => {
      const none = { ...api.defaultResponse(), nodeId: -1, host: '', port: -1 }
      expect(apply(api, v, none, brokerMap())).toMatchObject({
        changed: false,
        body: { nodeId: -1, host: '', port: -1 },
      })
      const errored = { ...api.defaultResponse(), errorCode: 15, nodeId: 3, host: 'x', port: 1 }
      expect(apply(api, v, errored, brokerMap())).toMatchObject({
        changed: false,
        body: { errorCode: 15, host: 'x', port: 1 },
      })
    }
  )

  it.each(versions(api, 4))('v%i: rewrites each coordinator of the list', (v) => {
    const body: FindCoordinatorResponse = {
      ...api.defaultResponse(),
      coordinators: [
        {
          key: 'g1',
          nodeId: 1,
          host: 'kafka-1.internal',
          port: 19092,
          errorCode: 0,
          errorMessage: null,
        },
        { key: 'g2', nodeId: -1, host: '', port: -1, errorCode: 0, errorMessage: null },
        {
          key: 'g3',
          nodeId: 2,
          host: 'stale',
          port: 1,
          errorCode: 15,
          errorMessage: 'not available',
        },
        {
          key: 'g4',
          nodeId: 2,
          host: 'kafka-2.internal',
          port: 19093,
          errorCode: 0,
          errorMessage: null,
        },
      ],
    }
    const { changed, body: out } = apply(api, v, body, brokerMap())
    expect(changed).toBe(true)
    expect(out.coordinators.map(({ key, host, port }) => ({ key, host, port }))).toEqual([
      { key: 'g1', host: HOST, port: BASE + 1 },
      { key: 'g2', host: '', port: -1 },
      { key: 'g3', host: 'stale', port: 1 },
      { key: 'g4', host: HOST, port: BASE + 2 },
    ])
  })

  it('reports a list with nothing to rewrite as unchanged', () => {
    const body: FindCoordinatorResponse = {
      ...api.defaultResponse(),
      coordinators: [
        { key: 'g', nodeId: -1, host: '', port: -1, errorCode: 15, errorMessage: null },
        { key: 'h', nodeId: 1, host: HOST, port: BASE + 1, errorCode: 0, errorMessage: null },
      ],
    }
    expect(apply(api, api.maxVersion, body, brokerMap()).changed).toBe(false)
  })
})

describe('DescribeCluster', () => {
  const api = apis.describeCluster
  const response = (endpointType: number): DescribeClusterResponse => ({
    ...api.defaultResponse(),
    endpointType,
    brokers: [
      { brokerId: 1, host: 'kafka-1.internal', port: 19092, rack: 'r1', isFenced: false },
      { brokerId: 4, host: 'kafka-4.internal', port: 19095, rack: null, isFenced: false },
    ],
  })

  it.each(versions(api))('v%i: rewrites and learns brokers', (v) => {
    const brokers = brokerMap()
    const { changed, body } = apply(api, v, response(1), brokers)
    expect(changed).toBe(true)
    expect(body.brokers.map(({ brokerId, host, port }) => ({ brokerId, host, port }))).toEqual([
      { brokerId: 1, host: HOST, port: BASE + 1 },
      { brokerId: 4, host: HOST, port: BASE + 4 },
    ])
    expect(brokers.nodes()).toEqual([1, 4])
    expect(brokers.upstream(4)).toEqual({ host: 'kafka-4.internal', port: 19095 })
  })

  it.each(versions(api, 1))('v%i: never learns controllers (endpointType 2) as brokers', (v) => {
    const brokers = brokerMap()
    const { body } = apply(api, v, response(2), brokers)
    expect(brokers.nodes()).toEqual([])
    // Their real addresses still do not reach the client.
    expect(body.brokers.map((b) => b.host)).toEqual([HOST, HOST])
  })

  it('reports brokers already at the gateway as unchanged', () => {
    const body = response(1)
    for (const b of body.brokers) Object.assign(b, { host: HOST, port: BASE + b.brokerId })
    expect(apply(api, api.maxVersion, body, brokerMap()).changed).toBe(false)
  })
})

describe('NodeEndpoints (KIP-951)', () => {
  const endpoints = () => [
    { nodeId: 2, host: 'kafka-2.internal', port: 19093, rack: null },
    { nodeId: 5, host: 'kafka-5.internal', port: 19096, rack: 'r' },
  ]

  it('only applies to Produce from v10 and Fetch from v16, where they exist', () => {
    expect(filterFor(apis.produce.key).minVersion).toBe(10)
    expect(filterFor(apis.fetch.key).minVersion).toBe(16)
  })

  it.each(versions(apis.produce, 10))('Produce v%i: rewrites the leader hints', (v) => {
    const body: ProduceResponse = { ...apis.produce.defaultResponse(), nodeEndpoints: endpoints() }
    const { changed, body: out } = apply(apis.produce, v, body, brokerMap())
    expect(changed).toBe(true)
    expect(out.nodeEndpoints.map(({ host, port }) => ({ host, port }))).toEqual([
      { host: HOST, port: BASE + 2 },
      { host: HOST, port: BASE + 5 },
    ])
  })

  it.each(versions(apis.fetch, 16))('Fetch v%i: rewrites the leader hints', (v) => {
    const body: FetchResponse = { ...apis.fetch.defaultResponse(), nodeEndpoints: endpoints() }
    const { changed, body: out } = apply(apis.fetch, v, body, brokerMap())
    expect(changed).toBe(true)
    expect(out.nodeEndpoints.map(({ host, port }) => ({ host, port }))).toEqual([
      { host: HOST, port: BASE + 2 },
      { host: HOST, port: BASE + 5 },
    ])
  })

  it('reports responses without leader hints as unchanged', () => {
    const brokers = brokerMap()
    expect(apply(apis.produce, 13, apis.produce.defaultResponse(), brokers).changed).toBe(false)
    expect(apply(apis.fetch, 18, apis.fetch.defaultResponse(), brokers).changed).toBe(false)
  })

  it('does not learn brokers from leader hints', () => {
    const brokers = brokerMap()
    const body: ProduceResponse = { ...apis.produce.defaultResponse(), nodeEndpoints: endpoints() }
    apply(apis.produce, 13, body, brokers)
    expect(brokers.nodes()).toEqual([])
  })

  it('covers ShareFetch and ShareAcknowledge too', () => {
    for (const api of [apis.shareFetch, apis.shareAcknowledge]) {
      const body = { ...api.defaultResponse(), nodeEndpoints: endpoints() }
      const { changed, body: out } = apply(api, api.maxVersion, body, brokerMap())
      expect(changed).toBe(true)
      expect(out.nodeEndpoints.every((e) => e.host === HOST)).toBe(true)
    }
  })
})
