// IP filters through the engine: deny wins over allow, allow lists who may connect, IPv4 rules
// cover IPv4-mapped IPv6 clients, and every admission (authentication, requests, connections)
// refuses a filtered address as forbidden before anything else is checked.
import { describe, expect, it } from 'vitest'
import { WeirConfigSchema } from '../../src/config/schema/index.ts'
import { PolicyEngine } from '../../src/policy/engine.ts'
import { config, principal, request } from './fixtures.ts'

const policies = [
  {
    name: 'office',
    kind: 'ip-filter',
    allow: ['10.0.0.0/8', '2001:db8::/32'],
    deny: ['10.9.0.0/16'],
  },
  { name: 'no-doc-net', kind: 'ip-filter', deny: ['203.0.113.0/24'] },
]

function engine(vcPolicies: string[]) {
  return new PolicyEngine(
    config({ policies, virtualClusters: [{ name: 'vc', policies: vcPolicies }] })
  )
}

describe('ip-filter policy', () => {
  it.each([
    ['10.1.2.3', 'allow'],
    ['10.9.1.1', 'deny'],
    ['192.0.2.1', 'deny'],
    ['2001:db8::7', 'allow'],
    ['2001:db9::7', 'deny'],
    ['::ffff:10.1.2.3', 'allow'],
    ['::ffff:10.9.1.1', 'deny'],
    ['not-an-address', 'deny'],
  ])('office filter: %s is %s', (client, verdict) => {
    expect(engine(['office']).admitClient('vc', client).verdict).toBe(verdict)
  })

  it('names the address and the policy in a forbidden refusal', () => {
    expect(engine(['office']).admitClient('vc', '10.9.0.1')).toEqual({
      verdict: 'deny',
      code: 'forbidden',
      detail: 'client address 10.9.0.1 is denied by ip filter "office"',
      policy: 'office',
    })
    expect(engine(['no-doc-net']).admitClient('vc', '198.51.100.1').verdict).toBe('allow')
  })

  it('refuses in authenticate, authorize and admit, and lets requests without an address pass', async () => {
    const e = engine(['no-doc-net'])
    const denied = await e.authenticate('vc', { client: '203.0.113.7' })
    expect(denied).toMatchObject({ decision: { code: 'forbidden', policy: 'no-doc-net' } })
    expect(await e.authenticate('vc', { client: '198.51.100.1' })).toMatchObject({
      principal: { name: 'anonymous' },
    })
    expect(e.authorize(request({ client: '203.0.113.7' }))).toMatchObject({ code: 'forbidden' })
    expect(e.authorize(request({ client: '198.51.100.1' })).verdict).toBe('allow')
    expect(e.authorize(request()).verdict).toBe('allow')
    const connection = {
      door: 'websocket' as const,
      virtualCluster: 'vc',
      principal: principal('a'),
    }
    expect(await e.admit({ ...connection, client: '203.0.113.7' })).toMatchObject({
      code: 'forbidden',
    })
    expect((await e.admit({ ...connection, client: '198.51.100.1' })).verdict).toBe('allow')
  })

  it('refuses a config with a bad CIDR or with neither list', () => {
    const parse = (policy: object) =>
      WeirConfigSchema.safeParse({ ...config({ policies: [] }), policies: [policy] })
    const bad = parse({ name: 'x', kind: 'ip-filter', deny: ['10.0.0.0/33'] })
    expect(bad.success).toBe(false)
    expect(JSON.stringify(bad.error?.issues)).toContain('an IPv4 or IPv6 address or CIDR block')
    const empty = parse({ name: 'x', kind: 'ip-filter' })
    expect(JSON.stringify(empty.error?.issues)).toContain('set allow, deny, or both')
  })
})
