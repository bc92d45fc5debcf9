// Request-reply over Kafka against the real broker, with the example order service
// (examples/request-reply/order-service.ts) answering: a synchronous reply, 202 + Location fetched
// from another Weir node and from one started after the reply, expiry, the owner check, the
// reply topic ACL, and replies pushed over SSE and WebSocket to their principal only.
import type { KafkaMessage } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startOrderService,
  type OrderService,
} from '../../../../examples/request-reply/order-service.ts'
import { hashApiKey } from '../../../../src/policy/secrets.ts'
import { startTestGateway } from '../../../support/gateway.ts'
import { createTopic, endOffsetSum, stack, testKafka, uniqueName } from '../../../support/kafka.ts'
import { connectSse, connectWs, wsUrl } from '../../../support/stream-clients.ts'

const secret = 'integration-test-secret-0123456789abcdef'
const alice = { 'x-api-key': 'key-alice' }
const bob = { 'x-api-key': 'key-bob' }
const carol = { 'x-api-key': 'key-carol' }

// A request topic no service reads: the test writes the replies itself.
let unserved = ''

function gatewayConfig(requests: string, replies: string): string {
  return `virtualClusters:
  - name: shop
    backendCluster: main
    authentication:
      - kind: api-key
        keys:
          - { principal: alice, sha256: ${hashApiKey('key-alice')} }
          - { principal: bob, sha256: ${hashApiKey('key-bob')} }
          - { principal: carol, sha256: ${hashApiKey('key-carol')} }
    policies: [shop-acl]
policies:
  - name: shop-acl
    kind: acl
    rules:
      - { principals: [alice, bob, carol], names: ['${requests}', '${unserved}'], operations: [produce] }
      - { principals: [alice, bob], names: ['${replies}', '${unserved}'], operations: [consume] }
listeners:
  - name: public
    kind: http
    port: 0
    requests: { secret: ${secret}, maxWaitMs: 10000, heartbeatMs: 1000 }
    routes:
      - path: /orders
        virtualCluster: shop
        topic: ${requests}
        headers: { forward: [weir-reply-to] }
        reply: { topic: ${replies}, timeoutMs: 8000 }
      - path: /orders-quick
        virtualCluster: shop
        topic: ${requests}
        reply: { topic: ${replies}, timeoutMs: 300 }
      - path: /orders-brief
        virtualCluster: shop
        topic: ${requests}
        reply: { topic: ${replies}, retentionMs: 1500 }
      - path: /tickets
        virtualCluster: shop
        topic: ${unserved}
        reply: { topic: ${replies} }
      - path: /loop
        virtualCluster: shop
        topic: ${unserved}
        reply: { topic: ${unserved} }
`
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const res = await fetch(`${url}/readyz`)
    if (res.ok) return
    if (Date.now() > deadline) throw new Error(`not ready: ${await res.text()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const order = (url: string, body: unknown, headers: Record<string, string>, path = '/orders') =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })

describe('request-reply over Kafka', () => {
  let requests = ''
  let replies = ''
  let service: OrderService
  let nodeA = ''
  let nodeB = ''

  beforeAll(async () => {
    requests = await createTopic('orders-requests', 3)
    replies = await createTopic('orders-replies', 2)
    unserved = await createTopic('tickets', 1)
    service = await startOrderService({
      brokers: [stack().bootstrap],
      requestTopic: requests,
      groupId: uniqueName('order-service'),
      fromBeginning: true,
    })
    nodeA = (await startTestGateway(gatewayConfig(requests, replies))).url
    nodeB = (await startTestGateway(gatewayConfig(requests, replies))).url
    await Promise.all([waitReady(nodeA), waitReady(nodeB)])
  })

  afterAll(async () => {
    await service?.stop()
  })

  it('answers with the reply: its status, headers and body', async () => {
    const res = await order(nodeA, { item: 'book', quantity: 2 }, alice)
    expect(res.status).toBe(201)
    expect(res.headers.get('content-type')).toBe('application/json')
    const location = res.headers.get('content-location') ?? ''
    expect(location).toMatch(/^\/requests\/[A-Za-z0-9_-]{58}$/)
    expect(await res.json()).toMatchObject({ item: 'book', quantity: 2, status: 'accepted' })

    const refused = await order(nodeA, { item: 'book', quantity: 0 }, alice)
    expect(refused.status).toBe(422)
    expect(await refused.json()).toEqual({
      error: 'quantity must be a whole number of at least 1',
    })

    // The request record carried the id and where to reply; a client cannot set them itself,
    // not even through a route that forwards the header.
    const spoofed = await fetch(`${nodeA}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...alice, 'weir-reply-to': 'elsewhere' },
      body: JSON.stringify({ item: 'pen', quantity: 1 }),
    })
    expect(spoofed.status).toBe(201)
    const records = await readAll(requests, 3)
    const id = location.split('/').pop()
    const first = records.find((r) => r.headers?.['weir-correlation-id']?.toString() === id)
    expect(first?.headers?.['weir-reply-to']?.toString()).toBe(replies)
    expect(records.map((r) => r.headers?.['weir-reply-to']?.toString())).toEqual([
      replies,
      replies,
      replies,
    ])
  })

  it('answers 202 + Location with respond-async; another node serves the reply', async () => {
    const accepted = await fetch(`${nodeA}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...alice, prefer: 'respond-async' },
      body: JSON.stringify({ item: 'lamp', quantity: 3, delayMs: 1500 }),
    })
    expect(accepted.status).toBe(202)
    expect(accepted.headers.get('preference-applied')).toBe('respond-async')
    const location = accepted.headers.get('location') ?? ''
    expect(location).toMatch(/^\/requests\/[A-Za-z0-9_-]{58}$/)
    expect(await accepted.json()).toMatchObject({
      status: 'pending',
      location,
      topic: requests,
    })

    const pending = await fetch(`${nodeB}${location}`, { headers: alice })
    expect(pending.status).toBe(202)
    expect(pending.headers.get('location')).toBe(location)

    const started = Date.now()
    const done = await fetch(`${nodeB}${location}`, { headers: { ...alice, prefer: 'wait=10' } })
    expect(done.status).toBe(201)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(await done.json()).toMatchObject({ item: 'lamp', quantity: 3 })
    // Replies stay readable (until they expire), from every node.
    const again = await fetch(`${nodeA}${location}`, { headers: alice })
    expect(again.status).toBe(201)
  })

  it('reads the reply topic to its end before answering pending: a reply just written is served', async () => {
    const producer = testKafka().producer()
    await producer.connect()
    try {
      for (let round = 0; round < 10; round++) {
        const accepted = await fetch(`${nodeA}/tickets`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...alice, prefer: 'respond-async' },
          body: JSON.stringify({ round }),
        })
        expect(accepted.status).toBe(202)
        const location = accepted.headers.get('location') ?? ''
        const id = location.split('/').pop() ?? ''
        // Acknowledged by the broker before the fetch leaves: the node must not say "pending".
        await producer.send({
          topic: replies,
          acks: -1,
          messages: [
            {
              value: JSON.stringify({ round }),
              headers: { 'weir-correlation-id': id, 'weir-status': '201' },
            },
          ],
        })
        const node = round % 2 === 0 ? nodeA : nodeB
        const fetched = await fetch(`${node}${location}`, { headers: alice })
        expect({ round, status: fetched.status }).toEqual({ round, status: 201 })
        expect(await fetched.json()).toEqual({ round })
      }
    } finally {
      await producer.disconnect()
    }
  })

  it('answers 202 + Location when the reply takes longer than the route waits', async () => {
    const res = await order(
      nodeA,
      { item: 'desk', quantity: 1, delayMs: 1200 },
      alice,
      '/orders-quick'
    )
    // A 202, not the reply's 201: the route stopped waiting before the reply came.
    expect(res.status).toBe(202)
    expect(res.headers.get('preference-applied')).toBeNull()
    const location = res.headers.get('location') ?? ''
    const reply = await fetch(`${nodeB}${location}`, { headers: { ...alice, prefer: 'wait=10' } })
    expect(reply.status).toBe(201)

    // A client's own, shorter wait.
    const quick = await fetch(`${nodeA}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...alice, prefer: 'wait=1' },
      body: JSON.stringify({ item: 'desk', quantity: 1, delayMs: 2500 }),
    })
    expect(quick.status).toBe(202)
  })

  it('never takes a request record for its own reply when both share a topic', async () => {
    // The request lands on the topic the node reads replies from, with the correlation id a
    // reply would carry; it has weir-reply-to, which marks it a request. Nobody replies.
    const res = await order(nodeA, { item: 'mirror' }, { ...alice, prefer: 'wait=2' }, '/loop')
    expect(res.status).toBe(202)
    const location = res.headers.get('location') ?? ''
    const pending = await fetch(`${nodeB}${location}`, { headers: alice })
    expect(pending.status).toBe(202)
    expect(await pending.json()).toMatchObject({ status: 'pending' })
  })

  it('serves replies from a node started after they were written', async () => {
    const res = await order(nodeA, { item: 'chair', quantity: 4 }, alice)
    expect(res.status).toBe(201)
    const location = res.headers.get('content-location') ?? ''
    const late = (await startTestGateway(gatewayConfig(requests, replies))).url
    await waitReady(late)
    const fetched = await fetch(`${late}${location}`, { headers: alice })
    expect(fetched.status).toBe(201)
    expect(await fetched.json()).toMatchObject({ item: 'chair', quantity: 4 })
  })

  it('lets only the principal who asked read the reply; unknown ids are 404', async () => {
    const res = await order(nodeA, { item: 'safe', quantity: 1 }, alice)
    const location = res.headers.get('content-location') ?? ''
    const other = await fetch(`${nodeB}${location}`, { headers: bob })
    expect(other.status).toBe(403)
    expect(other.headers.get('content-type')).toBe('application/problem+json')
    expect(await other.json()).toMatchObject({
      detail: 'this request was made by another principal',
    })
    expect((await fetch(`${nodeB}${location}`)).status).toBe(401)

    const id = location.split('/').pop() ?? ''
    const altered = `${id.slice(0, 20)}${id[20] === 'A' ? 'B' : 'A'}${id.slice(21)}`
    for (const unknown of [altered, 'not-an-id']) {
      const missing = await fetch(`${nodeB}/requests/${unknown}`, { headers: alice })
      expect(missing.status).toBe(404)
      expect(missing.headers.get('content-type')).toBe('application/problem+json')
      expect(await missing.json()).toMatchObject({ detail: expect.stringContaining('no request') })
    }
  })

  it('refuses a request whose reply the principal may not read, before producing it', async () => {
    const before = await endOffsetSum(requests)
    const res = await order(nodeA, { item: 'book', quantity: 1 }, carol)
    expect(res.status).toBe(403)
    expect(await endOffsetSum(requests)).toBe(before)
  })

  it('forgets replies after their retention', async () => {
    const res = await order(nodeA, { item: 'milk', quantity: 1 }, alice, '/orders-brief')
    expect(res.status).toBe(201)
    const location = res.headers.get('content-location') ?? ''
    expect((await fetch(`${nodeB}${location}`, { headers: alice })).status).toBe(201)
    await new Promise((resolve) => setTimeout(resolve, 1600))
    const expired = await fetch(`${nodeB}${location}`, { headers: alice })
    expect(expired.status).toBe(404)
    expect(await expired.json()).toMatchObject({ detail: expect.stringContaining('expired') })
  })

  it('pushes replies to the SSE and WebSocket connections of the principal who asked', async () => {
    const aliceEvents = await connectSse(`${nodeB}/requests`, alice)
    const bobEvents = await connectSse(`${nodeB}/requests`, bob)
    const aliceSocket = await connectWs(wsUrl(nodeB, '/requests?api_key=key-alice'))
    try {
      expect(aliceEvents.status).toBe(200)
      expect(JSON.parse((await aliceEvents.events.next((e) => e.event === 'ready')).data)).toEqual({
        principal: 'alice',
        routes: [
          'POST /orders',
          'POST /orders-quick',
          'POST /orders-brief',
          'POST /tickets',
          'POST /loop',
        ],
      })
      await aliceSocket.frames.next((f) => f.type === 'ready')
      const accepted = await fetch(`${nodeA}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...alice, prefer: 'respond-async' },
        body: JSON.stringify({ item: 'pushed', quantity: 5 }),
      })
      const location = accepted.headers.get('location') ?? ''
      const id = location.split('/').pop()
      const event = await aliceEvents.events.next((e) => e.event === 'reply')
      expect(event.id).toBe(id)
      expect(JSON.parse(event.data)).toMatchObject({
        type: 'reply',
        id,
        location,
        status: 201,
        headers: { 'content-type': 'application/json' },
        body: { item: 'pushed', quantity: 5, status: 'accepted' },
        encoding: 'json',
      })
      const frame = await aliceSocket.frames.next((f) => f.type === 'reply')
      expect(frame).toMatchObject({ id, status: 201, body: { item: 'pushed' } })
      // Heartbeats keep bob's connection alive; no reply of alice's reaches it.
      await bobEvents.comments.next()
      expect(bobEvents.events.items.filter((e) => e.event === 'reply')).toEqual([])
    } finally {
      aliceEvents.close()
      bobEvents.close()
      aliceSocket.ws.close()
    }
    await expect(connectWs(wsUrl(nodeB, '/requests?api_key=nope'))).rejects.toMatchObject({
      status: 401,
    })
  })

  it('answers long polls and ends push connections at once when the node stops', async () => {
    const node = await startTestGateway(gatewayConfig(requests, replies))
    await waitReady(node.url)
    const accepted = await order(
      node.url,
      { item: 'slow', quantity: 1, delayMs: 3000 },
      { ...alice, prefer: 'respond-async' }
    )
    const location = accepted.headers.get('location') ?? ''
    const events = await connectSse(`${node.url}/requests`, alice)
    await events.events.next((e) => e.event === 'ready')
    const polling = fetch(`${node.url}${location}`, { headers: { ...alice, prefer: 'wait=10' } })
    await new Promise((resolve) => setTimeout(resolve, 200))
    const started = Date.now()
    await node.gateway.stop()
    expect(Date.now() - started).toBeLessThan(5000)
    expect((await polling).status).toBe(202)
    await expect(events.events.next(() => false, 2000)).rejects.toThrow('closed')
  })
})

async function readAll(topic: string, atLeast: number): Promise<KafkaMessage[]> {
  const consumer = testKafka().consumer({ groupId: uniqueName('reader') })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen: KafkaMessage[] = []
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen.length} records`)), 20_000)
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message)
          if (seen.length >= atLeast) {
            clearTimeout(timer)
            resolve()
          }
        },
      })
    })
  } finally {
    await consumer.disconnect()
  }
  return seen
}
