// Idempotency-Key on a shared state store, against a real redis-server: a key used on gateway A
// and then on gateway B produces one record and B replays A's answer; the same key sent to both
// at once is coalesced (one record, one answer replayed); a different body is still a 422; and
// with the store down, fail-closed answers 503 while fail-open falls back to the node's own cache.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, endOffsetSum, uniqueName } from '../../support/kafka.ts'
import { startRedis, type RedisServer } from '../../support/redis.ts'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis.stop()
})

async function gateway(topic: string, prefix: string, onUnavailable = 'fail-open') {
  const { url } = await startTestGateway(`state:
  kind: redis
  url: ${redis.url}
  keyPrefix: '${prefix}:'
  commandTimeoutMs: 2000 # a busy test machine must not look like a store outage
  onUnavailable: ${onUnavailable}
virtualClusters:
  - name: shop
    backendCluster: main
listeners:
  - name: public
    kind: http
    port: 0
    routes:
      - { path: /orders, virtualCluster: shop, topic: ${topic} }
`)
  return `${url}/orders`
}

async function post(url: string, key: string, body: unknown) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  })
  return {
    status: res.status,
    replayed: res.headers.get('idempotent-replayed'),
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as Record<string, unknown>,
  }
}

describe('Idempotency-Key shared through redis', () => {
  it('a key used on gateway A and then on B produces one record', async () => {
    const topic = await createTopic('state-idem')
    const prefix = uniqueName('idem')
    const [a, b] = await Promise.all([gateway(topic, prefix), gateway(topic, prefix)])
    const first = await post(a, 'order-1', { id: 1 })
    const again = await post(b, 'order-1', { id: 1 })
    expect(first.status).toBe(202)
    expect(first.replayed).toBeNull()
    expect(again).toMatchObject({ status: 202, replayed: 'true' })
    expect(again.body).toEqual(first.body)
    const reused = await post(b, 'order-1', { id: 2 })
    expect(reused.status).toBe(422)
    expect(String(reused.body.detail)).toContain('different request body')
    expect(await endOffsetSum(topic)).toBe(1)
  })

  it('the same key sent to both gateways at once is produced once', async () => {
    const topic = await createTopic('state-idem-race')
    const prefix = uniqueName('race')
    const [a, b] = await Promise.all([gateway(topic, prefix), gateway(topic, prefix)])
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => post(i % 2 === 0 ? a : b, 'order-9', { id: 9 }))
    )
    expect(answers.map((x) => x.status)).toEqual(Array(6).fill(202))
    expect(answers.filter((x) => x.replayed === null)).toHaveLength(1)
    expect(new Set(answers.map((x) => JSON.stringify(x.body))).size).toBe(1)
    expect(await endOffsetSum(topic)).toBe(1)
  })

  it('with the store down: fail-closed answers 503, fail-open keeps the node cache', async () => {
    const topic = await createTopic('state-idem-down')
    const open = await gateway(topic, uniqueName('open'), 'fail-open')
    const closed = await gateway(topic, uniqueName('closed'), 'fail-closed')
    await redis.kill()
    try {
      const refused = await post(closed, 'order-5', { id: 5 })
      expect(refused).toMatchObject({ status: 503, retryAfter: '1' })
      expect(String(refused.body.detail)).toContain('shared state store is unavailable')
      expect((await post(open, 'order-5', { id: 5 })).status).toBe(202)
      expect(await post(open, 'order-5', { id: 5 })).toMatchObject({
        status: 202,
        replayed: 'true',
      })
    } finally {
      await redis.restart()
    }
    expect(await endOffsetSum(topic)).toBe(1)
  })
})
