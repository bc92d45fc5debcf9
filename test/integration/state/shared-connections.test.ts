// Connection limits on a shared state store against a real redis-server: two nodes share one
// principal's slots (together they hold no more than the limit), the slots of a node that was
// killed come back to the others once its lease expires, and with the store down each limit does
// what it says (fail-open: this node's own count; fail-closed: 503 with Retry-After; on the Kafka
// listener the connection is closed, as over the limit).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../../src/policy/secrets.ts'
import type { WireClient } from '../../kafka-listener/support/wire-client.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, stack, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'
import { startRedis, type RedisServer } from '../../support/redis.ts'
import { connectSse, type SseClient } from '../../support/stream-clients.ts'
import { startWeirProcess } from '../../support/weir-process.ts'
import { kafkaLogin, kafkaProduce } from '../cross-door/doors.ts'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis.stop()
})

interface Node {
  prefix: string
  topic: string
  maxConnections?: number
  onUnavailable?: string
  commandTimeoutMs?: number
}

/** The sections after backendClusters: one SSE stream under a connection limit, shared in redis. */
function body(node: Node, port: string): string {
  return `state:
  kind: redis
  url: ${redis.url}
  keyPrefix: '${node.prefix}:'
  commandTimeoutMs: ${node.commandTimeoutMs ?? 2_000}
  connectionLeaseMs: 1500
  onUnavailable: ${node.onUnavailable ?? 'fail-open'}
virtualClusters:
  - name: shop
    backendCluster: main
    policies: [conns]
policies:
  - { name: conns, kind: connection-limit, maxConnections: ${node.maxConnections ?? 3} }
listeners:
  - name: public
    kind: http
    port: ${port}
    streams:
      - { path: /streams/orders, virtualCluster: shop, topics: [${node.topic}] }
`
}

async function gateway(node: Node): Promise<string> {
  const { url } = await startTestGateway(body(node, '0'))
  return `${url}/streams/orders`
}

const held: SseClient[] = []
afterAll(() => {
  for (const client of held.splice(0)) client.close()
})

/** An SSE connection to `url`, kept open until the file ends (or the test closes it). */
async function open(url: string): Promise<SseClient> {
  const client = await connectSse(url)
  if (client.status === 200) held.push(client)
  return client
}

describe('connection limits shared through redis', () => {
  it('two nodes together hold no more connections of a principal than the limit', async () => {
    const node = { prefix: uniqueName('conns'), topic: await createTopic('state-conns') }
    const [a, b] = await Promise.all([gateway(node), gateway(node)])
    const clients = await Promise.all(
      Array.from({ length: 8 }, (_, i) => open(i % 2 === 0 ? a : b))
    )
    const statuses = clients.map((c) => c.status)
    // Per node, each would have taken three.
    expect(
      statuses.filter((s) => s === 200),
      statuses.join()
    ).toHaveLength(3)
    expect(
      statuses.filter((s) => s === 429),
      statuses.join()
    ).toHaveLength(5)
    const refused = clients.find((c) => c.status === 429)
    expect(refused?.headers.get('retry-after')).toBe('1')
    expect(refused?.body).toMatchObject({
      detail: expect.stringContaining('already holds 3 connections') as unknown,
    })
    // One closes anywhere: its slot is free on either node.
    const first = clients.find((c) => c.status === 200) as SseClient
    first.close()
    const again = await retryUntil(
      () => open(b),
      (c) => c.status === 200
    )
    expect(again.status).toBe(200)
  })

  it('gives a killed node’s slots back once its lease expires, and not before', async () => {
    const node = { prefix: uniqueName('killed'), topic: await createTopic('state-killed') }
    const other = await startWeirProcess(`backendClusters:
  - name: main
    bootstrapServers: ${stack().bootstrap}
${body(node, '${PORT}')}`)
    const there = `${other.url}/streams/orders`
    const taken = await Promise.all([open(there), open(there), open(there)])
    expect(taken.map((c) => c.status)).toEqual([200, 200, 200])
    const here = await gateway(node)
    // The other node is alive and renewing: past its lease, its three slots are still held.
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    expect((await open(here)).status).toBe(429)
    other.child.kill('SIGKILL')
    await other.exited
    const back = await retryUntil(
      () => open(here),
      (c) => c.status === 200
    )
    expect(back.status, JSON.stringify(back.body)).toBe(200)
  })

  it('counts the connections still held again once a restarted (empty) store is back', async () => {
    const node = { prefix: uniqueName('restart'), topic: await createTopic('state-conns-restart') }
    const [a, b] = await Promise.all([gateway(node), gateway(node)])
    const taken = await Promise.all([open(a), open(a), open(a)])
    expect(taken.map((c) => c.status)).toEqual([200, 200, 200])
    await redis.restart()
    // The node's next renewal writes its whole count (three) into the new store in one go.
    const keys = () => redis.command('KEYS', `${node.prefix}:cl:*`)
    await retryUntil(keys, (reply) => reply.includes(':cl:'))
    expect((await open(b)).status).toBe(429)
  })

  it('with the store down, fail-open counts on the node and fail-closed answers 503', async () => {
    const topic = await createTopic('state-conns-down')
    const open1 = await gateway({
      prefix: uniqueName('open'),
      topic,
      maxConnections: 1,
      onUnavailable: 'fail-open',
      commandTimeoutMs: 200,
    })
    const closed = await gateway({
      prefix: uniqueName('closed'),
      topic,
      onUnavailable: 'fail-closed',
      commandTimeoutMs: 200,
    })
    await redis.kill()
    try {
      const [whenOpen, whenClosed] = await Promise.all([open(open1), open(closed)])
      expect(whenOpen.status).toBe(200)
      // Fail-open still limits, by this node's own count.
      expect((await open(open1)).status).toBe(429)
      expect(whenClosed.status).toBe(503)
      expect(whenClosed.headers.get('content-type')).toContain('application/problem+json')
      expect(whenClosed.headers.get('retry-after')).toBe('1')
      expect(whenClosed.body).toMatchObject({
        detail: expect.stringContaining('shared state store is unavailable') as unknown,
      })
    } finally {
      await redis.restart()
    }
    const back = await retryUntil(
      () => open(closed),
      (c) => c.status === 200
    )
    expect(back.status).toBe(200)
  })
})

