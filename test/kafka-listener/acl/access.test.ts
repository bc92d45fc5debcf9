// Access: the ACL verdicts of the one PolicyEngine (authorizeAcl, charging no rate limit), with
// `describe` implied by the operations that imply it in Kafka.
import { describe, expect, it } from 'vitest'
import { Access } from '../../../src/kafka-listener/acl/index.ts'
import { PolicyEngine } from '../../../src/policy/engine.ts'
import { config } from '../../policy/fixtures.ts'
import { alice, allow, engineWith } from './support.ts'

describe('Access', () => {
  it('asks the engine as the kafka door, one resource at a time', () => {
    const access = new Access(engineWith([allow('topic', ['orders'], ['produce'])]), 'vc', alice)
    expect(access.may('topic', 'produce', 'orders')).toBe(true)
    expect(access.may('topic', 'consume', 'orders')).toBe(false)
    expect(access.may('group', 'produce', 'orders')).toBe(false)
  })

  it.each(['describe', 'consume', 'produce', 'manage'])('sees a topic it may %s', (op) => {
    const access = new Access(engineWith([allow('topic', ['t'], [op])]), 'vc', alice)
    expect(access.sees('topic', 't')).toBe(true)
    expect(access.sees('topic', 'u')).toBe(false)
  })

  it('knows the new resource and operation: transactional-id, manage', () => {
    const access = new Access(
      engineWith([
        allow('transactional-id', ['tx-*'], ['produce']),
        allow('group', ['g'], ['manage']),
      ]),
      'vc',
      alice
    )
    expect(access.may('transactional-id', 'produce', 'tx-1')).toBe(true)
    expect(access.sees('transactional-id', 'tx-1')).toBe(true)
    expect(access.may('topic', 'produce', 'tx-1')).toBe(false)
    expect(access.may('group', 'manage', 'g')).toBe(true)
  })

  it('an explicit deny wins over an allow of the same operation', () => {
    const access = new Access(
      engineWith([
        allow('topic', ['*'], ['produce']),
        { effect: 'deny', resource: 'topic', names: ['secret'], operations: ['produce'] },
      ]),
      'vc',
      alice
    )
    expect(access.may('topic', 'produce', 'orders')).toBe(true)
    expect(access.may('topic', 'produce', 'secret')).toBe(false)
  })
})

describe('PolicyEngine.authorizeAcl and hasAcls', () => {
  const engine = new PolicyEngine(
    config({
      policies: [
        {
          name: 'acl',
          kind: 'acl',
          rules: [{ principals: ['alice'], names: ['t'], operations: ['produce'] }],
        },
        { name: 'tight', kind: 'rate-limit', requestsPerSecond: 1, burstSeconds: 1 },
      ],
      virtualClusters: [
        { name: 'vc', policies: ['acl', 'tight'] },
        { name: 'open', policies: ['tight'] },
      ],
    })
  )
  const request = (virtualCluster: string, name = 't') => ({
    door: 'kafka' as const,
    operation: 'produce' as const,
    virtualCluster,
    resource: { type: 'topic' as const, name },
    resources: [{ type: 'topic' as const, name }],
    principal: alice,
    records: 1,
    bytes: 10,
  })

  it('gives the ACL verdict and never charges a rate limit', () => {
    for (let i = 0; i < 5; i++)
      expect(engine.authorizeAcl(request('vc'))).toEqual({ verdict: 'allow' })
    expect(engine.authorizeAcl(request('vc', 'u'))).toMatchObject({
      verdict: 'deny',
      code: 'forbidden',
    })
    // The bucket is still full: authorize charges it now, once.
    expect(engine.authorize(request('vc'))).toEqual({ verdict: 'allow' })
    expect(engine.authorize(request('vc'))).toMatchObject({ code: 'rate-limited' })
  })

  it('allows everything where no ACL applies, and says so', () => {
    expect(engine.hasAcls('vc')).toBe(true)
    expect(engine.hasAcls('open')).toBe(false)
    expect(engine.authorizeAcl(request('open', 'anything'))).toEqual({ verdict: 'allow' })
    expect(() => engine.hasAcls('nope')).toThrow(/no virtual cluster named "nope"/)
  })

  it('the config accepts the new resource and operation', () => {
    const parsed = config({
      policies: [
        {
          name: 'acl',
          kind: 'acl',
          rules: [
            {
              principals: ['*'],
              resource: 'transactional-id',
              names: ['*'],
              operations: ['manage'],
            },
          ],
        },
      ],
    })
    expect(parsed.policies[0]).toMatchObject({
      rules: [{ resource: 'transactional-id', operations: ['manage'] }],
    })
  })
})
