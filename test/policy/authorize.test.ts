// PolicyEngine.authorize over a whole request: every resource decided together (implied describe
// included), rate limits charged once per request and never for a refused one.
import { describe, expect, it } from 'vitest'
import { PolicyEngine } from '../../src/policy/engine.ts'
import { config, manualClock, principal, request } from './fixtures.ts'

function engine(clock = manualClock()) {
  return new PolicyEngine(
    config({
      policies: [
        {
          name: 'acl',
          kind: 'acl',
          rules: [
            { principals: ['alice'], names: ['a', 'b', 'c'], operations: ['consume'] },
            { principals: ['alice'], names: ['orders'], operations: ['produce'] },
            { principals: ['alice'], names: ['*'], operations: ['describe'], effect: 'deny' },
          ],
        },
        { name: 'one-per-second', kind: 'rate-limit', requestsPerSecond: 1, burstSeconds: 3 },
      ],
      virtualClusters: [{ name: 'vc', policies: ['acl', 'one-per-second'] }],
    }),
    { now: clock.now }
  )
}

const alice = principal('alice')
const topics = (...names: string[]) => names.map((name) => ({ type: 'topic' as const, name }))
const consume = (...names: string[]) =>
  request({ principal: alice, operation: 'consume', resources: topics(...names), bytes: 0 })
/** Requests left in alice's bucket (burst 3), read from the RateLimit header. */
const left = (e: PolicyEngine) =>
  /r=(\d+)/.exec(e.rateLimitHeaders(consume('a'))?.RateLimit ?? '')?.[1]

describe('PolicyEngine.authorize, one request over several resources', () => {
  it('charges a request over three topics once', () => {
    const e = engine()
    expect(left(e)).toBe('3')
    expect(e.authorize(consume('a', 'b', 'c'))).toEqual({ verdict: 'allow' })
    expect(left(e)).toBe('2')
  })

  it('refuses the whole request when one resource is denied, and charges nothing', () => {
    const e = engine()
    expect(e.authorize(consume('a', 'secret', 'c'))).toEqual({
      verdict: 'deny',
      code: 'forbidden',
      detail: 'principal "alice" may not consume from topic "secret"',
      policy: 'acl',
    })
    expect(left(e)).toBe('3')
  })

  it('decides each resource by its own operation where one is given', () => {
    const e = engine()
    const produceAndRead = (reply: string) =>
      request({
        principal: alice,
        resources: [
          { type: 'topic', name: 'orders' },
          { type: 'topic', name: reply, operation: 'consume' },
        ],
      })
    expect(e.authorize(produceAndRead('a'))).toEqual({ verdict: 'allow' })
    expect(e.authorize(produceAndRead('orders'))).toMatchObject({
      detail: 'principal "alice" may not consume from topic "orders"',
    })
  })

  it('implies describe from produce, consume and manage, even past a deny of describe alone', () => {
    const e = engine()
    const describe = (name: string) =>
      request({ principal: alice, operation: 'describe', resources: topics(name), bytes: 0 })
    expect(e.authorize(describe('a'))).toEqual({ verdict: 'allow' })
    expect(e.authorize(describe('orders'))).toEqual({ verdict: 'allow' })
    expect(e.authorizeAcl({ ...describe('b'), resource: { type: 'topic', name: 'b' } })).toEqual({
      verdict: 'allow',
    })
    expect(e.authorize(describe('zzz'))).toMatchObject({
      code: 'forbidden',
      detail: 'principal "alice" may not describe topic "zzz"',
    })
  })
})
