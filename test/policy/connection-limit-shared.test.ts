// Cluster-wide connection slots over a fake store that sets a node's count as the Lua script does
// (the real script, its expiries and a killed node run against redis-server in
// test/integration/state/). Two nodes hold no more than the limit together; a closed connection
// gives its slot back in the store; with the store down, fail-open counts on the node and
// fail-closed refuses, taking no slot of any limit.
import { describe, expect, it } from 'vitest'
import {
  ConnectionCounter,
  type ConnectionAdmission,
  type ConnectionLimit,
  type Lease,
} from '../../src/policy/connection-limit.ts'
import { SharedConnectionSlots } from '../../src/policy/connection-limit-shared.ts'
import type { OnUnavailable } from '../../src/policy/rate-limit-shared.ts'
import type { SlotsAnswer, StateStore } from '../../src/state/store.ts'

class FakeStore {
  failing = false
  /** Counts by key, then node. */
  readonly counts = new Map<string, Map<string, number>>()
  setSlots(key: string, node: string, count: number, max: number): Promise<SlotsAnswer> {
    if (this.failing) return Promise.reject(new Error('down'))
    const nodes = this.counts.get(key) ?? new Map<string, number>()
    this.counts.set(key, nodes)
    let others = 0
    for (const [name, n] of nodes) if (name !== node) others += n
    if (max >= 0 && others + count > max) return Promise.resolve({ set: false, others })
    nodes.set(node, count)
    return Promise.resolve({ set: true, others })
  }
  total(key: string): number {
    return [...(this.counts.get(key)?.values() ?? [])].reduce((a, b) => a + b, 0)
  }
}

function node(store: FakeStore, onUnavailable: OnUnavailable = 'fail-open') {
  const reports: OnUnavailable[] = []
  const slots = new SharedConnectionSlots(
    store as unknown as StateStore,
    { leaseMs: 60_000, onUnavailable },
    (outcome) => reports.push(outcome)
  )
  return { slots, reports, counter: new ConnectionCounter() }
}

const limit = (
  counter: ConnectionCounter,
  max: number,
  more: Partial<ConnectionLimit> = {}
): ConnectionLimit => ({
  counter,
  key: 'vc\u0000alice',
  max,
  policy: 'conns',
  describe: (held) => `alice holds ${held}`,
  ...more,
})

function lease(admission: ConnectionAdmission): Lease {
  if (admission.verdict === 'deny') throw new Error(`refused: ${admission.detail}`)
  return admission.lease
}

const KEY = 'cl:conns:vc%00alice'

describe('SharedConnectionSlots', () => {
  it('lets two nodes hold no more than the limit together, and gives a closed slot back', async () => {
    const store = new FakeStore()
    const [a, b] = [node(store), node(store)]
    const first = lease(await a.slots.admit([limit(a.counter, 2)]))
    lease(await b.slots.admit([limit(b.counter, 2)]))
    expect(await a.slots.admit([limit(a.counter, 2)])).toMatchObject({
      verdict: 'deny',
      code: 'rate-limited',
      detail: 'alice holds 2',
    })
    // The refused reservation is given back: the node counts (and published) one.
    expect(a.counter.count('vc\u0000alice')).toBe(1)
    expect(store.total(KEY)).toBe(2)
    first.release()
    await Promise.resolve()
    expect(store.total(KEY)).toBe(1)
    lease(await b.slots.admit([limit(b.counter, 2)]))
    expect(store.total(KEY)).toBe(2)
  })

  it('with the store down, fail-open counts on this node and fail-closed refuses', async () => {
    const store = new FakeStore()
    const open = node(store, 'fail-open')
    const closed = node(store, 'fail-closed')
    store.failing = true
    lease(await open.slots.admit([limit(open.counter, 1)]))
    expect(await open.slots.admit([limit(open.counter, 1)])).toMatchObject({
      code: 'rate-limited',
    })
    expect(await closed.slots.admit([limit(closed.counter, 1)])).toMatchObject({
      verdict: 'deny',
      code: 'backend-unavailable',
      detail:
        'connection limit "conns" cannot be checked: the shared state store is unavailable (fail-closed)',
      retryAfterMs: 1000,
    })
    expect(closed.counter.count('vc\u0000alice')).toBe(0)
    expect(open.reports).toEqual(['fail-open', 'fail-open'])
    expect(closed.reports).toEqual(['fail-closed'])
  })

  it('takes no slot of any limit when a fail-closed one cannot be checked', async () => {
    const store = new FakeStore()
    const { slots, counter } = node(store, 'fail-open')
    const cluster = new ConnectionCounter()
    store.failing = true
    const refused = await slots.admit([
      limit(cluster, 10, { key: 'vc', policy: 'all' }),
      limit(counter, 10, { onUnavailable: 'fail-closed' }),
    ])
    expect(refused).toMatchObject({ code: 'backend-unavailable', policy: 'conns' })
    expect(cluster.count('vc')).toBe(0)
    expect(counter.count('vc\u0000alice')).toBe(0)
  })
})
