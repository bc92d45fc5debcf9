// Rate limits and connection limits, one table each, run against every door: HTTP produce,
// request-reply, views, WebSocket, SSE, long-poll, Kafka Produce and Kafka Fetch. Each case has
// its own principal (limits count per principal), so the cases do not share buckets or slots.
// - Rate limit (1 request per principal, refilling in 20 s): the first request of a principal
//   passes, the second is refused with the door's own answer: 429 problem+json with Retry-After
//   on HTTP (the upgrade refused on WebSocket), throttle_time_ms > 0 on Kafka. A stream over two
//   topics is one request, charged once.
// - Connection limit (one per principal): a second connection is refused while the first is
//   held (429 with Retry-After; on Kafka the connection is closed at its first request after
//   SASL, as brokers close connections over their connection quotas), and taken once the first
//   closed. Requests that hold no connection (HTTP produce, views) are never counted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../../src/policy/secrets.ts'
import type { WireClient } from '../../kafka-listener/support/wire-client.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'
import {
  basic,
  httpDoors,
  kafkaFetch,
  kafkaLogin,
  kafkaProduce,
  streamingDoors,
  type Held,
  type HttpAnswer,
} from './doors.ts'

const users = [
  'produce',
  'reply',
  'view',
  'ws',
  'sse',
  'poll',
  'kafka-produce',
  'kafka-fetch',
  'reply-socket',
  'holder',
  'sse-holder',
  'roamer',
]
const secret = 'cross-door-limits-secret-0123456789abcdef'

interface Topics {
  a: string
  b: string
  replies: string
}

