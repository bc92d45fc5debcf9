import { describe, expect, it } from 'vitest'
import type { Door } from '../../src/core/policy-request.ts'
import { PolicyEngine } from '../../src/policy/engine.ts'
import { hashApiKey } from '../../src/policy/secrets.ts'
import { config, manualClock, principal, request } from './fixtures.ts'

const policies = [
  {
    name: 'acl-base',
    kind: 'acl',
    rules: [
      { principals: ['role:producer'], names: ['orders-*'], operations: ['produce'] },
      { effect: 'deny', principals: ['mallory'], names: ['*'], operations: ['produce'] },
    ],
  },
  {
    name: 'acl-partners',
    kind: 'acl',
    rules: [{ principals: ['partner-*'], names: ['orders-partner'], operations: ['produce'] }],
  },
  { name: 'rl-client', kind: 'rate-limit', per: 'principal', requestsPerSecond: 2 },
  { name: 'rl-route', kind: 'rate-limit', per: 'route', requestsPerSecond: 1 },
  { name: 'rl-bytes', kind: 'rate-limit', per: 'virtual-cluster', bytesPerSecond: 1000 },
  { name: 'schema-all', kind: 'schema', value: { format: 'json-schema', schema: '{}' } },
  {
    name: 'schema-orders',
    kind: 'schema',
    topics: ['orders-*'],
    value: { format: 'avro', subject: 'orders-value' },
  },
  {
    name: 'schema-eu',
    kind: 'schema',
    topics: ['orders-eu'],
    value: { format: 'avro', subject: 'orders-eu-value' },
  },
]

function engine(vcPolicies: string[], clock = manualClock()) {
  return new PolicyEngine(
    config({
      policies,
      virtualClusters: [
        {
          name: 'vc',
          policies: vcPolicies,
          authentication: [
            {
              kind: 'api-key',
              header: 'X-Key',
              keys: [{ principal: 'svc', sha256: hashApiKey('k'), roles: ['producer'] }],
            },
          ],
        },
        { name: 'open' },
      ],
    }),
    { now: clock.now }
  )
}

const producer = principal('svc', ['producer'])
const produce = (overrides: Parameters<typeof request>[0] = {}) =>
  request({ principal: producer, resources: [{ type: 'topic', name: 'orders-us' }], ...overrides })

describe('PolicyEngine.authenticate', () => {
  it('uses each virtual cluster’s own methods', async () => {
    const e = engine([])
    expect(await e.authenticate('vc', { apiKey: 'k' })).toMatchObject({
      principal: { name: 'svc' },
    })
    expect(await e.authenticate('vc', {})).toMatchObject({
      decision: { code: 'unauthenticated', detail: 'credentials required: api-key' },
    })
    expect(await e.authenticate('open', {})).toMatchObject({ principal: { name: 'anonymous' } })
    expect(e.apiKeyHeaders('vc')).toEqual(['x-key'])
    expect(e.apiKeyHeaders('open')).toEqual([])
  })

  it('refuses unknown virtual clusters loudly (a wiring bug, not a client error)', () => {
    expect(() => engine([]).authenticate('nope', {})).toThrow(/no virtual cluster named "nope"/)
    expect(() => engine([]).authorize(request({ virtualCluster: 'nope' }))).toThrow(/nope/)
  })

  it('fails construction on unusable key material, naming the virtual cluster', () => {
    const bad = config({
      virtualClusters: [{ name: 'vc', authentication: [{ kind: 'jwt', keys: ['not a pem'] }] }],
    })
    expect(() => new PolicyEngine(bad)).toThrow(/virtual cluster "vc" authentication: .*PEM/)
  })
})

