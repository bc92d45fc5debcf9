// One ip filter behind a load balancer, every door: Weir's listeners take the PROXY protocol from
// a trusted local TCP proxy (127.0.0.1) that names the original client, and the filter judges
// that address, not the proxy's. A denied client (203.0.113.7) is refused on HTTP produce (403),
// SSE and long-poll (403), WebSocket (upgrade refused 403) and the Kafka listener (closed before
// any request); an allowed one (198.51.100.20) is served. Headers v1 and v2 both.
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs'
import { connect } from 'node:net'
import { beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, waitReady } from '../../support/gateway.ts'
import { createTopic, endOffsetSum } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'
import { startProxyForwarder, type ProxyForwarder } from '../../support/proxy-protocol.ts'
import { connectSse, connectWs, produceRecords, wsUrl } from '../../support/stream-clients.ts'

const DENIED = '203.0.113.7'
const ALLOWED = '198.51.100.20'
const clients = [
  { address: DENIED, version: 1, served: false },
  { address: ALLOWED, version: 1, served: true },
  { address: DENIED, version: 2, served: false },
  { address: ALLOWED, version: 2, served: true },
] as const
describe('ip filter behind a PROXY protocol load balancer', () => {
  let topic = ''
  let kafkaPort = 0
  /** Per client: the HTTP listener's forwarder, and one per Kafka port (bootstrap, brokers). */
  const http = new Map<(typeof clients)[number], ProxyForwarder>()
  const kafka = new Map<(typeof clients)[number], Map<number, ProxyForwarder>>()

  beforeAll(async () => {
    topic = await createTopic('ip-filter')
    kafkaPort = await freePortRange(3)
    const { url } = await startTestGateway(`virtualClusters:
  - name: shop
    backendCluster: main
    policies: [no-doc-net]
policies:
  - name: no-doc-net
    kind: ip-filter
    deny: [203.0.113.0/24]
listeners:
  - name: public
    kind: http
    port: 0
    proxyProtocol: { trustedSources: [127.0.0.1] }
    topicsEndpoint: { virtualCluster: shop, allowed: ['*'] }
    streams:
      - path: /streams/{topic}
        virtualCluster: shop
        topics: { from: path, name: topic, allowed: ['*'] }
        start: earliest
  - name: kafka
    kind: kafka
    virtualCluster: shop
    port: ${kafkaPort}
    proxyProtocol: { trustedSources: [127.0.0.1] }
`)
    const httpPort = Number(new URL(url).port)
    for (const client of clients) {
      const to = (port: number) =>
        startProxyForwarder({
          target: { host: '127.0.0.1', port },
          client: { address: client.address, port: 40000 },
          version: client.version,
        })
      http.set(client, await to(httpPort))
      const ports = new Map<number, ProxyForwarder>()
      for (let port = kafkaPort; port < kafkaPort + 3; port++) ports.set(port, await to(port))
      kafka.set(client, ports)
    }
    await produceRecords(topic, [{ key: 'k', value: { n: 1 } }])
    const through = `http://127.0.0.1:${http.get(clients[1])?.port}`
    await waitReady(through)
  })

  const base = (client: (typeof clients)[number]) => `http://127.0.0.1:${http.get(client)?.port}`

  it.each(clients)('HTTP produce: $address (v$version) served: $served', async (client) => {
    const before = await endOffsetSum(topic)
    const response = await fetch(`${base(client)}/topics/${topic}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"n":2}',
    })
    if (client.served) {
      expect(response.status).toBe(202)
      return
    }
    expect(response.status).toBe(403)
    expect(response.headers.get('content-type')).toContain('problem+json')
    expect(((await response.json()) as { detail: string }).detail).toBe(
      `client address ${DENIED} is denied by ip filter "no-doc-net"`
    )
    expect(await endOffsetSum(topic)).toBe(before)
  })

  it.each(clients)('SSE and long-poll: $address (v$version) served: $served', async (client) => {
    const sse = await connectSse(`${base(client)}/streams/${topic}`)
    sse.close()
    const poll = await fetch(`${base(client)}/streams/${topic}?wait=0`)
    expect([sse.status, poll.status]).toEqual(client.served ? [200, 200] : [403, 403])
  })

  it.each(clients)('WebSocket: $address (v$version) served: $served', async (client) => {
    const connecting = connectWs(wsUrl(base(client), `/streams/${topic}`))
    if (!client.served) {
      await expect(connecting).rejects.toMatchObject({
        status: 403,
        body: { detail: `client address ${DENIED} is denied by ip filter "no-doc-net"` },
      })
      return
    }
    const ws = await connecting
    expect(await ws.frames.next((f) => f.type === 'record')).toMatchObject({ topic })
    ws.ws.close()
  })

  it.each(clients)(
    'Kafka listener (kafkajs): $address (v$version) served: $served',
    async (client) => {
      const forwarders = kafka.get(client) as Map<number, ProxyForwarder>
      // Every connection kafkajs opens (bootstrap and brokers) goes through the forwarder for its port.
      const socketFactory: ISocketFactory = ({ port, onConnect }) => {
        const forwarder = forwarders.get(port)
        if (forwarder === undefined) throw new Error(`no forwarder for port ${port}`)
        const socket = connect(forwarder.port, '127.0.0.1', onConnect)
        socket.setKeepAlive(true)
        return socket
      }
      const producer = new Kafka({
        clientId: 'ip-filter',
        brokers: [`127.0.0.1:${kafkaPort}`],
        socketFactory,
        retry: { retries: 0 },
        connectionTimeout: 3000,
        logLevel: logLevel.NOTHING,
      }).producer()
      const sending = producer
        .connect()
        .then(() => producer.send({ topic, messages: [{ value: `from ${client.address}` }] }))
      try {
        if (client.served) {
          await expect(sending).resolves.toMatchObject([{ errorCode: 0 }])
        } else {
          // Closed on accept, before any request (no SASL, no ApiVersions answered).
          await expect(sending).rejects.toMatchObject({
            name: 'KafkaJSNumberOfRetriesExceeded',
            message: expect.stringContaining('Closed connection') as string,
          })
        }
      } finally {
        await producer.disconnect()
      }
    }
  )
})
