// Connection limits through the engine: a slot per connection, given back by its lease; every
// limit that applies must have room or none is taken.
import { describe, expect, it } from 'vitest'
import type { Door } from '../../src/core/policy-request.ts'
import { PolicyEngine } from '../../src/policy/engine.ts'
import type { ConnectionAdmission, Lease } from '../../src/policy/index.ts'
import { config, principal } from './fixtures.ts'

const policies = [
  { name: 'two-each', kind: 'connection-limit', maxConnections: 2 },
  { name: 'three-in-all', kind: 'connection-limit', per: 'virtual-cluster', maxConnections: 3 },
]

function engine(vcPolicies: string[]) {
  return new PolicyEngine(
    config({
      policies,
      virtualClusters: [
        { name: 'vc', policies: vcPolicies },
        { name: 'other', policies: vcPolicies },
      ],
    })
  )
}

const connect = (who: string, door: Door = 'websocket', virtualCluster = 'vc') => ({
  door,
  virtualCluster,
  principal: principal(who),
})

function lease(admission: ConnectionAdmission): Lease {
  if (admission.verdict === 'deny') throw new Error(`refused: ${admission.detail}`)
  return admission.lease
}

describe('PolicyEngine.admit', () => {
  it('counts a principal’s connections across doors, then refuses as rate-limited with a retry hint', async () => {
    const e = engine(['two-each'])
    lease(await e.admit(connect('alice', 'websocket')))
    const kafka = lease(await e.admit(connect('alice', 'kafka')))
    expect(await e.admit(connect('alice', 'sse'))).toEqual({
      verdict: 'deny',
      code: 'rate-limited',
      detail:
        'principal "alice" already holds 2 connections, the most connection limit "two-each" allows',
      policy: 'two-each',
      retryAfterMs: 1000,
      headers: { 'Retry-After': '1' },
    })
    // Someone else, or the same name in another virtual cluster, counts apart.
    lease(await e.admit(connect('bob', 'long-poll')))
    lease(await e.admit(connect('alice', 'sse', 'other')))
    kafka.release()
    lease(await e.admit(connect('alice', 'sse')))
  })

  it('gives one slot back however often a lease is released', async () => {
    const e = engine(['two-each'])
    const first = lease(await e.admit(connect('alice')))
    lease(await e.admit(connect('alice')))
    first.release()
    first.release()
    lease(await e.admit(connect('alice')))
    expect((await e.admit(connect('alice'))).verdict).toBe('deny')
  })

  it('takes no slot of any limit when one of them is full', async () => {
    const e = engine(['three-in-all', 'two-each'])
    lease(await e.admit(connect('alice')))
    lease(await e.admit(connect('alice')))
    // alice is at her limit: refused, and the cluster's count stays at 2 ...
    for (let i = 0; i < 5; i++)
      expect(await e.admit(connect('alice'))).toMatchObject({ policy: 'two-each' })
    // ... so one more principal fits, and then the cluster is full.
    lease(await e.admit(connect('bob')))
    expect(await e.admit(connect('carol'))).toMatchObject({
      policy: 'three-in-all',
      detail:
        'virtual cluster "vc" already holds 3 connections, the most connection limit "three-in-all" allows',
    })
  })

  it('applies a route’s own limit per route and principal (a stream’s maxConnectionsPerPrincipal)', async () => {
    const e = engine([])
    const onStream = (who: string, route: string) => ({ ...connect(who), route })
    const held = lease(await e.admit(onStream('alice', 'orders'), [], 1))
    expect(await e.admit(onStream('alice', 'orders'), [], 1)).toMatchObject({
      code: 'rate-limited',
      detail: 'principal "alice" already holds 1 connections to stream "orders", the most allowed',
    })
    lease(await e.admit(onStream('alice', 'payments'), [], 1))
    lease(await e.admit(onStream('bob', 'orders'), [], 1))
    held.release()
    lease(await e.admit(onStream('alice', 'orders'), [], 1))
  })

  it('applies a route’s connection-limit policies with the cluster’s', async () => {
    const e = engine([])
    lease(await e.admit(connect('alice'), ['two-each']))
    lease(await e.admit(connect('alice'), ['two-each']))
    expect((await e.admit(connect('alice'), ['two-each'])).verdict).toBe('deny')
    // Without the route's policy nothing limits the cluster.
    lease(await e.admit(connect('alice')))
    expect(e.hasConnectionLimits('vc')).toBe(false)
    expect(engine(['two-each']).hasConnectionLimits('vc')).toBe(true)
  })

  it('keeps counting the connections still open across a reload', async () => {
    const e = engine(['two-each'])
    lease(await e.admit(connect('alice')))
    lease(await e.admit(connect('alice')))
    e.reload(
      config({
        policies: [{ name: 'two-each', kind: 'connection-limit', maxConnections: 3 }],
        virtualClusters: [{ name: 'vc', policies: ['two-each'] }],
      })
    )
    lease(await e.admit(connect('alice')))
    expect((await e.admit(connect('alice'))).verdict).toBe('deny')
  })
})
