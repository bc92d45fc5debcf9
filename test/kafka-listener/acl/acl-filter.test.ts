// The filter as the proxy drives it: what it wants (nothing at all without ACLs), APIs refused
// outright, the principal it needs, and its place in the request pipeline.
import { describe, expect, it } from 'vitest'
import { BrokerMap } from '../../../src/kafka-listener/broker-map.ts'
import type { RequestFilter } from '../../../src/kafka-listener/filters/types.ts'
import { aclApiCap, aclFilter, TopicIdNames } from '../../../src/kafka-listener/acl/index.ts'
import { runRequestFilters } from '../../../src/kafka-listener/request-pipeline.ts'
import type { CreateAclsResponse, DescribeAclsResponse } from '../../../src/protocol/index.ts'
import {
  alice,
  allow,
  CurrentEngine,
  engineWith,
  harness,
  onTheWire,
  wireRequest,
} from './support.ts'

const header = (apiKey: number, version: number) => ({
  requestApiKey: apiKey,
  requestApiVersion: version,
  correlationId: 3,
  clientId: 'c',
})

describe('what the ACL filter wants', () => {
  it('nothing while no ACL applies, and everything governed once one does (live)', () => {
    const policies = new CurrentEngine(engineWith([]))
    const filter = aclFilter({ policies, virtualCluster: 'vc', topicNames: new TopicIdNames() })
    const state = { principal: alice, scratch: new Map() }
    expect(filter.wants(0, 9, state)).toBe(false)
    expect(filter.wants(3, 12, state)).toBe(false)
    policies.engine = engineWith([allow('topic', ['*'], ['produce'])])
    expect(filter.wants(0, 9, state)).toBe(true)
    expect(filter.wants(3, 12, state)).toBe(true)
    expect(filter.wants(29, 3, state)).toBe(true) // denied outright
  })

  it('never the exempt APIs', () => {
    const h = harness([allow('topic', ['*'], ['produce'])])
    for (const key of [17, 18, 36, 60, 71, 72]) expect(h.filter.wants(key, 0, h.state)).toBe(false)
  })

  it('Produce v0-2 too: undecodable, so the proxy closes the connection instead of passing it', () => {
    const h = harness([allow('topic', ['*'], ['produce'])])
    expect(h.filter.wants(0, 2, h.state)).toBe(true)
  })
})

describe('APIs refused outright', () => {
  it('answers with the error at the top level where the response has one', () => {
    const h = harness([allow('topic', ['*'], ['produce'])])
    const out = h.run<unknown, DescribeAclsResponse>(29, 3, { resourceTypeFilter: 1 })
    expect(out.local().errorCode).toBe(31)
    const share = h.run<unknown, { errorCode: number }>(76, 1, { groupId: 'g' })
    expect(share.local().errorCode).toBe(30)
  })

  it('closes the connection where it has none', () => {
    const out = harness([allow('topic', ['*'], ['produce'])]).run<unknown, CreateAclsResponse>(
      30,
      3,
      {}
    )
    expect(out.decision).toEqual({
      kind: 'close',
      reason: 'CreateAcls is refused while ACLs apply',
    })
  })

  it('are not offered in ApiVersions while ACLs apply', () => {
    const policies = new CurrentEngine(engineWith([allow('topic', ['*'], ['produce'])]))
    const cap = aclApiCap(policies, 'vc')
    expect(cap(29)).toBe('remove')
    expect(cap(0)).toBeUndefined()
    expect(cap(18)).toBeUndefined()
    policies.engine = engineWith([])
    expect(cap(29)).toBeUndefined()
  })
})

describe('the principal', () => {
  it('closes the connection when none was established (the gate must run first)', () => {
    const h = harness([allow('topic', ['*'], ['produce'])], null)
    const out = h.run(12, 4, { groupId: 'g' })
    expect(out.decision).toEqual({ kind: 'close', reason: 'no principal to check ACLs for' })
  })

  it('follows re-authentication: the next request is checked as the new principal', () => {
    const h = harness([
      { principals: ['bob'], resource: 'group', names: ['g'], operations: ['consume'] },
    ])
    expect(h.run(12, 4, { groupId: 'g' }).decision.kind).toBe('respond')
    h.state.principal = { name: 'bob', method: 'sasl', roles: [] }
    expect(h.run(12, 4, { groupId: 'g' }).decision.kind).toBe('forward')
  })

  it('matches roles as the other doors do', () => {
    const h = harness([
      { principals: ['role:consumers'], resource: 'group', names: ['*'], operations: ['consume'] },
    ])
    h.state.principal = { name: 'carol', method: 'sasl', roles: ['consumers'] }
    expect(h.run(12, 4, { groupId: 'any' }).decision.kind).toBe('forward')
  })
})

describe('in the request pipeline', () => {
  it('stops a refused request before any later filter sees it', () => {
    const h = harness([allow('group', ['app-*'], ['consume'])])
    const seen: number[] = []
    const later: RequestFilter = {
      wants: () => true,
      onRequest: (_b, hdr) => {
        seen.push(hdr.requestApiKey)
        return { kind: 'forward', changed: false }
      },
    }
    const context = {
      brokers: new BrokerMap({ advertisedHost: 'w', brokerPortBase: 1 }),
      state: h.state,
    }
    const body = wireRequest(12, 4, { groupId: 'other' })
    const refused = runRequestFilters([h.filter, later], body, header(12, 4), context)
    expect(refused).toMatchObject({ kind: 'respond' })
    expect(seen).toEqual([])
    const allowed = wireRequest(12, 4, { groupId: 'app-1' })
    expect(runRequestFilters([h.filter, later], allowed, header(12, 4), context)).toEqual({
      kind: 'forward',
      changed: false,
    })
    expect(seen).toEqual([12])
  })

  it('keeps its response edit when later filters add their own', () => {
    const h = harness([allow('topic', ['orders'], ['produce'])])
    const order: string[] = []
    const later: RequestFilter = {
      wants: () => true,
      onRequest: () => ({
        kind: 'forward',
        changed: false,
        onResponse: () => void order.push('later'),
      }),
    }
    const context = {
      brokers: new BrokerMap({ advertisedHost: 'w', brokerPortBase: 1 }),
      state: h.state,
    }
    const body = wireRequest(0, 9, {
      acks: 1,
      topicData: [
        { name: 'orders', partitionData: [{ index: 0 }] },
        { name: 'secret', partitionData: [{ index: 0 }] },
      ],
    })
    const decision = runRequestFilters([h.filter, later], body, header(0, 9), context)
    if (decision instanceof Promise || decision.kind !== 'forward') throw new Error('not forwarded')
    expect(decision.changed).toBe(true)
    const response = onTheWire<{ responses: { name: string }[] }>(0, 9, {
      responses: [],
      throttleTimeMs: 0,
      nodeEndpoints: [],
    })
    decision.onResponse?.(response)
    expect(response.responses.map((t) => t.name)).toEqual(['secret'])
    expect(order).toEqual(['later'])
  })
})
