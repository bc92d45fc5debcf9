// The quota filter as the proxy drives it: what it wants, the throttle time it reports, the mute
// that holds a connection's next requests, and the buckets it charges through the PolicyEngine.
import { describe, expect, it } from 'vitest'
import { BrokerMap } from '../../../src/kafka-listener/broker-map.ts'
import { forward, type RequestDecision } from '../../../src/kafka-listener/filters/types.ts'
import { runRequestFilters } from '../../../src/kafka-listener/request-pipeline.ts'
import { wireResponse } from '../acl/support.ts'
import {
  alice,
  answer,
  bob,
  connection,
  engineWith,
  FETCH,
  fetchResponse,
  fakeClock,
  METADATA,
  now,
  produce,
  PRODUCE,
} from './support.ts'

const produceResponse = (throttleTimeMs = 0) =>
  wireResponse<{ throttleTimeMs: number }>(PRODUCE, 9, { throttleTimeMs, responses: [] })

/** Settles a held decision's promise into a probe the test can look at. */
function watch(decision: RequestDecision | Promise<RequestDecision>) {
  const probe: { settled?: RequestDecision } = {}
  void Promise.resolve(decision).then((d) => (probe.settled = d))
  return probe
}

describe('what the quota filter wants', () => {
  it('nothing without rate limits', () => {
    const clock = fakeClock()
    const c = connection(engineWith(clock, []), clock)
    for (const key of [PRODUCE, FETCH, METADATA])
      expect(c.filter.wants(key, 9, c.state)).toBe(false)
  })

  it('Produce and Fetch for a bytes limit, every request for a requests limit', () => {
    const clock = fakeClock()
    const bytes = connection(engineWith(clock, [{ bytesPerSecond: 1000 }]), clock)
    expect(bytes.filter.wants(PRODUCE, 9, bytes.state)).toBe(true)
    expect(bytes.filter.wants(PRODUCE, 2, bytes.state)).toBe(true) // undecodable: closed, not passed
    expect(bytes.filter.wants(FETCH, 12, bytes.state)).toBe(true)
    expect(bytes.filter.wants(METADATA, 12, bytes.state)).toBe(false)
    const requests = connection(engineWith(clock, [{ requestsPerSecond: 5 }]), clock)
    expect(requests.filter.wants(METADATA, 12, requests.state)).toBe(true)
  })

  it('everything while the connection is muted', () => {
    const clock = fakeClock()
    const c = connection(engineWith(clock, [{ bytesPerSecond: 1000 }]), clock)
    now(c.request(PRODUCE, produce(1500)))
    expect(c.filter.wants(METADATA, 12, c.state)).toBe(true)
  })
})

