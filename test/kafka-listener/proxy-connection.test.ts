// One client connection through the proxy to a fake broker, on real sockets: what the client
// learns, the order of answers, requests that have no answer, and every way a connection ends.
import { afterEach, describe, expect, it } from 'vitest'
import { responseEdit } from '../../src/kafka-listener/filters/by-api.ts'
import type { RequestFilter } from '../../src/kafka-listener/filters/types.ts'
import { apis, frame, type ProduceRequest } from '../../src/protocol/index.ts'
import { UNKNOWN_API_KEY } from './support/fake-broker.ts'
import {
  ADVERTISED_HOST,
  BROKER_PORT_BASE,
  startProxy,
  type ProxyHarness,
} from './support/proxy-harness.ts'
import { eventually, rawRequest, sizePrefix, type WireClient } from './support/wire-client.ts'

const WARN = 40

let proxy: ProxyHarness
afterEach(async () => {
  await proxy.stop()
})

function produce(acks: number): ProduceRequest {
  return { ...apis.produce.defaultRequest(), acks, timeoutMs: 1000 }
}

/** The log line of a connection's end, for the client at `address`. */
function closeLog(address: string) {
  return proxy.entries.find((e) => e.msg === 'kafka connection closed' && e.client === address)
}

/** A second client that must keep working while the first misbehaves. */
async function stillServes(client: WireClient): Promise<void> {
  const { body } = await client.roundTrip(apis.metadata, 12)
  expect(body.brokers).toHaveLength(1)
}

describe('responses', () => {
  it('name the advertised address of every broker, wherever a response carries one', async () => {
    proxy = await startProxy()
    const client = await proxy.client()
    const advertised = { host: ADVERTISED_HOST, port: BROKER_PORT_BASE + 1 }

    for (const version of [0, 4, 9, 12, 13]) {
      const { body } = await client.roundTrip(apis.metadata, version)
      expect(body.brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port }))).toEqual([
        { nodeId: 1, ...advertised },
      ])
    }
    expect(proxy.brokers.upstream(1)).toEqual({ host: '127.0.0.1', port: proxy.broker.port })

    const single = await client.roundTrip(apis.findCoordinator, 3, {
      ...apis.findCoordinator.defaultRequest(),
      key: 'group',
    })
    expect(single.body).toMatchObject(advertised)
    const list = await client.roundTrip(apis.findCoordinator, 6, {
      ...apis.findCoordinator.defaultRequest(),
      coordinatorKeys: ['a', 'b'],
    })
    expect(list.body.coordinators.map(({ key, host, port }) => ({ key, host, port }))).toEqual([
      { key: 'a', ...advertised },
      { key: 'b', ...advertised },
    ])

    const produced = await client.roundTrip(apis.produce, 13, produce(-1))
    expect(produced.body.nodeEndpoints).toMatchObject([{ nodeId: 1, ...advertised }])
  })

  it('offer only API versions both the broker and the codec speak', async () => {
    proxy = await startProxy()
    const client = await proxy.client()
    const { body } = await client.roundTrip(apis.apiVersions, 3)
    const keys = new Map(body.apiKeys.map((k) => [k.apiKey, k]))
    expect(keys.has(UNKNOWN_API_KEY)).toBe(false)
    expect(keys.get(apis.produce.key)).toMatchObject({ minVersion: 0 })
    expect(keys.get(apis.offsetCommit.key)?.maxVersion).toBe(apis.offsetCommit.maxVersion - 1)
  })

  it('keep the order of pipelined requests, however long each one takes', async () => {
    proxy = await startProxy({}, { delayMs: { [apis.metadata.key]: 30 } })
    const client = await proxy.client()
    const sent: number[] = []
    const frames: Buffer[] = []
    for (let i = 0; i < 30; i++) {
      const correlationId = 1000 + i
      sent.push(correlationId)
      const request =
        i % 3 === 0
          ? client.request(apis.metadata, 12, undefined, correlationId)
          : i % 3 === 1
            ? client.request(apis.apiVersions, 3, undefined, correlationId)
            : client.request(apis.produce, 13, produce(1), correlationId)
      frames.push(request)
    }
    // One write, split at odd places, as TCP may deliver it.
    const all = Buffer.concat(frames)
    for (let at = 0; at < all.length; at += 37) client.write(all.subarray(at, at + 37))
    const received: number[] = []
    for (let i = 0; i < sent.length; i++) received.push((await client.next()).readInt32BE(0))
    expect(received).toEqual(sent)
    expect((await proxy.connectionOf(client)).pending).toBe(0)
  })
})

