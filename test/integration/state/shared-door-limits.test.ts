// Rate limits on a shared state store at every door that charges one besides HTTP produce (covered
// by shared-limits.test.ts): long-poll, SSE and WebSocket openings and views. Each door fetches
// the store's tokens before deciding, so two nodes answered in turn accept exactly what the
// shared bucket holds, and refuse (429) only once it is empty, not while it still has tokens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, waitReady } from '../../support/gateway.ts'
import { createTopic, uniqueName } from '../../support/kafka.ts'
import { startRedis, type RedisServer } from '../../support/redis.ts'
import { connectSse, connectWs, wsUrl } from '../../support/stream-clients.ts'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis.stop()
})

async function gateway(prefix: string, topic: string): Promise<string> {
  // Three requests per route, refilling one per 100 s: the test runs well within one refill.
  const { url } = await startTestGateway(`state:
  kind: redis
  url: ${redis.url}
  keyPrefix: '${prefix}:'
  commandTimeoutMs: 2000
  onUnavailable: fail-closed
virtualClusters:
  - name: shop
    backendCluster: main
    policies: [limit]
policies:
  - { name: limit, kind: rate-limit, per: route, requestsPerSecond: 0.01, burstSeconds: 300 }
listeners:
  - name: public
    kind: http
    port: 0
    streams:
      - { path: /streams/poll, virtualCluster: shop, topics: [${topic}] }
      - { path: /streams/sse, virtualCluster: shop, topics: [${topic}] }
      - { path: /streams/ws, virtualCluster: shop, topics: [${topic}] }
    views:
      - { name: items, virtualCluster: shop, topic: ${topic}, maxWaitMs: 1000 }
`)
  await waitReady(url)
  return url
}

/** One request of a door, answered with its HTTP status (a held connection is closed at once). */
const doors: Record<string, (url: string) => Promise<number>> = {
  'long-poll': async (url) => {
    const response = await fetch(`${url}/streams/poll?wait=0`)
    await response.arrayBuffer()
    return response.status
  },
  SSE: async (url) => {
    const client = await connectSse(`${url}/streams/sse`)
    client.close()
    return client.status
  },
  WebSocket: async (url) => {
    try {
      const client = await connectWs(wsUrl(url, '/streams/ws'))
      client.ws.close()
      return 200
    } catch (err) {
      return (err as { status?: number }).status ?? -1
    }
  },
  views: async (url) => {
    const response = await fetch(`${url}/views/items/some-key`)
    await response.arrayBuffer()
    return response.status
  },
}

describe('rate limits shared through redis at the doors that wait for them', () => {
  let a = ''
  let b = ''
  beforeAll(async () => {
    const prefix = uniqueName('doors')
    const topic = await createTopic('state-doors')
    ;[a, b] = await Promise.all([gateway(prefix, topic), gateway(prefix, topic)])
  })

  it.each(Object.keys(doors))(
    '%s: two nodes in turn take the three tokens, then both refuse',
    async (door) => {
      const ask = doors[door] as (url: string) => Promise<number>
      const statuses: number[] = []
      for (let i = 0; i < 6; i++) statuses.push(await ask(i % 2 === 0 ? a : b))
      // Allowed is 200, or 404 for a key the view does not hold.
      const ok = door === 'views' ? 404 : 200
      expect(statuses).toEqual([ok, ok, ok, 429, 429, 429])
    }
  )
})
