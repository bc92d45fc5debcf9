// Which transform applies to a topic, through the engine: the last matching policy of the chain,
// so a route's own transform overrides its cluster's; none costs a door nothing per record.
import { describe, expect, it } from 'vitest'
import { PolicyEngine } from '../../../src/policy/engine.ts'
import { transformPolicyOf } from '../../../src/policy/transform/index.ts'
import { config } from '../fixtures.ts'

const policies = [
  {
    name: 'cluster',
    kind: 'transform',
    topics: ['orders-*'],
    produce: { setHeaders: { by: 'cluster' } },
    fetch: { removeHeaders: ['a'] },
  },
  {
    name: 'route',
    kind: 'transform',
    topics: ['orders-eu'],
    produce: { setHeaders: { by: 'route' } },
  },
  { name: 'limit', kind: 'rate-limit', requestsPerSecond: 10 },
]

function engine(vcPolicies: string[]) {
  return new PolicyEngine(
    config({ policies, virtualClusters: [{ name: 'vc', policies: vcPolicies }] })
  )
}

const setBy = (write: ((r: never) => void) | undefined) => {
  const record = { topic: 't', key: null, value: null, headers: [] }
  write?.(record as never)
  return (record.headers as { value: Buffer }[]).map((h) => String(h.value))
}

describe('transforms by topic', () => {
  it('gives the matching policy of the cluster, and nothing for other topics', () => {
    const e = engine(['cluster', 'limit'])
    expect(e.hasTransforms('vc')).toBe(true)
    expect(setBy(e.writeTransform('vc', 'orders-eu'))).toEqual(['cluster'])
    expect(e.readTransform('vc', 'orders-eu')).toBeTypeOf('function')
    expect(e.writeTransform('vc', 'payments')).toBeUndefined()
    expect(e.readTransform('vc', 'payments')).toBeUndefined()
  })

  it("lets a route's transform win for its topics, the whole policy (no fetch part here)", () => {
    const e = engine(['cluster'])
    expect(setBy(e.writeTransform('vc', 'orders-eu', ['route']))).toEqual(['route'])
    expect(e.readTransform('vc', 'orders-eu', ['route'])).toBeUndefined()
    expect(setBy(e.writeTransform('vc', 'orders-us', ['route']))).toEqual(['cluster'])
  })

  it('has none without a transform policy', () => {
    const e = engine(['limit'])
    expect(e.hasTransforms('vc')).toBe(false)
    expect(e.writeTransform('vc', 'orders-eu')).toBeUndefined()
  })

  it('takes the reloaded policies at once', () => {
    const e = engine(['cluster'])
    expect(e.readTransform('vc', 'orders-eu')).toBeTypeOf('function')
    e.reload(config({ policies, virtualClusters: [{ name: 'vc', policies: ['limit'] }] }))
    expect(e.readTransform('vc', 'orders-eu')).toBeUndefined()
  })

  it('reads the same answer straight from a config (for services that store transformed records)', () => {
    const parsed = config({ policies }).policies
    expect(transformPolicyOf(parsed, ['cluster', 'route'], 'orders-eu')?.name).toBe('route')
    expect(transformPolicyOf(parsed, ['cluster', 'route'], 'orders-us')?.name).toBe('cluster')
    expect(transformPolicyOf(parsed, ['limit'], 'orders-eu')).toBeUndefined()
  })
})