describe('produce bytes', () => {
  it('passes untouched within the burst: no response is decoded', () => {
    const clock = fakeClock()
    const c = connection(engineWith(clock, [{ bytesPerSecond: 1000 }]), clock)
    expect(now(c.request(PRODUCE, produce(600)))).toBe(forward)
    expect(now(c.request(PRODUCE, produce(400)))).toBe(forward)
  })

  it('throttles past it for the time until the bucket is back within its burst', async () => {
    const clock = fakeClock()
    const c = connection(engineWith(clock, [{ bytesPerSecond: 1000 }]), clock)
    now(c.request(PRODUCE, produce(600)))
    const over = now(c.request(PRODUCE, produce(600))) // 200 bytes of debt at 1000/s
    expect(answer(over, produceResponse()).throttleTimeMs).toBe(200)
    // The answer reports what is left when it goes out.
    await clock.advance(50)
    expect(answer(over, produceResponse()).throttleTimeMs).toBe(150)
    // The broker's own quota stays when it is the longer one.
    expect(answer(over, produceResponse(900)).throttleTimeMs).toBe(900)
  })

  it('holds the next request until the throttle has passed, and charges it only then', async () => {
    const clock = fakeClock()
    const c = connection(engineWith(clock, [{ bytesPerSecond: 1000 }]), clock)
    now(c.request(PRODUCE, produce(1500))) // 500 bytes of debt: 500 ms
    const next = watch(c.request(PRODUCE, produce(100)))
    await clock.advance(499)
    expect(next.settled).toBeUndefined()
    await clock.advance(1)
    // Charged at 0 balance: 100 bytes of debt, so it is throttled in turn (100 ms).
    expect(answer(next.settled as RequestDecision, produceResponse()).throttleTimeMs).toBe(100)
  })

  it('mutes after acks=0 too, though no response can carry the throttle', async () => {
    const clock = fakeClock()
    const c = connection(engineWith(clock, [{ bytesPerSecond: 1000 }]), clock)
    now(c.request(PRODUCE, produce(1300, 0)))
    const next = watch(c.request(METADATA, {}, 12))
    await clock.advance(299)
    expect(next.settled).toBeUndefined()
    await clock.advance(1)
    expect(next.settled).toBe(forward)
  })

  it('keeps the long-run rate for a client that waits as told, whatever its batch size', async () => {
    const clock = fakeClock()
    const c = connection(engineWith(clock, [{ bytesPerSecond: 10_000 }]), clock)
    const start = clock.now()
    let sent = 0
    for (let i = 0; i < 200; i++) {
      const batch = 1000 + ((i * 7919) % 9000) // 1 to 10 kB
      const decision = now(c.request(PRODUCE, produce(batch)))
      sent += batch
      const { throttleTimeMs } = answer(decision, produceResponse())
      await clock.advance(throttleTimeMs + 1)
    }
    const rate = sent / ((clock.now() - start) / 1000)
    // The first second's burst is the only excess over 10 kB/s.
    expect(rate).toBeGreaterThan(9_500)
    expect(rate).toBeLessThan(10_000 + 10_000 / ((clock.now() - start) / 1000) + 1)
  })
})

describe('fetch bytes', () => {
  it('are charged on the response, after the fact, and mute the connection', async () => {
    const clock = fakeClock()
    const c = connection(engineWith(clock, [{ bytesPerSecond: 1000 }]), clock)
    const fetch = now(c.request(FETCH, {}, 12))
    expect(answer(fetch, fetchResponse(800)).throttleTimeMs).toBe(0)
    const second = now(c.request(FETCH, {}, 12))
    expect(answer(second, fetchResponse(800)).throttleTimeMs).toBe(600)
    const held = watch(c.request(FETCH, {}, 12))
    await clock.advance(600)
    expect(held.settled?.kind).toBe('forward')
  })

  it('a fetch answered while another request waits extends the wait', async () => {
    const clock = fakeClock()
    const c = connection(engineWith(clock, [{ bytesPerSecond: 1000 }]), clock)
    const fetch = now(c.request(FETCH, {}, 12)) // in flight at the broker
    now(c.request(PRODUCE, produce(1100))) // 100 ms
    const held = watch(c.request(METADATA, {}, 12))
    answer(fetch, fetchResponse(400)) // 500 bytes of debt now: 500 ms from here
    await clock.advance(100)
    expect(held.settled).toBeUndefined()
    await clock.advance(400)
    expect(held.settled).toBe(forward)
  })
})

describe('requests per second', () => {
  it('count every API, one request each', () => {
    const clock = fakeClock()
    const c = connection(engineWith(clock, [{ requestsPerSecond: 2 }]), clock)
    expect(now(c.request(METADATA, {}, 12))).toBe(forward)
    expect(now(c.request(METADATA, {}, 12))).toBe(forward)
    const third = now(c.request(METADATA, {}, 12))
    const response = wireResponse<{ throttleTimeMs: number }>(METADATA, 12, {})
    expect(answer(third, response).throttleTimeMs).toBe(500)
  })
})