describe('a response edit that has to wait', () => {
  it("holds every later answer, the broker's and the gateway's own, until it is done", async () => {
    const edited: number[] = []
    // Metadata answers are edited after a wait (as a decryption waits for its key would).
    const slowEdit: RequestFilter = {
      wants: (apiKey) => apiKey === apis.metadata.key,
      onRequest: (_body, header) => ({
        kind: 'forward',
        changed: false,
        onResponse: responseEdit('metadata', async (response) => {
          await new Promise((resolve) => setTimeout(resolve, 40))
          response.clusterId = `edited-${header.correlationId}`
          edited.push(header.correlationId)
        }),
      }),
    }
    proxy = await startProxy({}, {}, undefined, [slowEdit])
    const client = await proxy.client()
    const tooNew = apis.apiVersions.maxVersion + 1
    client.write(
      Buffer.concat([
        client.request(apis.metadata, 12, undefined, 1),
        client.request(apis.apiVersions, 3, undefined, 2),
        rawRequest(apis.apiVersions.key, tooNew, 3, Buffer.from([0, 0, 0])),
        client.request(apis.metadata, 12, undefined, 4),
        client.request(apis.apiVersions, 3, undefined, 5),
      ])
    )
    const first = await client.response(apis.metadata, 12)
    expect([first.header.correlationId, first.body.clusterId]).toEqual([1, 'edited-1'])
    expect((await client.response(apis.apiVersions, 3)).header.correlationId).toBe(2)
    expect((await client.response(apis.apiVersions, 0)).header.correlationId).toBe(3)
    const second = await client.response(apis.metadata, 12)
    expect([second.header.correlationId, second.body.clusterId]).toEqual([4, 'edited-4'])
    expect((await client.response(apis.apiVersions, 3)).header.correlationId).toBe(5)
    expect(edited).toEqual([1, 4])
    expect((await proxy.connectionOf(client)).pending).toBe(0)
  })

  it('ends the connection, not the process, when the edit fails', async () => {
    const failing: RequestFilter = {
      wants: (apiKey) => apiKey === apis.metadata.key,
      onRequest: () => ({
        kind: 'forward',
        changed: false,
        onResponse: () => Promise.reject(new Error('no key for these records')),
      }),
    }
    proxy = await startProxy({}, {}, undefined, [failing])
    const client = await proxy.client()
    client.write(client.request(apis.metadata, 12, undefined, 1))
    await client.closed
    expect(closeLog(client.address)).toMatchObject({
      why: 'response edit failed',
      detail: 'no key for these records',
    })
  })
})

describe('Produce with acks=0', () => {
  it('leaves nothing in flight, and later requests still get their answers', async () => {
    proxy = await startProxy()
    const client = await proxy.client()
    const connection = await proxy.connectionOf(client)
    for (const version of [3, 8, 9, 13]) {
      for (let i = 0; i < 20; i++) client.send(apis.produce, version, produce(0))
    }
    const acked = client.send(apis.produce, 13, produce(1))
    const metadata = client.send(apis.metadata, 12)
    expect((await client.next()).readInt32BE(0)).toBe(acked)
    expect((await client.next()).readInt32BE(0)).toBe(metadata)
    expect(connection.pending).toBe(0)
    expect(proxy.broker.received.filter((h) => h.requestApiKey === 0)).toHaveLength(81)
  })

  it('is not waited for, while a request that has an answer is', async () => {
    proxy = await startProxy()
    proxy.broker.mode = 'silent'
    const client = await proxy.client()
    const connection = await proxy.connectionOf(client)
    client.send(apis.produce, 13, produce(0))
    await eventually(() => proxy.broker.received.length === 1)
    expect(connection.pending).toBe(0)
    client.send(apis.produce, 13, produce(-1))
    await eventually(() => proxy.broker.received.length === 2)
    expect(connection.pending).toBe(1)
  })
})

