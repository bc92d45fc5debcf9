import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AclPolicy } from '../../src/config/schema/policies.ts'
import type { Operation, ResourceType } from '../../src/core/policy-request.ts'
import { AclSet, compileAclPolicy, compilePrincipals } from '../../src/policy/acl.ts'
import { aclRequest, principal } from './fixtures.ts'

function acl(name: string, rules: Record<string, unknown>[]) {
  return compileAclPolicy(AclPolicy.parse({ name, kind: 'acl', rules }))
}

function verdict(
  set: AclSet,
  who: string,
  operation: Operation,
  name: string,
  type: ResourceType = 'topic',
  roles: string[] = []
): 'allow' | 'deny' {
  return set.evaluate(
    aclRequest({ principal: principal(who, roles), operation, resource: { type, name } })
  ).verdict
}

describe('compilePrincipals', () => {
  it.each([
    [['alice'], 'alice', [], true],
    [['alice'], 'alicia', [], false],
    [['team-*'], 'team-red', [], true],
    [['team-*'], 'teams', [], false],
    [['*'], 'anonymous', [], true],
    [['role:ops'], 'bob', ['ops'], true],
    [['role:ops'], 'ops', [], false],
    [['role:team-*'], 'bob', ['dev', 'team-red'], true],
    [['carol', 'role:ops'], 'carol', [], true],
  ])('%j matches %s with roles %j: %s', (patterns, name, roles, expected) => {
    expect(compilePrincipals(patterns)(principal(name, roles))).toBe(expected)
  })
})

describe('AclSet', () => {
  const set = new AclSet([
    acl('topics', [
      { principals: ['orders-service'], names: ['orders'], operations: ['produce'] },
      { principals: ['team-*'], names: ['team-*'], operations: ['produce', 'consume'] },
      { principals: ['*'], names: ['public-*'], operations: ['consume', 'describe'] },
      { principals: ['role:auditor'], names: ['*'], operations: ['consume'] },
      {
        effect: 'deny',
        principals: ['role:auditor'],
        names: ['secrets-*'],
        operations: ['consume'],
      },
      { effect: 'deny', principals: ['team-intern'], names: ['*'], operations: ['produce'] },
    ]),
    acl('groups', [
      {
        principals: ['role:auditor'],
        resource: 'group',
        names: ['audit-*'],
        operations: ['consume'],
      },
    ]),
  ])

  it.each([
    ['orders-service', 'produce', 'orders', [], 'allow'],
    ['orders-service', 'consume', 'orders', [], 'deny'],
    ['orders-service', 'produce', 'orders-eu', [], 'deny'],
    ['team-red', 'produce', 'team-red-events', [], 'allow'],
    // Produce, consume and manage imply describe, on every door.
    ['team-red', 'describe', 'team-red-events', [], 'allow'],
    ['orders-service', 'describe', 'orders', [], 'allow'],
    ['orders-service', 'describe', 'orders-eu', [], 'deny'],
    ['anonymous', 'consume', 'public-news', [], 'allow'],
    ['anonymous', 'produce', 'public-news', [], 'deny'],
    ['eve', 'consume', 'payments', ['auditor'], 'allow'],
    ['eve', 'consume', 'secrets-keys', ['auditor'], 'deny'],
    ['eve', 'consume', 'public-x', ['auditor'], 'allow'],
    ['team-intern', 'produce', 'team-intern-notes', [], 'deny'],
    ['team-intern', 'consume', 'team-intern-notes', [], 'allow'],
    ['nobody', 'consume', 'orders', [], 'deny'],
  ] as const)('%s %s %s (roles %j): %s', (who, op, topic, roles, expected) => {
    expect(verdict(set, who, op, topic, 'topic', [...roles])).toBe(expected)
  })

  it('keeps topic and group rules apart', () => {
    expect(verdict(set, 'eve', 'consume', 'audit-1', 'group', ['auditor'])).toBe('allow')
    expect(verdict(set, 'eve', 'consume', 'billing', 'group', ['auditor'])).toBe('deny')
    // A topic rule matching the same name says nothing about groups.
    expect(verdict(set, 'team-red', 'consume', 'team-red', 'group')).toBe('deny')
  })

  it('explains refusals with the principal, operation and resource', () => {
    const d = set.evaluate(
      aclRequest({
        principal: principal('bob'),
        operation: 'produce',
        resource: { type: 'topic', name: 'orders' },
      })
    )
    expect(d).toEqual({
      verdict: 'deny',
      code: 'forbidden',
      detail: 'principal "bob" may not produce to topic "orders"',
      policy: 'topics,groups',
    })
    const explicit = set.evaluate(
      aclRequest({
        principal: principal('eve', ['auditor']),
        operation: 'consume',
        resource: { type: 'topic', name: 'secrets-x' },
      })
    )
    expect(explicit).toMatchObject({
      detail: 'principal "eve" may not consume from topic "secrets-x"',
      policy: 'topics',
    })
    const group = set.evaluate(
      aclRequest({ operation: 'describe', resource: { type: 'group', name: 'g1' } })
    )
    expect(group).toMatchObject({ detail: 'principal "alice" may not describe group "g1"' })
  })

  it('pools rules across policies: a deny in one beats an allow in another', () => {
    const pooled = new AclSet([
      acl('allow-all', [{ principals: ['*'], names: ['*'], operations: ['produce'] }]),
      acl('deny-bob', [
        { effect: 'deny', principals: ['bob'], names: ['orders'], operations: ['produce'] },
      ]),
    ])
    expect(verdict(pooled, 'bob', 'produce', 'orders')).toBe('deny')
    expect(verdict(pooled, 'bob', 'produce', 'refunds')).toBe('allow')
    expect(verdict(pooled, 'alice', 'produce', 'orders')).toBe('allow')
  })
})

