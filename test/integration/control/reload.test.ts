// Live reload against the real broker: a policy change reaches open WebSocket and Kafka
// connections on their next request without dropping them; a route change swaps the http handler
// without closing streams; a Kafka listener change restarts that listener alone; a config that
// cannot run is refused whole and the running one keeps serving.
import { Kafka, logLevel, type Producer } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig, type WeirConfig } from '../../../src/config/index.ts'
import type { Gateway } from '../../../src/gateway.ts'
import { hashApiKey } from '../../../src/policy/secrets.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, stack } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'
import { connectWs, produceRecords, wsUrl, type WsClient } from '../../support/stream-clients.ts'

const key = { 'x-api-key': 'key-alice' }

function body(topic: string, kafkaPort: number, options: { deny?: boolean; route?: string } = {}) {
  return `virtualClusters:
  - name: shop
    backendCluster: main
    authentication:
      - kind: api-key
        keys: [{ principal: alice, sha256: ${hashApiKey('key-alice')} }]
    policies: [shop-acl]
  - name: open
    backendCluster: main
    policies: [open-acl]
policies:
  - name: shop-acl
    kind: acl
    rules:
      - { principals: [alice], names: ['${topic}'], operations: [${options.deny ? 'consume, describe' : 'produce, consume, describe'}] }
      - { principals: [alice], resource: group, names: ['*'], operations: [consume, describe] }
  - name: open-acl
    kind: acl
    rules:
      - { principals: ['*'], names: ['${topic}'], operations: [${options.deny ? 'consume, describe' : 'produce, consume, describe'}] }
listeners:
  - name: public
    kind: http
    port: 0
    routes:
      - path: ${options.route ?? '/orders'}
        virtualCluster: shop
        topic: ${topic}
    streams:
      - path: /streams/orders
        virtualCluster: shop
        topics: [${topic}]
        start: latest
  - name: kafka
    kind: kafka
    virtualCluster: open
    port: ${kafkaPort}
`
}

function configOf(text: string): WeirConfig {
  return parseConfig(
    `backendClusters:
  - name: main
    bootstrapServers: ${stack().bootstrap}
    producer:
      lingerMs: 1
schemaRegistries:
  - name: registry
    url: ${stack().registryUrl}
${text}`,
    'reload.yaml'
  )
}

describe('live reload', () => {
  let gateway: Gateway
  let url = ''
  let topic = ''
  let kafkaPort = 0
  let ws: WsClient
  let producer: Producer
  let kafka: Kafka

  const post = (path = '/orders') =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { ...key, 'content-type': 'application/json' },
      body: '{"n":1}',
    })

  beforeAll(async () => {
    topic = await createTopic('reload')
    kafkaPort = await freePortRange(3)
    const started = await startTestGateway(body(topic, kafkaPort))
    gateway = started.gateway
    url = started.url
    ws = await connectWs(wsUrl(url, '/streams/orders'), { headers: key })
    await ws.frames.next((f) => f.type === 'welcome' || f.type === 'subscribed')
    kafka = new Kafka({
      clientId: 'reload',
      brokers: [`127.0.0.1:${kafkaPort}`],
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    })
    producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: [{ value: 'before' }] })
  })

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined)
  })

  it('a policy change applies to the next request of every door; no connection drops', async () => {
    expect((await post()).status).toBe(202)
    const connections = gateway.kafkaListeners[0]?.connections() ?? 0
    expect(connections).toBeGreaterThan(0)

    const result = await gateway.reload(configOf(body(topic, kafkaPort, { deny: true })))
    expect(result.plan.policies).toBe(true)
    expect(result.plan.listeners).toEqual([])

    const denied = await post()
    expect(denied.status).toBe(403)
    // The same kafkajs connection, refused by the new ACL with Kafka's own error.
    await expect(producer.send({ topic, messages: [{ value: 'after' }] })).rejects.toThrow(
      /authoriz/i
    )
    expect(gateway.kafkaListeners[0]?.connections()).toBe(connections)
    // The WebSocket opened before the change is still open and still delivers.
    expect(ws.ws.readyState).toBe(ws.ws.OPEN)
    await produceRecords(topic, [{ key: 'live', value: { n: 2 } }])
    expect(await ws.frames.next((f) => f.type === 'record' && f.key === 'live')).toBeDefined()

    await gateway.reload(configOf(body(topic, kafkaPort)))
    expect((await post()).status).toBe(202)
    await producer.send({ topic, messages: [{ value: 'allowed again' }] })
  })

  it('a route change swaps the handler: the new path serves, the old one is gone, streams stay', async () => {
    const result = await gateway.reload(configOf(body(topic, kafkaPort, { route: '/v2/orders' })))
    expect(result.plan.listeners).toEqual([
      expect.objectContaining({ kind: 'update', listener: 'public' }),
    ])
    expect((await post('/v2/orders')).status).toBe(202)
    expect((await post('/orders')).status).toBe(404)
    expect(ws.ws.readyState).toBe(ws.ws.OPEN)
    await produceRecords(topic, [{ key: 'after-route-change', value: { n: 3 } }])
    const delivered = await ws.frames.next(
      (f) => f.type === 'record' && f.key === 'after-route-change'
    )
    expect(delivered).toMatchObject({ topic })
  })

  it('a Kafka listener change restarts that listener only', async () => {
    const moved = await freePortRange(3)
    const result = await gateway.reload(configOf(body(topic, moved, { route: '/v2/orders' })))
    expect(result.failed).toEqual([])
    expect(result.plan.listeners).toEqual([
      expect.objectContaining({ kind: 'restart', listener: 'kafka' }),
    ])
    expect(gateway.kafkaListeners[0]?.bootstrap).toBe(`127.0.0.1:${moved}`)
    const fresh = new Kafka({
      clientId: 'reload-moved',
      brokers: [`127.0.0.1:${moved}`],
      retry: { retries: 1 },
      logLevel: logLevel.NOTHING,
    }).producer()
    await fresh.connect()
    await fresh.send({ topic, messages: [{ value: 'via the moved listener' }] })
    await fresh.disconnect()
    // The http listener was not touched.
    expect(ws.ws.readyState).toBe(ws.ws.OPEN)
    expect((await post('/v2/orders')).status).toBe(202)
    kafkaPort = moved
  })

  it('a config that cannot run is refused whole; the running one keeps serving', async () => {
    const running = gateway.config
    // Key material the policy engine cannot compile: refused before anything is touched.
    const broken = configOf(
      body(topic, kafkaPort, { route: '/v3/orders' }).replace(
        '      - kind: api-key\n',
        "      - kind: jwt\n        keys: ['-----BEGIN PUBLIC KEY-----\\nnot a key\\n-----END PUBLIC KEY-----']\n      - kind: api-key\n"
      )
    )
    await expect(gateway.reload(broken)).rejects.toThrow(/authentication/)
    expect(gateway.config).toBe(running)
    expect((await post('/v2/orders')).status).toBe(202)
    expect((await post('/v3/orders')).status).toBe(404)
    expect(ws.ws.readyState).toBe(ws.ws.OPEN)
  })
})