describe('ApiVersions above the versions the codec reads', () => {
  const tooNew = apis.apiVersions.maxVersion + 1

  it('is answered by the gateway in v0 with UNSUPPORTED_VERSION, in its turn', async () => {
    proxy = await startProxy({}, { delayMs: { [apis.metadata.key]: 100 } })
    const client = await proxy.client()
    client.write(
      Buffer.concat([
        client.request(apis.metadata, 12, undefined, 1),
        rawRequest(apis.apiVersions.key, tooNew, 2, Buffer.from([0, 0, 0])),
        client.request(apis.metadata, 12, undefined, 3),
        rawRequest(apis.apiVersions.key, 32_000, 4),
      ])
    )
    expect((await client.response(apis.metadata, 12)).header.correlationId).toBe(1)
    const local = await client.response(apis.apiVersions, 0)
    expect(local.header.correlationId).toBe(2)
    expect(local.body.errorCode).toBe(35)
    expect(local.body.apiKeys).toEqual([
      {
        apiKey: 18,
        minVersion: apis.apiVersions.minVersion,
        maxVersion: apis.apiVersions.maxVersion,
      },
    ])
    expect((await client.response(apis.metadata, 12)).header.correlationId).toBe(3)
    expect((await client.response(apis.apiVersions, 0)).header.correlationId).toBe(4)
    // The broker never saw them; the client retries with a version both speak.
    expect(proxy.broker.received.map((h) => h.requestApiKey)).toEqual([3, 3])
    const retried = await client.roundTrip(apis.apiVersions, apis.apiVersions.maxVersion)
    expect(retried.body.errorCode).toBe(0)
  })

  it("passes on an older broker's own UNSUPPORTED_VERSION answer", async () => {
    proxy = await startProxy({}, { apiVersionsMax: 2 })
    const client = await proxy.client()
    client.send(apis.apiVersions, 3)
    const { body } = await client.response(apis.apiVersions, 0)
    expect(body.errorCode).toBe(35)
    expect(body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 2 }])
    const v2 = await client.roundTrip(apis.apiVersions, 2)
    expect(v2.body.apiKeys.length).toBeGreaterThan(10)
  })
})

describe('a request the gateway cannot read', () => {
  it.each([
    ['an unknown API key', rawRequest(UNKNOWN_API_KEY, 0, 7)],
    ['a retired API key', rawRequest(4, 7, 7)],
    ['a Metadata version above the codec', rawRequest(3, apis.metadata.maxVersion + 1, 7)],
    ['a Fetch version below the codec', rawRequest(1, apis.fetch.minVersion - 1, 7)],
    ['a negative Metadata version', rawRequest(3, -1, 7)],
    ['a negative Produce version', rawRequest(0, -1, 7, Buffer.from([0xff, 0xff, 0, 1]))],
    ['a Produce version above the codec', rawRequest(0, apis.produce.maxVersion + 1, 7)],
  ])('%s closes that connection only, and never reaches the broker', async (_, bytes) => {
    proxy = await startProxy()
    const bad = await proxy.client()
    const good = await proxy.client()
    await stillServes(good)
    bad.write(bytes)
    expect(await bad.closesWithin(2000)).toBe(true)
    await stillServes(good)
    expect(proxy.broker.received.every((h) => h.correlationId !== 7)).toBe(true)
    expect(closeLog(bad.address)).toMatchObject({ level: WARN, why: 'malformed request' })
  })
})

