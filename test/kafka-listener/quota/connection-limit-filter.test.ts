// The Kafka listener's connection limits: a slot per authenticated connection from the one
// PolicyEngine, taken at its first request once a principal is known, given back on close.
import { describe, expect, it } from 'vitest'
import { BrokerMap } from '../../../src/kafka-listener/broker-map.ts'
import type { ConnectionState } from '../../../src/kafka-listener/filters/types.ts'
import { connectionLimitFilter } from '../../../src/kafka-listener/quota/index.ts'
import { PolicyEngine } from '../../../src/policy/engine.ts'
import type { RequestHeader } from '../../../src/protocol/index.ts'
import { config, principal } from '../../policy/fixtures.ts'

const PRODUCE = 0
const METADATA = 3

function setup(policies: string[] = ['one-each']) {
  const engine = new PolicyEngine(
    config({
      policies: [{ name: 'one-each', kind: 'connection-limit', maxConnections: 1 }],
      virtualClusters: [{ name: 'vc', policies }],
    })
  )
  const filter = connectionLimitFilter({ policies: engine, virtualCluster: 'vc' })
  const brokers = new BrokerMap({ advertisedHost: 'weir', brokerPortBase: 9100 })
  const connection = (who?: string): ConnectionState => ({
    principal: who === undefined ? undefined : principal(who),
    scratch: new Map(),
  })
  const header = (apiKey: number): RequestHeader => ({
    requestApiKey: apiKey,
    requestApiVersion: 12,
    correlationId: 1,
    clientId: 'test',
  })
  /** The filter as the proxy runs it: asked whether it wants the request, then for a decision. */
  const request = async (state: ConnectionState, apiKey = METADATA, version = 12) =>
    filter.wants(apiKey, version, state)
      ? await filter.onRequest({}, header(apiKey), { brokers, state })
      : 'not wanted'
  /** What ProxyConnection.close does. */
  const close = (state: ConnectionState) => {
    for (const onClose of state.onClose ?? []) onClose()
  }
  return { request, connection, close }
}

describe('connectionLimitFilter', () => {
  it('takes a slot at the first request after authentication, and only then', async () => {
    const { request, connection } = setup()
    const state = connection()
    expect(await request(state)).toBe('not wanted')
    state.principal = principal('alice')
    expect(await request(state)).toEqual({ kind: 'forward', changed: false })
    expect(await request(state)).toBe('not wanted')
  })

  it('closes a connection over the limit, saying why, and frees the slot when one closes', async () => {
    const { request, connection, close } = setup()
    const first = connection('alice')
    await request(first)
    expect(await request(connection('alice'))).toEqual({
      kind: 'close',
      reason:
        'principal "alice" already holds 1 connections, the most connection limit "one-each" allows',
    })
    expect(await request(connection('bob'))).toEqual({ kind: 'forward', changed: false })
    close(first)
    expect(await request(connection('alice'))).toEqual({ kind: 'forward', changed: false })
  })

  it('leaves Produce v0-2 alone (never decoded): the next request counts the connection', async () => {
    const { request, connection } = setup()
    const state = connection('alice')
    expect(await request(state, PRODUCE, 2)).toBe('not wanted')
    expect(await request(state, PRODUCE, 3)).toEqual({ kind: 'forward', changed: false })
  })

  it('wants nothing where no connection limit applies', async () => {
    const { request, connection } = setup([])
    expect(await request(connection('alice'))).toBe('not wanted')
  })
})