describe('connection limits shared through redis on the Kafka listener', () => {
  /** A node whose Kafka listener lets `alice` (SASL PLAIN) hold one connection, cluster-wide. */
  async function kafkaNode(prefix: string, onUnavailable: string): Promise<number> {
    const port = await freePortRange(3)
    await startTestGateway(`state:
  kind: redis
  url: ${redis.url}
  keyPrefix: '${prefix}:'
  commandTimeoutMs: 500
  connectionLeaseMs: 1500
  onUnavailable: ${onUnavailable}
virtualClusters:
  - name: shop
    backendCluster: main
    policies: [conns]
    authentication:
      - kind: basic
        users:
          - { username: alice, passwordHash: '${await hashPassword('alice-password')}' }
policies:
  - { name: conns, kind: connection-limit, maxConnections: 1 }
listeners:
  - { name: public, kind: http, port: 0 }
  - { name: kafka, kind: kafka, virtualCluster: shop, port: ${port} }
`)
    return port
  }

  const clients: WireClient[] = []
  afterAll(() => {
    for (const client of clients.splice(0)) client.destroy()
  })
  /** Logs in as alice and produces once: 0 when it was written, -1 when the node closed it. */
  async function produce(port: number, topic: string): Promise<number> {
    const client = await kafkaLogin(port, 'alice')
    clients.push(client)
    const answer = await kafkaProduce(client, topic).catch(() => undefined)
    return answer === undefined && client.isClosed ? -1 : (answer?.errorCode ?? -2)
  }

  it('a connection held on one node closes the next on another; fail-closed closes it with the store down', async () => {
    const topic = await createTopic('state-kafka-conns')
    const prefix = uniqueName('kafka')
    const [a, b] = await Promise.all([
      kafkaNode(prefix, 'fail-closed'),
      kafkaNode(prefix, 'fail-closed'),
    ])
    expect(await produce(a, topic)).toBe(0)
    expect(await produce(b, topic)).toBe(-1)
    for (const client of clients.splice(0)) client.destroy()
    // Once the first is gone, either node takes alice again.
    const again = await retryUntil(
      async () => {
        const answer = await produce(b, topic)
        if (answer !== 0) for (const client of clients.splice(0)) client.destroy()
        return answer
      },
      (answer) => answer === 0
    )
    expect(again).toBe(0)
    for (const client of clients.splice(0)) client.destroy()
    await redis.kill()
    try {
      expect(await produce(a, topic)).toBe(-1)
    } finally {
      await redis.restart()
    }
  })
})

async function retryUntil<T>(attempt: () => Promise<T>, done: (a: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const a = await attempt()
    if (done(a) || Date.now() > deadline) return a
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}
