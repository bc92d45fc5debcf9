// Fetch: refused topics never reach the broker and come back as 29 (100 for an id never seen);
// fetch sessions are tracked so that a policy reload reaches the topics a session already holds
// on its next incremental fetch.
import { describe, expect, it } from 'vitest'
import type { FetchRequest, FetchResponse } from '../../../src/protocol/index.ts'
import { allow, engineWith, harness } from './support.ts'

const ID_ORDERS = 'AAAAAAAAAAAAAAAAAAAAAQ'
const ID_SECRET = 'AAAAAAAAAAAAAAAAAAAAAg'
const ID_UNSEEN = 'AAAAAAAAAAAAAAAAAAAAAw'

const wanted = (topic: string, partitions: number[], topicId?: string) => ({
  topic,
  topicId,
  partitions: partitions.map((partition) => ({
    partition,
    fetchOffset: 10n,
    partitionMaxBytes: 1024,
  })),
})

const rules = [allow('topic', ['orders-*'], ['consume'])]

function errors(response: FetchResponse) {
  return response.responses.map((t) => [
    t.topic || t.topicId,
    t.partitions.map((p) => [p.partitionIndex, p.errorCode]),
  ])
}

describe('Fetch', () => {
  it.each([4, 7, 12])('v%i: takes refused topics out, merges them back as 29', (v) => {
    const out = harness(rules).run<FetchRequest, FetchResponse>(1, v, {
      replicaId: -1,
      sessionEpoch: -1,
      topics: [wanted('orders-eu', [0]), wanted('secret', [0, 1])],
    })
    expect(out.sent().topics.map((t) => t.topic)).toEqual(['orders-eu'])
    const answer = out.answer({
      responses: [
        { topic: 'orders-eu', partitions: [{ partitionIndex: 0, records: Buffer.from('r') }] },
      ],
    })
    expect(errors(answer)).toEqual([
      ['orders-eu', [[0, 0]]],
      [
        'secret',
        [
          [0, 29],
          [1, 29],
        ],
      ],
    ])
    expect(answer.errorCode).toBe(0)
    // An empty record set, not a null one, which some clients cannot read.
    expect(answer.responses[1]?.partitions[0]?.records).toEqual(Buffer.alloc(0))
  })

  it('answers a full fetch of refused topics only itself, without a session', () => {
    const out = harness(rules).run<FetchRequest, FetchResponse>(1, 12, {
      replicaId: -1,
      sessionEpoch: 0,
      topics: [wanted('secret', [0])],
    })
    const local = out.local()
    expect(local).toMatchObject({ errorCode: 0, sessionId: 0 })
    expect(errors(local)).toEqual([['secret', [[0, 29]]]])
  })

  it('v13+: resolves ids through the cache; an id never seen is 100 (clients refresh metadata)', () => {
    const h = harness(rules)
    h.topicNames.learn(ID_ORDERS, 'orders-eu')
    h.topicNames.learn(ID_SECRET, 'secret')
    const out = h.run<FetchRequest, FetchResponse>(1, 17, {
      sessionEpoch: -1,
      topics: [wanted('', [0], ID_ORDERS), wanted('', [0], ID_SECRET), wanted('', [2], ID_UNSEEN)],
    })
    expect(out.sent().topics.map((t) => t.topicId)).toEqual([ID_ORDERS])
    const answer = out.answer({
      responses: [{ topicId: ID_ORDERS, partitions: [{ partitionIndex: 0 }] }],
    })
    expect(errors(answer)).toEqual([
      [ID_ORDERS, [[0, 0]]],
      [ID_SECRET, [[0, 29]]],
      [ID_UNSEEN, [[2, 100]]],
    ])
  })

  it('forwards allowed fetches untouched', () => {
    const out = harness(rules).run(1, 12, { sessionEpoch: -1, topics: [wanted('orders-eu', [0])] })
    expect(out.decision).toEqual({ kind: 'forward', changed: false })
  })
})