describe('PolicyEngine.authorize', () => {
  it('allows everything when no policy applies', () => {
    expect(engine([]).authorize(produce({ principal: principal('anyone') }))).toEqual({
      verdict: 'allow',
    })
  })

  it('denies by default once an ACL applies, and pools route ACLs with the cluster’s', () => {
    const e = engine(['acl-base'])
    const partner = produce({
      principal: principal('partner-acme'),
      resources: [{ type: 'topic', name: 'orders-partner' }],
    })
    expect(e.authorize(produce())).toEqual({ verdict: 'allow' })
    expect(e.authorize(partner)).toMatchObject({ verdict: 'deny', code: 'forbidden' })
    expect(e.authorize(partner, ['acl-partners'])).toEqual({ verdict: 'allow' })
    // The cluster's explicit deny still wins on the route.
    const mallory = produce({
      principal: principal('mallory', ['producer']),
      resources: [{ type: 'topic', name: 'orders-partner' }],
    })
    expect(e.authorize(mallory, ['acl-partners'])).toMatchObject({
      verdict: 'deny',
      policy: 'acl-base',
      detail: 'principal "mallory" may not produce to topic "orders-partner"',
    })
  })

  it('decides the same for every door', () => {
    const e = engine(['acl-base'])
    const doors: Door[] = ['http', 'websocket', 'sse', 'long-poll', 'kafka']
    for (const door of doors) {
      expect(e.authorize(produce({ door }))).toEqual({ verdict: 'allow' })
      expect(e.authorize(produce({ door, principal: principal('guest') }))).toMatchObject({
        verdict: 'deny',
        code: 'forbidden',
      })
    }
  })

  it('runs ACLs before rate limits, and a forbidden request costs no tokens', () => {
    const e = engine(['acl-base', 'rl-client'])
    const mallory = produce({ principal: principal('mallory', ['producer']) })
    for (let i = 0; i < 10; i++) expect(e.authorize(mallory)).toMatchObject({ code: 'forbidden' })
    // mallory's bucket was never drawn from.
    expect(e.rateLimitHeaders(mallory)?.RateLimit).toBe('"rl-client";r=2;t=0')
    expect(e.authorize(produce())).toEqual({ verdict: 'allow' })
    expect(e.authorize(produce())).toEqual({ verdict: 'allow' })
    expect(e.authorize(produce())).toMatchObject({ code: 'rate-limited', policy: 'rl-client' })
  })

  it('charges no earlier rate limit when a later one refuses', () => {
    const clock = manualClock()
    const e = engine(['rl-client'], clock)
    const onRoute = produce({ route: 'orders' })
    expect(e.authorize(onRoute, ['rl-route'])).toEqual({ verdict: 'allow' })
    // rl-route (1/s) is empty now; rl-client (2/s) has one token left and must keep it.
    for (let i = 0; i < 5; i++) {
      expect(e.authorize(onRoute, ['rl-route'])).toMatchObject({
        code: 'rate-limited',
        policy: 'rl-route',
      })
    }
    expect(e.authorize(produce({ route: 'other' }), ['rl-route'])).toEqual({ verdict: 'allow' })
    expect(e.authorize(produce({ route: 'third' }), ['rl-route'])).toMatchObject({
      policy: 'rl-client',
    })
  })

  it('reports the first refusal in policy order: the cluster’s before the route’s', () => {
    const e = engine(['rl-client'])
    const onRoute = produce({ route: 'orders' })
    e.authorize(onRoute, ['rl-route'])
    e.authorize(produce({ route: 'other' }), ['rl-route'])
    expect(e.authorize(onRoute, ['rl-route'])).toMatchObject({ policy: 'rl-client' })
  })

  it('charges a policy listed by both cluster and route only once', () => {
    const e = engine(['rl-client'])
    expect(e.authorize(produce(), ['rl-client'])).toEqual({ verdict: 'allow' })
    expect(e.authorize(produce(), ['rl-client'])).toEqual({ verdict: 'allow' })
    expect(e.authorize(produce(), ['rl-client'])).toMatchObject({ code: 'rate-limited' })
  })

  it('charges request bytes and refills from the clock', () => {
    const clock = manualClock()
    const e = engine(['rl-bytes'], clock)
    expect(e.authorize(produce({ bytes: 800 }))).toEqual({ verdict: 'allow' })
    const refused = e.authorize(produce({ bytes: 800 }))
    expect(refused).toMatchObject({ code: 'rate-limited', retryAfterMs: 600 })
    clock.advance(600)
    expect(e.authorize(produce({ bytes: 800 }))).toEqual({ verdict: 'allow' })
  })

  it('gives the same decisions for a fresh route policy array on every request', () => {
    const e = engine(['rl-client'])
    const onRoute = produce({ route: 'r' })
    expect(e.authorize(onRoute, ['rl-route'])).toEqual({ verdict: 'allow' })
    expect(e.authorize(onRoute, ['rl-route'])).toMatchObject({ policy: 'rl-route' })
    expect(e.authorize(onRoute, [])).toEqual({ verdict: 'allow' })
  })
})

