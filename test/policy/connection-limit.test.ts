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
  it('counts a principal’s connections across doors, then refuses as rate-limited with a retry hint', () => {
    const e = engine(['two-each'])
    lease(e.admit(connect('alice', 'websocket')))
    const kafka = lease(e.admit(connect('alice', 'kafka')))
    expect(e.admit(connect('alice', 'sse'))).toEqual({
      verdict: 'deny',
      code: 'rate-limited',
      detail:
        'principal "alice" already holds 2 connections, the most connection limit "two-each" allows',
      policy: 'two-each',
      retryAfterMs: 1000,
      headers: { 'Retry-After': '1' },
    })
    // Someone else, or the same name in another virtual cluster, counts apart.
    lease(e.admit(connect('bob', 'long-poll')))
    lease(e.admit(connect('alice', 'sse', 'other')))
    kafka.release()
    lease(e.admit(connect('alice', 'sse')))
  })

  it('gives one slot back however often a lease is released', () => {
    const e = engine(['two-each'])
    const first = lease(e.admit(connect('alice')))
    lease(e.admit(connect('alice')))
    first.release()
    first.release()
    lease(e.admit(connect('alice')))
    expect(e.admit(connect('alice')).verdict).toBe('deny')
  })

  it('takes no slot of any limit when one of them is full', () => {
    const e = engine(['three-in-all', 'two-each'])
    lease(e.admit(connect('alice')))
    lease(e.admit(connect('alice')))
    // alice is at her limit: refused, and the cluster's count stays at 2 ...
    for (let i = 0; i < 5; i++)
      expect(e.admit(connect('alice'))).toMatchObject({ policy: 'two-each' })
    // ... so one more principal fits, and then the cluster is full.
    lease(e.admit(connect('bob')))
    expect(e.admit(connect('carol'))).toMatchObject({
      policy: 'three-in-all',
      detail:
        'virtual cluster "vc" already holds 3 connections, the most connection limit "three-in-all" allows',
    })
  })

  it('applies a route’s own limit per route and principal (a stream’s maxConnectionsPerPrincipal)', () => {
    const e = engine([])
    const onStream = (who: string, route: string) => ({ ...connect(who), route })
    const held = lease(e.admit(onStream('alice', 'orders'), [], 1))
    expect(e.admit(onStream('alice', 'orders'), [], 1)).toMatchObject({
      code: 'rate-limited',
      detail: 'principal "alice" already holds 1 connections to stream "orders", the most allowed',
    })
    lease(e.admit(onStream('alice', 'payments'), [], 1))
    lease(e.admit(onStream('bob', 'orders'), [], 1))
    held.release()
    lease(e.admit(onStream('alice', 'orders'), [], 1))
  })

  it('applies a route’s connection-limit policies with the cluster’s', () => {
    const e = engine([])
    lease(e.admit(connect('alice'), ['two-each']))
    lease(e.admit(connect('alice'), ['two-each']))
    expect(e.admit(connect('alice'), ['two-each']).verdict).toBe('deny')
    // Without the route's policy nothing limits the cluster.
    lease(e.admit(connect('alice')))
    expect(e.hasConnectionLimits('vc')).toBe(false)
    expect(engine(['two-each']).hasConnectionLimits('vc')).toBe(true)
  })

  it('keeps counting the connections still open across a reload', () => {
    const e = engine(['two-each'])
    lease(e.admit(connect('alice')))
    lease(e.admit(connect('alice')))
    e.reload(
      config({
        policies: [{ name: 'two-each', kind: 'connection-limit', maxConnections: 3 }],
        virtualClusters: [{ name: 'vc', policies: ['two-each'] }],
      })
    )
    lease(e.admit(connect('alice')))
    expect(e.admit(connect('alice')).verdict).toBe('deny')
  })
})