async function gateway(policy: string, topics: Topics, kafkaPort: number) {
  const userList = await Promise.all(
    users.map(
      async (u) =>
        `          - { username: ${u}, passwordHash: '${await hashPassword(`${u}-password`)}' }`
    )
  )
  const { url } = await startTestGateway(`virtualClusters:
  - name: shop
    backendCluster: main
    authentication:
      - kind: basic
        users:
${userList.join('\n')}
    policies: [limit]
policies:
  - ${policy}
listeners:
  - name: public
    kind: http
    port: 0
    topicsEndpoint: { virtualCluster: shop, allowed: ['*'] }
    requests: { secret: ${secret}, maxWaitMs: 1000, heartbeatMs: 1000 }
    routes:
      - path: /orders
        virtualCluster: shop
        topic: ${topics.a}
        reply: { topic: ${topics.replies} }
    streams:
      - path: /streams/both
        virtualCluster: shop
        topics: [${topics.a}, ${topics.b}]
        longPoll: { keepMs: 1000 }
    views:
      - { name: items, virtualCluster: shop, topic: ${topics.b}, maxWaitMs: 1000 }
  - name: kafka
    kind: kafka
    virtualCluster: shop
    port: ${kafkaPort}
`)
  // Ready once the view has read its topic: a view still loading would answer 503.
  const deadline = Date.now() + 30_000
  while (!(await fetch(`${url}/readyz`)).ok) {
    if (Date.now() > deadline) throw new Error('the gateway did not become ready')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return url
}

async function newTopics(): Promise<Topics> {
  const [a, b, replies] = await Promise.all([
    createTopic('limits-a'),
    createTopic('limits-b'),
    createTopic('limits-replies'),
  ])
  return { a, b, replies }
}

const refusedHttp = { status: 429, retryAfter: expect.stringMatching(/^\d+$/) as unknown }
const problem = { contentType: expect.stringContaining('application/problem+json') as unknown }

describe('rate limits on every door', () => {
  let url = ''
  let kafkaPort = 0
  let topics: Topics
  beforeAll(async () => {
    topics = await newTopics()
    kafkaPort = await freePortRange(3)
    url = await gateway(
      '{ name: limit, kind: rate-limit, per: principal, requestsPerSecond: 0.05, burstSeconds: 1 }',
      topics,
      kafkaPort
    )
  })

  /** The door's answer to one request of `user`: refused (rate-limited) or not. */
  type Ask = (user: string) => Promise<unknown>
  const http =
    (
      ask: (url: string, user: string, target: string) => Promise<HttpAnswer>,
      target: () => string
    ) =>
    (user: string) =>
      ask(url, user, target())
  const held =
    (open: (url: string, user: string, path: string) => Promise<Held>): Ask =>
    async (user) => {
      const connection = await open(url, user, '/streams/both')
      connection.close()
      return connection.refused === 0
        ? { status: 200 }
        : { status: connection.refused, problem: connection.problem }
    }
  const kafka =
    (request: typeof kafkaProduce): Ask =>
    async (user) => {
      const client = await kafkaLogin(kafkaPort, user)
      try {
        const topic = topics.a
        return [await request(client, topic), await request(client, topic)]
      } finally {
        client.destroy()
      }
    }

  const cases: [door: string, user: string, ask: () => Ask, first: object, second: object][] = [
    [
      'HTTP produce',
      'produce',
      () => http(httpDoors.produce, () => topics.a),
      { status: 202 },
      { ...refusedHttp, ...problem },
    ],
    [
      'request-reply',
      'reply',
      () => http(httpDoors.requestReply, () => '/orders'),
      { status: 202 },
      { ...refusedHttp, ...problem },
    ],
    [
      'views',
      'view',
      () => http(httpDoors.view, () => 'items'),
      { status: 404 },
      { ...refusedHttp, ...problem },
    ],
    [
      'WebSocket over two topics',
      'ws',
      () => held(streamingDoors.websocket),
      { status: 200 },
      { status: 429 },
    ],
    [
      'SSE over two topics',
      'sse',
      () => held(streamingDoors.sse),
      { status: 200 },
      { status: 429 },
    ],
    [
      'long-poll over two topics',
      'poll',
      () => http(httpDoors.longPoll, () => '/streams/both'),
      { status: 200 },
      { ...refusedHttp, ...problem },
    ],
  ]

  it.each(cases)(
    '%s: the first request passes, the second is refused',
    async (_door, user, ask, first, second) => {
      const door = ask()
      const answers = [await door(user), await door(user)]
      expect(answers[0], JSON.stringify(answers[0])).toMatchObject(first)
      expect(answers[1], JSON.stringify(answers[1])).toMatchObject(second)
    }
  )

  it.each([
    ['Kafka Produce', 'kafka-produce', kafkaProduce],
    ['Kafka Fetch', 'kafka-fetch', kafkaFetch],
  ] as const)(
    '%s: the first request is not throttled, the second is (throttle_time_ms > 0)',
    async (_door, user, request) => {
      const [first, second] = (await kafka(request)(user)) as Awaited<
        ReturnType<typeof kafkaProduce>
      >[]
      expect(first).toEqual({ throttleTimeMs: 0, errorCode: 0 })
      expect(second?.errorCode).toBe(0)
      expect(second?.throttleTimeMs).toBeGreaterThan(0)
    }
  )
})

describe('connection limits on every door', () => {
  let url = ''
  let kafkaPort = 0
  let topics: Topics
  const open: Held[] = []
  const kafkaClients: WireClient[] = []
  beforeAll(async () => {
    topics = await newTopics()
    kafkaPort = await freePortRange(3)
    url = await gateway(
      '{ name: limit, kind: connection-limit, per: principal, maxConnections: 1 }',
      topics,
      kafkaPort
    )
  })
  afterAll(() => {
    for (const held of open.splice(0)) held.close()
    for (const client of kafkaClients.splice(0)) client.destroy()
  })

  /** Opens a connection of `user`: whether it was taken, and how to close it. */
  type Connect = (user: string) => Promise<Held>
  const kafka =
    (request: typeof kafkaProduce): Connect =>
    async (user) => {
      const client = await kafkaLogin(kafkaPort, user)
      kafkaClients.push(client)
      // Counted at the first request after SASL: over the limit, the connection is closed.
      const answer = await request(client, topics.a).catch(() => undefined)
      return answer?.errorCode === 0
        ? { refused: 0, close: () => client.destroy() }
        : { refused: client.isClosed ? -1 : -2, close: () => client.destroy() }
    }
  /** A long-poll session holds its slot while it waits for the next poll (keepMs). */
  const longPoll: Connect = async (user) => {
    const answer = await httpDoors.longPoll(url, user, '/streams/both')
    return { refused: answer.status === 200 ? 0 : answer.status, close: () => undefined }
  }

  const cases: [door: string, user: string, connect: () => Connect, overLimit: number][] = [
    ['WebSocket', 'ws', () => (u) => streamingDoors.websocket(url, u, '/streams/both'), 429],
    ['SSE', 'sse', () => (u) => streamingDoors.sse(url, u, '/streams/both'), 429],
    ['long-poll', 'poll', () => longPoll, 429],
    [
      'request-reply (reply socket)',
      'reply-socket',
      () => (u) => streamingDoors.sse(url, u, '/requests'),
      429,
    ],
    ['Kafka Produce', 'kafka-produce', () => kafka(kafkaProduce), -1],
    ['Kafka Fetch', 'kafka-fetch', () => kafka(kafkaFetch), -1],
  ]

  it.each(cases)(
    '%s: a second connection is refused while the first is held, and taken once it closed',
    async (_door, user, connect, overLimit) => {
      const door = connect()
      const first = await door(user)
      open.push(first)
      expect(first.refused).toBe(0)
      const second = await door(user)
      open.push(second)
      expect(second.refused).toBe(overLimit)
      first.close()
      // The slot comes back when the server sees the close (a long-poll session: after keepMs).
      let third: Held = second
      for (let i = 0; i < 20 && third.refused !== 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250))
        third = await door(user)
        open.push(third)
      }
      expect(third.refused).toBe(0)
    }
  )

  it('over HTTP the refusal is 429 problem+json with Retry-After', async () => {
    const held = await streamingDoors.sse(url, 'sse-holder', '/streams/both')
    open.push(held)
    expect(held.refused).toBe(0)
    const refused = await fetch(`${url}/streams/both`, {
      headers: { accept: 'text/event-stream', ...basic('sse-holder') },
    })
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(refused.headers.get('content-type')).toContain('application/problem+json')
    expect(await refused.json()).toMatchObject({
      detail:
        'principal "sse-holder" already holds 1 connections, the most connection limit "limit" allows',
    })
  })

  it('HTTP produce and views hold no connection: answered while the principal holds its one', async () => {
    const held = await streamingDoors.websocket(url, 'holder', '/streams/both')
    open.push(held)
    expect(held.refused).toBe(0)
    expect((await streamingDoors.sse(url, 'holder', '/streams/both')).refused).toBe(429)
    expect((await httpDoors.produce(url, 'holder', topics.a)).status).toBe(202)
    expect((await httpDoors.view(url, 'holder', 'items')).status).toBe(404)
  })

  it('counts one principal over every door together: a held stream refuses its Kafka connection', async () => {
    const held = await streamingDoors.sse(url, 'roamer', '/streams/both')
    open.push(held)
    expect(held.refused).toBe(0)
    const client = await kafkaLogin(kafkaPort, 'roamer')
    kafkaClients.push(client)
    await expect(kafkaProduce(client, topics.a)).rejects.toThrow(
      'connection closed before a response came'
    )
    expect(client.isClosed).toBe(true)
  })
})