describe('bad input', () => {
  const cases: [string, Buffer][] = [
    ['a length prefix of 0x7fffffff', sizePrefix(0x7fffffff)],
    ['a length prefix of -1', sizePrefix(-1)],
    ['a length prefix of -2^31', sizePrefix(-0x80000000)],
    ['a frame above maxFrameBytes', Buffer.concat([sizePrefix(4097), Buffer.alloc(100)])],
    ['a frame too short for a request header', frame(Buffer.from([0, 3, 0, 12, 0]))],
    ['an empty frame', sizePrefix(0)],
    ['a Produce frame that ends before its acks', rawRequest(0, 9, 7, Buffer.from([5, 0x74]))],
    ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: weir\r\n\r\n')],
    ['a TLS ClientHello', Buffer.from('160301020001', 'hex')],
  ]

  it.each(cases)(
    '%s closes that connection only, logged with the client address',
    async (_, bytes) => {
      proxy = await startProxy({ maxFrameBytes: 4096 })
      const bad = await proxy.client()
      const good = await proxy.client()
      await stillServes(good)
      bad.write(bytes)
      expect(await bad.closesWithin(2000)).toBe(true)
      await stillServes(good)
      expect(closeLog(bad.address)).toMatchObject({ level: WARN, why: 'malformed request' })
      expect(closeLog(good.address)).toBeUndefined()
    }
  )

  it('a frame of exactly maxFrameBytes is accepted', async () => {
    proxy = await startProxy({ maxFrameBytes: 4096 })
    const client = await proxy.client()
    const withName = (length: number) =>
      client.request(apis.metadata, 12, {
        ...apis.metadata.defaultRequest(),
        topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'x'.repeat(length) }],
      })
    let length = 4000
    while (withName(length).length - 4 < 4096) length++
    const request = withName(length)
    expect(request.length - 4).toBe(4096)
    client.write(request)
    await client.next()
  })

  it('a request cut short by the client closing is logged with the client address', async () => {
    proxy = await startProxy()
    const bad = await proxy.client()
    const good = await proxy.client()
    const address = bad.address
    bad.socket.end(bad.request(apis.metadata, 12).subarray(0, 9))
    await eventually(() => closeLog(address) !== undefined)
    await stillServes(good)
    expect(closeLog(address)).toMatchObject({ level: WARN, why: 'client closed' })
    expect(closeLog(address)?.partialRequestBytes).toBe(5)
  })

  it('a client that closes cleanly is logged at debug only', async () => {
    proxy = await startProxy()
    const client = await proxy.client()
    await stillServes(client)
    const address = client.address
    client.socket.end()
    await eventually(() => closeLog(address) !== undefined)
    expect(closeLog(address)).toMatchObject({ level: 20, why: 'client closed' })
  })
})

describe('the backend', () => {
  it('never answering: the connection closes once the request timeout passes', async () => {
    proxy = await startProxy({ requestTimeoutMs: 100 })
    proxy.broker.mode = 'silent'
    const client = await proxy.client()
    const connection = await proxy.connectionOf(client)
    client.send(apis.metadata, 12)
    await eventually(() => connection.pending === 1)
    connection.checkTimeout(Date.now())
    expect(client.isClosed).toBe(false)
    connection.checkTimeout(Date.now() + 101)
    expect(await client.closesWithin(1000)).toBe(true)
    expect(closeLog(client.address)).toMatchObject({
      level: WARN,
      why: 'request timeout',
      detail: 'Metadata got no response in 100 ms',
    })
    expect(proxy.closed).toContain(connection)
  })

  it('closing on a request: the client connection is closed too', async () => {
    proxy = await startProxy()
    proxy.broker.mode = 'close'
    const client = await proxy.client()
    client.send(apis.metadata, 12)
    expect(await client.closesWithin(2000)).toBe(true)
    expect(closeLog(client.address)).toMatchObject({ level: WARN, why: 'backend closed' })
  })

  it('dropping an idle connection: the client connection is closed too', async () => {
    proxy = await startProxy()
    const client = await proxy.client()
    await stillServes(client)
    proxy.broker.dropConnections()
    expect(await client.closesWithin(2000)).toBe(true)
  })

  it('down: the client connection is closed, not left waiting', async () => {
    proxy = await startProxy()
    await proxy.broker.close()
    const client = await proxy.client()
    expect(await client.closesWithin(2000)).toBe(true)
    expect(closeLog(client.address)).toMatchObject({ level: WARN, why: 'backend error' })
  })
})

describe('idle timeout', () => {
  it('closes a client that sends nothing, and not one that keeps talking', async () => {
    proxy = await startProxy({ idleTimeoutMs: 150 })
    const idle = await proxy.client()
    const busy = await proxy.client()
    await stillServes(idle)
    const started = Date.now()
    while (Date.now() - started < 400) {
      await stillServes(busy)
      await new Promise((resolve) => setTimeout(resolve, 30))
    }
    expect(idle.isClosed).toBe(true)
    expect(busy.isClosed).toBe(false)
    expect(closeLog(idle.address)).toMatchObject({ why: 'idle' })
  })
})