describe('PolicyEngine.rateLimitHeaders', () => {
  it('describes every limit in force without charging', () => {
    const e = engine(['rl-client'])
    expect(e.rateLimitHeaders(produce())).toEqual({
      'RateLimit-Policy': '"rl-client";q=2;w=1',
      RateLimit: '"rl-client";r=2;t=0',
    })
    e.authorize(produce({ route: 'r' }), ['rl-route'])
    expect(e.rateLimitHeaders(produce({ route: 'r' }), ['rl-route'])).toEqual({
      'RateLimit-Policy': '"rl-client";q=2;w=1, "rl-route";q=1;w=1',
      RateLimit: '"rl-client";r=1;t=1, "rl-route";r=0;t=1',
    })
    expect(engine([]).rateLimitHeaders(produce())).toBeUndefined()
  })
})

describe('PolicyEngine.schemaPolicy', () => {
  it('picks the last matching schema policy, the route’s over the cluster’s', () => {
    const e = engine(['schema-orders', 'schema-all'])
    expect(e.schemaPolicy('vc', 'orders-us')?.name).toBe('schema-all')
    const f = engine(['schema-all', 'schema-orders'])
    expect(f.schemaPolicy('vc', 'orders-us')?.name).toBe('schema-orders')
    expect(f.schemaPolicy('vc', 'payments')?.name).toBe('schema-all')
    expect(f.schemaPolicy('vc', 'orders-eu', ['schema-eu'])?.name).toBe('schema-eu')
    // A route naming a cluster policy again makes it the most specific.
    expect(f.schemaPolicy('vc', 'orders-us', ['schema-all'])?.name).toBe('schema-all')
    expect(engine(['acl-base']).schemaPolicy('vc', 'orders-us')).toBeUndefined()
    expect(engine([]).schemaPolicy('vc', 'x', ['schema-eu'])).toBeUndefined()
  })
})

describe('PolicyEngine reloads', () => {
  it('keeps rate limit buckets for unchanged policies and resets changed ones', () => {
    const clock = manualClock()
    const first = engine(['rl-client', 'rl-bytes'], clock)
    first.authorize(produce({ bytes: 1000 }))
    first.authorize(produce({ bytes: 0 }))
    const changed = config({
      policies: policies.map((p) => (p.name === 'rl-bytes' ? { ...p, bytesPerSecond: 2000 } : p)),
      virtualClusters: [{ name: 'vc', policies: ['rl-client', 'rl-bytes'] }],
    })
    const second = new PolicyEngine(changed, { now: clock.now, previous: first })
    // rl-client remembers both requests; rl-bytes starts over with its new, larger bucket.
    expect(second.authorize(produce({ bytes: 1500 }))).toMatchObject({ policy: 'rl-client' })
    clock.advance(500)
    expect(second.authorize(produce({ bytes: 1500 }))).toEqual({ verdict: 'allow' })
  })
})