describe('whose bucket', () => {
  it('per principal: one principal in debt does not slow another', () => {
    const clock = fakeClock()
    const engine = engineWith(clock, [{ bytesPerSecond: 1000, per: 'principal' }])
    now(connection(engine, clock, alice).request(PRODUCE, produce(1500)))
    // Alice's other connections draw on her bucket; Bob's on his own.
    const again = now(connection(engine, clock, alice).request(PRODUCE, produce(100)))
    expect(answer(again, produceResponse()).throttleTimeMs).toBe(600)
    expect(now(connection(engine, clock, bob).request(PRODUCE, produce(100)))).toBe(forward)
  })

  it('per virtual cluster: every principal shares one', () => {
    const clock = fakeClock()
    const engine = engineWith(clock, [{ bytesPerSecond: 1000, per: 'virtual-cluster' }])
    now(connection(engine, clock, alice).request(PRODUCE, produce(1500)))
    const bobs = now(connection(engine, clock, bob).request(PRODUCE, produce(100)))
    expect(answer(bobs, produceResponse()).throttleTimeMs).toBe(600)
  })

  it('per route: no routes on Kafka, so one bucket for the Kafka door, apart from HTTP routes', () => {
    const clock = fakeClock()
    const engine = engineWith(clock, [{ bytesPerSecond: 1000, per: 'route' }])
    now(connection(engine, clock, alice).request(PRODUCE, produce(1500)))
    const bobs = now(connection(engine, clock, bob).request(PRODUCE, produce(100)))
    expect(answer(bobs, produceResponse()).throttleTimeMs).toBe(600)
    const http = engine.authorize({
      door: 'http',
      operation: 'produce',
      virtualCluster: 'vc',
      route: 'orders-in',
      resources: [{ type: 'topic', name: 'orders' }],
      principal: alice,
      records: 1,
      bytes: 100,
    })
    expect(http.verdict).toBe('allow')
  })

  it('the same buckets as the other doors: Kafka debt refuses HTTP produce', () => {
    const clock = fakeClock()
    const engine = engineWith(clock, [{ bytesPerSecond: 1000 }])
    now(connection(engine, clock, alice).request(PRODUCE, produce(1500)))
    const http = engine.authorize({
      door: 'http',
      operation: 'produce',
      virtualCluster: 'vc',
      resources: [{ type: 'topic', name: 'orders' }],
      principal: alice,
      records: 1,
      bytes: 100,
    })
    expect(http).toMatchObject({ verdict: 'deny', code: 'rate-limited', retryAfterMs: 600 })
  })

  it('no principal yet (before authentication): nothing charged', () => {
    const clock = fakeClock()
    const engine = engineWith(clock, [{ bytesPerSecond: 1000 }])
    const c = connection(engine, clock, null)
    expect(now(c.request(PRODUCE, produce(5000)))).toBe(forward)
    expect(now(connection(engine, clock, alice).request(PRODUCE, produce(1000)))).toBe(forward)
  })

  it('several limits: the longest throttle wins', () => {
    const clock = fakeClock()
    const engine = engineWith(clock, [
      { bytesPerSecond: 1000 },
      { bytesPerSecond: 500, per: 'virtual-cluster' },
    ])
    const over = now(connection(engine, clock).request(PRODUCE, produce(1000)))
    // 1000 bytes fill the first bucket exactly; the second (500 burst) owes 500: one second.
    expect(answer(over, produceResponse()).throttleTimeMs).toBe(1000)
  })
})

describe('in the request pipeline', () => {
  it('filters after it see a held request only once the mute has passed', async () => {
    const clock = fakeClock()
    const c = connection(engineWith(clock, [{ bytesPerSecond: 1000 }]), clock)
    const seen: number[] = []
    const after = {
      wants: () => true,
      onRequest: (_body: unknown, header: { requestApiKey: number }) => {
        seen.push(header.requestApiKey)
        return forward
      },
    }
    const context = {
      brokers: new BrokerMap({ advertisedHost: 'weir', brokerPortBase: 9100 }),
      state: c.state,
    }
    const run = (apiKey: number, body: unknown) =>
      runRequestFilters(
        [c.filter, after],
        body,
        { requestApiKey: apiKey, requestApiVersion: 12, correlationId: 1, clientId: 't' },
        context
      )
    now(run(PRODUCE, produce(1200)))
    const held = watch(run(METADATA, {}))
    expect(seen).toEqual([PRODUCE])
    await clock.advance(200)
    expect(seen).toEqual([PRODUCE, METADATA])
    expect(held.settled?.kind).toBe('forward')
  })
})