describe('Fetch sessions', () => {
  it('forgets at the broker the session topics a reload refused, and answers them as 29', () => {
    const h = harness([allow('topic', ['orders-*', 'payments'], ['consume'])])
    // The full request that opens the session.
    const open = h.run(1, 12, {
      sessionEpoch: 0,
      topics: [wanted('orders-eu', [0, 1]), wanted('payments', [0])],
    })
    expect(open.decision).toEqual({ kind: 'forward', changed: false })
    // Incremental: nothing new, nothing refused.
    const quiet = h.run(1, 12, { sessionId: 7, sessionEpoch: 1, topics: [] })
    expect(quiet.decision).toEqual({ kind: 'forward', changed: false })
    // The policy loses `payments`: the next incremental fetch sees it.
    h.policies.engine = engineWith([allow('topic', ['orders-*'], ['consume'])])
    const next = h.run<FetchRequest, FetchResponse>(1, 12, {
      sessionId: 7,
      sessionEpoch: 2,
      topics: [],
    })
    expect(next.sent().forgottenTopicsData).toEqual([
      { topic: 'payments', topicId: expect.any(String), partitions: [0] },
    ])
    const answer = next.answer({ sessionId: 7, responses: [] })
    expect(errors(answer)).toEqual([['payments', [[0, 29]]]])
    // Once forgotten it is no longer checked (nor answered) again.
    const after = h.run(1, 12, { sessionId: 7, sessionEpoch: 3, topics: [] })
    expect(after.decision).toEqual({ kind: 'forward', changed: false })
  })

  it('follows what the client adds and forgets', () => {
    const h = harness([allow('topic', ['orders-*', 'payments'], ['consume'])])
    h.run(1, 12, { sessionEpoch: 0, topics: [wanted('orders-eu', [0])] })
    h.run(1, 12, {
      sessionId: 7,
      sessionEpoch: 1,
      topics: [wanted('payments', [0, 1])],
      forgottenTopicsData: [{ topic: 'orders-eu', partitions: [0] }],
    })
    h.policies.engine = engineWith([allow('topic', ['orders-*'], ['consume'])])
    const next = h.run<FetchRequest, FetchResponse>(1, 12, { sessionId: 7, sessionEpoch: 2 })
    // orders-eu was forgotten by the client; payments (both partitions) is what the session holds.
    expect(next.sent().forgottenTopicsData.map((f) => [f.topic, f.partitions])).toEqual([
      ['payments', [0, 1]],
    ])
  })

  it('refuses in the same answer a revoked session topic the request also names', () => {
    const h = harness([
      allow('topic', ['payments'], ['consume']),
      allow('topic', ['orders-*'], ['consume']),
    ])
    h.run(1, 12, { sessionEpoch: 0, topics: [wanted('payments', [0])] })
    h.policies.engine = engineWith([allow('topic', ['orders-*'], ['consume'])])
    const next = h.run<FetchRequest, FetchResponse>(1, 12, {
      sessionId: 7,
      sessionEpoch: 1,
      topics: [wanted('payments', [1]), wanted('orders-eu', [0])],
    })
    expect(next.sent().topics.map((t) => t.topic)).toEqual(['orders-eu'])
    const answer = next.answer({ sessionId: 7, responses: [] })
    expect(errors(answer)).toEqual([
      [
        'payments',
        [
          [0, 29],
          [1, 29],
        ],
      ],
    ])
  })

  it('v13+: keeps sessions by topic id', () => {
    const h = harness([allow('topic', ['orders-*', 'payments'], ['consume'])])
    h.topicNames.learn(ID_SECRET, 'payments')
    h.run(1, 13, { sessionEpoch: 0, topics: [wanted('', [0], ID_SECRET)] })
    h.policies.engine = engineWith([allow('topic', ['orders-*'], ['consume'])])
    const next = h.run<FetchRequest, FetchResponse>(1, 13, { sessionId: 3, sessionEpoch: 1 })
    expect(next.sent().forgottenTopicsData).toEqual([
      { topic: '', topicId: ID_SECRET, partitions: [0] },
    ])
    expect(errors(next.answer({ sessionId: 3 }))).toEqual([[ID_SECRET, [[0, 29]]]])
  })

  it('has a session it did not see built rebuilt in full (FETCH_SESSION_ID_NOT_FOUND)', () => {
    const out = harness(rules).run<FetchRequest, FetchResponse>(1, 12, {
      sessionId: 9,
      sessionEpoch: 5,
      topics: [],
    })
    expect(out.local()).toMatchObject({ errorCode: 70, sessionId: 0, responses: [] })
  })

  it('forgets the session kept when ACLs stop applying (what follows is never checked)', () => {
    const h = harness(rules)
    h.run(1, 12, { sessionEpoch: 0, topics: [wanted('orders-eu', [0])] })
    expect(h.state.scratch.size).toBe(1)
    h.policies.engine = engineWith([])
    // The proxy asks for every request; with no ACL the filter wants none.
    expect(h.filter.wants(1, 12, h.state)).toBe(false)
    expect(h.state.scratch.size).toBe(0)
    h.policies.engine = engineWith(rules)
    const out = h.run<FetchRequest, FetchResponse>(1, 12, { sessionId: 7, sessionEpoch: 9 })
    expect(out.local().errorCode).toBe(70)
  })
})
