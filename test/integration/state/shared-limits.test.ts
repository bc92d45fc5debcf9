// Rate limits on a shared state store (`state: { kind: redis }`) against a real redis-server:
// two gateways share one bucket, so together they accept no more than the limit; with the store
// down each policy does what it says (fail-open: this node's own bucket; fail-closed: 503 with
// Retry-After), answering within the command timeout; and a store restart mid-load loses no
// accepted event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, testKafka, uniqueName } from '../../support/kafka.ts'
import { idSource, postEvents, readTopicIds, tally, type Attempt } from '../../support/load.ts'
import { startRedis, type RedisServer } from '../../support/redis.ts'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis.stop()
})

/** A gateway whose route /orders writes `topic`, under `policy`, sharing state in `redis`. */
async function gateway(
  topic: string,
  policy: string,
  prefix: string,
  onUnavailable = 'fail-open',
  commandTimeoutMs = 200
) {
  const { url } = await startTestGateway(`state:
  kind: redis
  url: ${redis.url}
  keyPrefix: '${prefix}:'
  commandTimeoutMs: ${commandTimeoutMs}
  onUnavailable: ${onUnavailable}
virtualClusters:
  - name: shop
    backendCluster: main
    policies: [limit]
policies:
  - ${policy}
listeners:
  - name: public
    kind: http
    port: 0
    routes:
      - { path: /orders, virtualCluster: shop, topic: ${topic} }
`)
  return `${url}/orders`
}

const post = (url: string, id: string) => postEvents(url, [id], { batch: false, timeoutMs: 5_000 })

describe('rate limits shared through redis', () => {
  it('two gateways together accept no more than one bucket holds', async () => {
    const topic = await createTopic('state-shared')
    const prefix = uniqueName('shared')
    // Five requests, refilling one per 20 s: the test runs well within one refill.
    const policy = `{ name: limit, kind: rate-limit, per: virtual-cluster, requestsPerSecond: 0.05, burstSeconds: 100 }`
    // Fail-closed with a long timeout: a store slowed down by a busy machine refuses (503), it
    // never lets a node decide alone (fail-open would, and could admit more).
    const node = () => gateway(topic, policy, prefix, 'fail-closed', 2_000)
    const [a, b] = await Promise.all([node(), node()])
    const id = idSource('shared')
    const attempts = await Promise.all(
      Array.from({ length: 16 }, (_, i) => post(i % 2 === 0 ? a : b, id()))
    )
    const counts = tally(attempts)
    const accepted = attempts.filter((x) => x.status === 202)
    // One refill may land while the test runs; without the store each gateway would take five.
    const unavailable = counts['503'] ?? 0
    expect(accepted.length + unavailable, JSON.stringify(counts)).toBeGreaterThanOrEqual(5)
    expect(accepted.length, JSON.stringify(counts)).toBeLessThanOrEqual(6)
    expect(counts['429']).toBe(16 - accepted.length - unavailable)
    const refused = attempts.find((x) => x.status === 429)
    expect(refused?.headers?.get('retry-after')).toMatch(/^[1-9]\d*$/)
    const onBroker = await readTopicIds(testKafka(), topic)
    expect(onBroker.sort()).toEqual(accepted.flatMap((x) => x.ids).sort())
  })

  it('with the store down, fail-open uses the node bucket and fail-closed answers 503', async () => {
    const topic = await createTopic('state-down')
    const policy = (mode: string) =>
      // A bucket of 5: each lease is one token, so no token is held locally when the store goes.
      `{ name: limit, kind: rate-limit, per: virtual-cluster, requestsPerSecond: 5, onUnavailable: ${mode} }`
    const open = await gateway(topic, policy('fail-open'), uniqueName('open'))
    const closed = await gateway(topic, policy('fail-closed'), uniqueName('closed'))
    const id = idSource('down')
    expect((await post(open, id())).status).toBe(202)
    expect((await post(closed, id())).status).toBe(202)
    await redis.kill()
    try {
      const [whenOpen, whenClosed] = await Promise.all([post(open, id()), post(closed, id())])
      expect(whenOpen.status).toBe(202)
      expect(whenClosed.status).toBe(503)
      expect(whenClosed.headers?.get('content-type')).toContain('application/problem+json')
      expect(whenClosed.headers?.get('retry-after')).toBe('1')
      expect(whenClosed.body?.detail).toContain('shared state store is unavailable')
    } finally {
      await redis.restart()
    }
    // Back: the store decides again (reconnected with backoff, within a few seconds).
    const back = await retryUntil(
      () => post(closed, id()),
      (x) => x.status === 202
    )
    expect(back.status).toBe(202)
  })

  it('a store restart mid-load loses no accepted event, and no request hangs', async () => {
    const topic = await createTopic('state-restart')
    // A bucket of 10 (leases of one token), so the outage is met by requests, not by leases.
    const policy = `{ name: limit, kind: rate-limit, per: virtual-cluster, requestsPerSecond: 1000, burstSeconds: 0.01 }`
    const prefix = uniqueName('restart')
    const open = await gateway(topic, policy, prefix, 'fail-open')
    const closed = await gateway(topic, policy, prefix, 'fail-closed')
    const id = idSource('restart')
    const attempts: (Attempt & { url: string })[] = []
    let running = true
    const load = (url: string) =>
      (async () => {
        while (running) attempts.push({ ...(await post(url, id())), url })
      })()
    const loads = [load(open), load(open), load(closed), load(closed)]
    await new Promise((resolve) => setTimeout(resolve, 300))
    await redis.kill()
    await new Promise((resolve) => setTimeout(resolve, 500))
    await redis.restart()
    await new Promise((resolve) => setTimeout(resolve, 500))
    running = false
    await Promise.all(loads)
    const counts = tally(attempts)
    // Every request was answered (none timed out): 202, 429 (over the limit) or 503 (fail-closed
    // while the store was away), and both policies met the outage.
    const answers = Object.keys(counts).filter((k) => !['202', '429', '503'].includes(k))
    expect(answers, JSON.stringify(counts)).toEqual([])
    expect(counts['503'], JSON.stringify(counts)).toBeGreaterThan(0)
    const openAnswers = attempts.filter((x) => x.url === open).map((x) => x.status)
    expect(openAnswers).not.toContain(503)
    const accepted = attempts.filter((x) => x.status === 202).flatMap((x) => x.ids)
    expect(accepted.length).toBeGreaterThan(0)
    const onBroker = new Set(await readTopicIds(testKafka(), topic))
    expect(accepted.filter((x) => !onBroker.has(x))).toEqual([])
  })
})

async function retryUntil(
  attempt: () => Promise<Attempt>,
  done: (a: Attempt) => boolean
): Promise<Attempt> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const a = await attempt()
    if (done(a) || Date.now() > deadline) return a
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
