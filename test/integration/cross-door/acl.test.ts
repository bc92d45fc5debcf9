// One configuration, one principal, one ACL set, every door: HTTP produce, request-reply, views,
// WebSocket, SSE, long-poll and the Kafka listener (produce, fetch, metadata). What the ACL allows works on each;
// what it does not is refused with that door's own error.
import { Kafka, logLevel } from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import { hashApiKey, hashPassword } from '../../../src/policy/secrets.ts'
import { startTestGateway, waitReady } from '../../support/gateway.ts'
import { createTopic, endOffsetSum, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'
import { connectSse, connectWs, produceRecords, wsUrl } from '../../support/stream-clients.ts'

describe('one ACL across every door', () => {
  let url = ''
  let kafkaPort = 0
  let allowed = ''
  let secret = ''
  const key = { 'x-api-key': 'key-alice' }

  beforeAll(async () => {
    allowed = await createTopic('open-orders')
    secret = await createTopic('secret-payroll')
    kafkaPort = await freePortRange(3)
    const started = await startTestGateway(`virtualClusters:
  - name: shop
    backendCluster: main
    authentication:
      - kind: api-key
        keys: [{ principal: alice, sha256: ${hashApiKey('key-alice')} }]
      - kind: basic
        users: [{ username: alice, passwordHash: '${await hashPassword('alice-password')}' }]
    policies: [shop-acl]
policies:
  - name: shop-acl
    kind: acl
    rules:
      - { principals: [alice], names: ['open-orders-*'], operations: [produce, consume, describe, manage] }
      - { principals: [alice], resource: group, names: ['*'], operations: [consume, describe] }
listeners:
  - name: public
    kind: http
    port: 0
    topicsEndpoint: { virtualCluster: shop, allowed: ['*'] }
    requests: { secret: cross-door-acl-secret-0123456789abcdef }
    routes:
      - { path: /ask-open, virtualCluster: shop, topic: ${allowed}, reply: { topic: ${allowed} } }
      - { path: /ask-secret, virtualCluster: shop, topic: ${secret}, reply: { topic: ${allowed} } }
      - { path: /ask-for-secret-replies, virtualCluster: shop, topic: ${allowed}, reply: { topic: ${secret} } }
    views:
      - { name: open, virtualCluster: shop, topic: ${allowed} }
      - { name: secret, virtualCluster: shop, topic: ${secret} }
    streams:
      - path: /streams/{topic}
        virtualCluster: shop
        topics: { from: path, name: topic, allowed: ['*'] }
        start: earliest
  - name: kafka
    kind: kafka
    virtualCluster: shop
    port: ${kafkaPort}
`)
    url = started.url
    await produceRecords(allowed, [{ key: 'k', value: { n: 1 } }])
    await waitReady(url)
  })

  it('request-reply: 202 for the allowed topics; 403, nothing written, for a secret request or reply topic', async () => {
    const ask = (path: string) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { ...key, 'content-type': 'application/json', prefer: 'respond-async' },
        body: '{"ask":1}',
      })
    const before = await endOffsetSum(secret)
    expect((await ask('/ask-open')).status).toBe(202)
    for (const path of ['/ask-secret', '/ask-for-secret-replies']) {
      const refused = await ask(path)
      expect(refused.status).toBe(403)
      expect(refused.headers.get('content-type')).toContain('problem+json')
    }
    expect(await endOffsetSum(secret)).toBe(before)
  })

  it('views: the allowed topic reads, the other is 403', async () => {
    const read = await fetch(`${url}/views/open/k`, { headers: key })
    expect(read.status).toBe(200)
    expect(await read.json()).toEqual({ n: 1 })
    const refused = await fetch(`${url}/views/secret/k`, { headers: key })
    expect(refused.status).toBe(403)
    expect(refused.headers.get('content-type')).toContain('problem+json')
  })

  it('HTTP produce: 202 for the allowed topic, 403 for the other', async () => {
    const post = (topic: string) =>
      fetch(`${url}/topics/${topic}`, {
        method: 'POST',
        headers: { ...key, 'content-type': 'application/json' },
        body: '{"n":2}',
      })
    expect((await post(allowed)).status).toBe(202)
    expect((await post(secret)).status).toBe(403)
  })

  it('WebSocket: records from the allowed topic, the upgrade refused with 403 for the other', async () => {
    const client = await connectWs(wsUrl(url, `/streams/${allowed}`), { headers: key })
    expect(await client.frames.next((f) => f.type === 'record')).toMatchObject({ topic: allowed })
    client.ws.close()
    await expect(
      connectWs(wsUrl(url, `/streams/${secret}`), { headers: key })
    ).rejects.toMatchObject({ status: 403 })
  })

  it('SSE and long-poll: 200 for the allowed topic, 403 problem+json for the other', async () => {
    const sse = await connectSse(`${url}/streams/${allowed}`, key)
    expect(sse.status).toBe(200)
    sse.close()
    expect((await connectSse(`${url}/streams/${secret}`, key)).status).toBe(403)
    const poll = (topic: string) => fetch(`${url}/streams/${topic}?wait=0`, { headers: key })
    expect((await poll(allowed)).status).toBe(200)
    const denied = await poll(secret)
    expect(denied.status).toBe(403)
    expect(denied.headers.get('content-type')).toContain('problem+json')
  })

  it('Kafka: produce and fetch the allowed topic; the other is left out of listings and refused', async () => {
    const kafka = new Kafka({
      clientId: 'cross-door',
      brokers: [`127.0.0.1:${kafkaPort}`],
      sasl: { mechanism: 'plain', username: 'alice', password: 'alice-password' },
      retry: { retries: 1 },
      logLevel: logLevel.NOTHING,
    })
    const admin = kafka.admin()
    await admin.connect()
    const topics = await admin.listTopics()
    expect(topics).toContain(allowed)
    expect(topics).not.toContain(secret)
    await expect(admin.fetchTopicMetadata({ topics: [secret] })).rejects.toMatchObject({
      type: 'TOPIC_AUTHORIZATION_FAILED',
    })
    await admin.disconnect()

    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic: allowed, messages: [{ key: 'kafka', value: 'ok' }] })
    await expect(
      producer.send({ topic: secret, messages: [{ value: 'nope' }] })
    ).rejects.toMatchObject({ cause: { type: 'TOPIC_AUTHORIZATION_FAILED' } })
    await producer.disconnect()

    const consumer = kafka.consumer({ groupId: uniqueName('cross-door') })
    await consumer.connect()
    await consumer.subscribe({ topic: allowed, fromBeginning: true })
    const first = await new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.key)) })
    })
    expect(first).toBe('k')
    await consumer.disconnect()
  })

  it('Kafka: wrong credentials end the connection', async () => {
    const admin = new Kafka({
      clientId: 'cross-door',
      brokers: [`127.0.0.1:${kafkaPort}`],
      sasl: { mechanism: 'plain', username: 'alice', password: 'wrong' },
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    }).admin()
    await expect(admin.connect()).rejects.toThrow(/SASL|uthentication/)
  })
})