describe('AclSet properties', () => {
  const names = fc.constantFrom('alice', 'bob', 'team-a', 'team-b', 'anonymous')
  const topics = fc.constantFrom('orders', 'orders-eu', 'payments', 'public-x')
  const ops = fc.constantFrom<Operation>('produce', 'consume', 'describe')
  const rule = fc.record({
    effect: fc.constantFrom('allow', 'deny'),
    principals: fc.array(fc.constantFrom('alice', 'bob', 'team-*', '*', 'role:ops', 'role:*'), {
      minLength: 1,
      maxLength: 3,
    }),
    resource: fc.constantFrom('topic', 'group'),
    names: fc.array(fc.constantFrom('orders', 'orders-*', '*', 'pay?ents', 'public-*'), {
      minLength: 1,
      maxLength: 3,
    }),
    operations: fc.array(ops, { minLength: 1, maxLength: 3 }),
  })
  const query = fc.record({
    who: names,
    roles: fc.subarray(['ops', 'dev']),
    op: ops,
    type: fc.constantFrom<ResourceType>('topic', 'group'),
    topic: topics,
  })

  it('does not depend on rule order', () => {
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 6 }), query, (rules, q) => {
        const forward = new AclSet([acl('p', rules)])
        const backward = new AclSet([acl('p', [...rules].reverse())])
        expect(verdict(forward, q.who, q.op, q.topic, q.type, q.roles)).toBe(
          verdict(backward, q.who, q.op, q.topic, q.type, q.roles)
        )
      })
    )
  })

  it('denies whenever a matching deny rule is added, whatever else allows', () => {
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 6 }), query, (rules, q) => {
        const deny = {
          effect: 'deny',
          principals: [q.who],
          resource: q.type,
          names: [q.topic],
          // Denying describe alone does not hide what another operation allows.
          operations: q.op === 'describe' ? ['describe', 'consume', 'produce', 'manage'] : [q.op],
        }
        const set = new AclSet([acl('p', [...rules, deny])])
        expect(verdict(set, q.who, q.op, q.topic, q.type, q.roles)).toBe('deny')
      })
    )
  })

  it('allows only what some allow rule matches', () => {
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 6 }), query, (rules, q) => {
        const onlyAllows = rules.filter((r) => r.effect === 'allow')
        if (onlyAllows.length === 0) return
        const set = new AclSet([acl('p', onlyAllows)])
        const expected = acl('p', onlyAllows).rules.some(
          (r) =>
            r.resource === q.type &&
            (r.operations.includes(q.op) ||
              (q.op === 'describe' && r.operations.some((o) => o !== 'describe'))) &&
            r.names(q.topic) &&
            r.principal(principal(q.who, q.roles))
        )
        expect(verdict(set, q.who, q.op, q.topic, q.type, q.roles)).toBe(
          expected ? 'allow' : 'deny'
        )
      })
    )
  })
})
