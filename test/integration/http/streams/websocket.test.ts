// The WebSocket door against the real broker: records as produced, auth and ACLs before the
// upgrade, bad frames closed with the right code, at-least-once redelivery, connection limits.
import { beforeAll, describe, expect, it } from 'vitest'
import { hashApiKey } from '../../../../src/policy/secrets.ts'
import { startTestGateway } from '../../../support/gateway.ts'
import { createTopic, uniqueName } from '../../../support/kafka.ts'
import {
  connectWs,
  produceRecords,
  wsUrl,
  type Frame,
  type WsClient,
} from '../../../support/stream-clients.ts'

describe('WebSocket streams', () => {
  let url = ''
  let open = ''
  let secret = ''
  let acked = ''
  let group = ''

  beforeAll(async () => {
    open = await createTopic('ws-open', 2)
    secret = await createTopic('ws-secret')
    acked = await createTopic('ws-acked')
    group = uniqueName('ws-group')
    const started = await startTestGateway(`virtualClusters:
  - name: vc
    backendCluster: main
    authentication:
      - kind: api-key
        keys:
          - { principal: alice, sha256: ${hashApiKey('key-alice')} }
          - { principal: bob, sha256: ${hashApiKey('key-bob')} }
    policies: [readers]
policies:
  - name: readers
    kind: acl
    rules:
      - { principals: [alice], names: ['ws-*'], operations: [consume] }
      - { principals: [bob], names: ['${open}'], operations: [consume] }
listeners:
  - name: public
    kind: http
    port: 0
    streams:
      - path: /streams/{topic}
        virtualCluster: vc
        topics: { from: path, name: topic, allowed: ['ws-*'] }
      - name: acked
        path: /acked
        virtualCluster: vc
        topics: ['${acked}']
        group: { mode: named, name: ${group} }
        start: earliest
        delivery: at-least-once
      - name: limited
        path: /limited
        virtualCluster: vc
        topics: ['${open}']
        maxConnectionsPerPrincipal: 1
`)
    url = started.url
  })

  const connect = (path: string, key = 'key-alice') =>
    connectWs(wsUrl(url, path), { headers: { 'x-api-key': key } })

  const subscribed = (client: WsClient) => client.frames.next((f) => f.type === 'subscribed')
  const records = (client: WsClient, count: number) =>
    client.frames.take(count, (f) => f.type === 'record')

  it('greets, subscribes to the path topic and pushes records as they are produced', async () => {
    const client = await connect(`/streams/${open}`)
    const welcome = await client.frames.next((f) => f.type === 'welcome')
    expect(welcome).toMatchObject({
      stream: '/streams/{topic}',
      principal: 'alice',
      topics: [open],
    })
    expect(await subscribed(client)).toMatchObject({ id: 'default', topics: [open] })
    await produceRecords(open, [
      { key: 'k1', value: { n: 1 }, headers: { source: 'test' }, partition: 0 },
      { key: 'k2', value: 'plain text', partition: 1 },
      { key: 'k3', value: null, partition: 0 },
    ])
    const got = await records(client, 3)
    const byKey = new Map(got.map((r) => [r.key, r]))
    expect(byKey.get('k1')).toMatchObject({
      topic: open,
      partition: 0,
      value: { n: 1 },
      headers: { source: 'test' },
      tombstone: false,
      encoding: { key: 'text', value: 'json' },
    })
    expect(typeof byKey.get('k1')?.offset).toBe('string')
    expect(typeof byKey.get('k1')?.timestamp).toBe('string')
    expect(byKey.get('k2')).toMatchObject({ partition: 1, value: 'plain text' })
    expect(byKey.get('k3')).toMatchObject({ value: null, tombstone: true })
    client.ws.close()
  })

  it('refuses the upgrade with 401 problem+json without credentials', async () => {
    await expect(connectWs(wsUrl(url, `/streams/${open}`))).rejects.toMatchObject({
      status: 401,
      body: { status: 401, type: expect.stringContaining('unauthenticated') },
    })
  })

  it('takes browser credentials from Sec-WebSocket-Protocol (answering weir.v1) or the query', async () => {
    const viaProtocol = await connectWs(wsUrl(url, `/streams/${open}`), {
      protocols: ['weir.v1', 'weir.api-key.key-bob'],
    })
    expect(viaProtocol.ws.protocol).toBe('weir.v1')
    expect(await viaProtocol.frames.next()).toMatchObject({ type: 'welcome', principal: 'bob' })
    viaProtocol.ws.close()
    const viaQuery = await connectWs(wsUrl(url, `/streams/${open}?api_key=key-bob`))
    expect(await viaQuery.frames.next()).toMatchObject({ type: 'welcome', principal: 'bob' })
    viaQuery.ws.close()
    await expect(
      connectWs(wsUrl(url, `/streams/${open}`), { protocols: ['weir.api-key.key-bob'] })
    ).rejects.toMatchObject({ status: 400 })
  })

  it('refuses 403 for a topic the ACL does not grant and 404 for one the stream does not serve', async () => {
    await expect(connect(`/streams/${secret}`, 'key-bob')).rejects.toMatchObject({
      status: 403,
      body: { detail: expect.stringContaining('bob') },
    })
    await expect(connect('/streams/other-topic')).rejects.toMatchObject({ status: 404 })
    await expect(connect('/nothing-here')).rejects.toMatchObject({ status: 404 })
    // A malformed percent-encoding is the client's mistake (400), on every door of the path.
    await expect(connect('/streams/%E0%A4%A')).rejects.toMatchObject({ status: 400 })
    expect((await fetch(`${url}/streams/%E0%A4%A`)).status).toBe(400)
  })

  it('closes with 1007 on a frame that is not weir.v1 JSON and 1003 on a binary frame', async () => {
    const client = await connect(`/streams/${open}?topics=`)
    client.ws.send('{not json')
    expect(await client.closed).toMatchObject({ code: 1007, reason: 'the frame is not JSON' })
    const other = await connect(`/streams/${open}?topics=`)
    other.send({ type: 'subscribe', topics: 'x' })
    expect((await other.closed).code).toBe(1007)
    const binary = await connect(`/streams/${open}?topics=`)
    binary.ws.send(Buffer.from([1, 2, 3]))
    expect((await binary.closed).code).toBe(1003)
  })

  it('answers refused subscribe frames with an error frame and keeps the connection', async () => {
    const client = await connect(`/streams/${open}`)
    await subscribed(client)
    client.send({ type: 'subscribe', id: 'again', topics: [open] })
    const error = await client.frames.next((f) => f.type === 'error')
    expect(error).toMatchObject({ id: 'again', problem: { status: 400 } })
    client.send({ type: 'unsubscribe', id: 'default' })
    expect(await client.frames.next((f) => f.type === 'unsubscribed')).toMatchObject({
      id: 'default',
    })
    client.send({ type: 'subscribe', id: 'late', from: 'earliest' })
    expect(await subscribed(client)).toMatchObject({ id: 'late', topics: [open] })
    expect((await records(client, 1))[0]).toMatchObject({ topic: open })
    client.ws.close()
  })

  it('at-least-once: what was not acknowledged comes again after a reconnect', async () => {
    await produceRecords(
      acked,
      [1, 2, 3, 4].map((n) => ({ key: `k${n}`, value: { n } }))
    )
    const first = await connect('/acked')
    const firstBatch = await records(first, 4)
    expect(firstBatch.map((r) => (r.value as { n: number }).n)).toEqual([1, 2, 3, 4])
    for (const record of firstBatch.slice(0, 2)) {
      first.send({
        type: 'ack',
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
      })
    }
    // Acks are committed on the hub's commit interval (1 s) and as the subscriber leaves.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    first.ws.close()
    await first.closed
    const second = await connect('/acked')
    const again = await records(second, 2)
    expect(again.map((r) => (r.value as { n: number }).n)).toEqual([3, 4])
    for (const record of again) {
      second.send({
        type: 'ack',
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
      })
    }
    second.ws.close()
  })

  it('holds a principal to maxConnectionsPerPrincipal: 429 for one more', async () => {
    const first = await connect('/limited')
    await first.frames.next((f: Frame) => f.type === 'welcome')
    await expect(connect('/limited')).rejects.toMatchObject({ status: 429 })
    // Another principal has its own allowance.
    const bob = await connect('/limited', 'key-bob')
    first.ws.close()
    await first.closed
    // The slot is given back when the connection ends.
    await new Promise((resolve) => setTimeout(resolve, 100))
    const again = await connect('/limited')
    again.ws.close()
    bob.ws.close()
  })
})
