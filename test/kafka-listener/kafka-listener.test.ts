// The whole listener against fake brokers: port mapping, brokers discovered from metadata, the
// request timeout sweep, and a process that outlives any bytes a client sends.
import { createServer } from 'node:net'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { BackendCluster, VirtualCluster } from '../../src/config/schema/clusters.ts'
import { KafkaListener } from '../../src/config/schema/listeners.ts'
import {
  startKafkaListener,
  type RunningKafkaListener,
} from '../../src/kafka-listener/kafka-listener.ts'
import { apiByKey, apis, frame } from '../../src/protocol/index.ts'
import { freePortRange } from '../support/ports.ts'
import { FakeBroker } from './support/fake-broker.ts'
import {
  captureLogger,
  eventually,
  sizePrefix,
  WireClient,
  type LogEntry,
} from './support/wire-client.ts'

interface Running {
  listener: RunningKafkaListener
  port: number
  entries: LogEntry[]
}

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

async function broker(options?: Parameters<typeof FakeBroker.start>[0]): Promise<FakeBroker> {
  const started = await FakeBroker.start(options)
  cleanup.push(() => started.close())
  return started
}

/** A listener whose bootstrap goes to `bootstrap`, knowing at start only the brokers given. */
async function listen(
  bootstrap: FakeBroker,
  known: FakeBroker[],
  settings: Record<string, number> = {}
): Promise<Running> {
  const port = await freePortRange(4)
  const { logger, entries } = captureLogger()
  const listener = await startKafkaListener(
    KafkaListener.parse({ kind: 'kafka', name: 'kafka', virtualCluster: 'vc', port, ...settings }),
    {
      tenants: [
        {
          virtualCluster: VirtualCluster.parse({ name: 'vc', backendCluster: 'main' }),
          authenticate: async () => {
            throw new Error('no authentication in these tests')
          },
          scramLogin: () => {
            throw new Error('no authentication in these tests')
          },
          backend: BackendCluster.parse({
            name: 'main',
            bootstrapServers: [`${bootstrap.host}:${bootstrap.port}`],
          }),
          describeBrokers: async () =>
            known.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })),
        },
      ],
      policies: {
        hasAcls: () => false,
        authorizeAcl: () => {
          throw new Error('no ACLs in these tests')
        },
        rateLimitCounts: () => ({ requests: false, bytes: false }),
        hasConnectionLimits: () => false,
        admit: () => {
          throw new Error('no connection limits in these tests')
        },
        chargeRateLimits: () => {
          throw new Error('no rate limits in these tests')
        },
      },
      logger,
    }
  )
  cleanup.push(() => listener.close())
  return { listener, port, entries }
}

async function client(port: number): Promise<WireClient> {
  const connected = await WireClient.connect(port)
  cleanup.push(async () => connected.destroy())
  return connected
}

function closeLog(entries: LogEntry[], address: string) {
  return entries.find((e) => e.msg === 'kafka connection closed' && e.client === address)
}

describe('the Kafka listener', () => {
  it('serves each broker on its own port, binding ports for brokers metadata reveals', async () => {
    const second = await broker({ nodeId: 2 })
    const first = await broker({
      nodeId: 1,
      peers: [{ nodeId: 2, host: second.host, port: second.port }],
    })
    const { listener, port, entries } = await listen(first, [first])
    expect(listener.bootstrap).toBe(`127.0.0.1:${port}`)
    expect(listener.brokers()?.nodes()).toEqual([1])

    const bootstrap = await client(port)
    const { body } = await bootstrap.roundTrip(apis.metadata, 12)
    expect(body.brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port }))).toEqual([
      { nodeId: 1, host: '127.0.0.1', port: port + 2 },
      { nodeId: 2, host: '127.0.0.1', port: port + 3 },
    ])
    expect(listener.brokers()?.upstream(2)).toEqual({ host: second.host, port: second.port })
    await eventually(() =>
      entries.some((e) => e.msg === 'kafka listener port bound' && e.broker === 2)
    )

    const toSecond = await client(port + 3)
    await toSecond.roundTrip(apis.apiVersions, 3)
    expect(second.received.map((h) => h.requestApiKey)).toEqual([18])
    const toFirst = await client(port + 2)
    await toFirst.roundTrip(apis.apiVersions, 3)
    expect(first.received.map((h) => h.requestApiKey)).toEqual([3, 18])
    expect(listener.connections()).toBe(3)
  })

  it('refuses to start when a broker port is taken, naming the port, and frees the rest', async () => {
    const backend = await broker({ nodeId: 1 })
    const port = await freePortRange(4)
    // Whoever else holds broker 1's port (an ephemeral port of some connection, another
    // listener): starting anyway would send clients there.
    const squatter = createServer()
    await new Promise<void>((resolve) => squatter.listen(port + 2, '127.0.0.1', resolve))
    cleanup.push(() => new Promise((resolve) => squatter.close(() => resolve())))

    await expect(listen(backend, [backend], { port })).rejects.toThrow(
      `kafka listener "kafka": cannot listen on broker 1's port, 127.0.0.1:${port + 2}: listen EADDRINUSE`
    )
    // The bootstrap port it had bound is released again.
    const again = createServer()
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject)
      again.listen(port, '127.0.0.1', resolve)
    })
    await new Promise((resolve) => again.close(resolve))
  })

  it('closes a connection whose backend never answers, by its request timeout', async () => {
    const silent = await broker()
    silent.mode = 'silent'
    const { entries, port } = await listen(silent, [silent], { requestTimeoutMs: 100 })
    const waiting = await client(port)
    waiting.send(apis.metadata, 12)
    // The sweep runs every second.
    expect(await waiting.closesWithin(3000)).toBe(true)
    expect(closeLog(entries, waiting.address)).toMatchObject({
      listener: 'kafka',
      why: 'request timeout',
    })
  })

  it('closes a client whose backend is down, at once', async () => {
    const down = await broker()
    const { port, listener } = await listen(down, [down])
    await down.close()
    const refused = await client(port)
    expect(await refused.closesWithin(2000)).toBe(true)
    expect(listener.connections()).toBe(0)
  })

  it('closes only the connection that sent an absurd length, and logs who it was', async () => {
    const backend = await broker()
    const { port, entries, listener } = await listen(backend, [backend])
    const good = await client(port)
    const bad = await client(port + 2)
    await good.roundTrip(apis.metadata, 12)
    bad.write(sizePrefix(0x7fffffff))
    expect(await bad.closesWithin(2000)).toBe(true)
    await good.roundTrip(apis.metadata, 12)
    expect(closeLog(entries, bad.address)).toMatchObject({
      listener: 'kafka',
      why: 'malformed request',
      detail: expect.stringContaining('2147483647'),
    })
    expect(listener.connections()).toBe(1)
  })

  it('closes every client connection when it closes', async () => {
    const backend = await broker()
    const { port, listener } = await listen(backend, [backend])
    const connected = await client(port)
    await connected.roundTrip(apis.metadata, 12)
    await listener.close()
    expect(await connected.closesWithin(2000)).toBe(true)
    await expect(WireClient.connect(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })
})

describe('random bytes from clients', () => {
  /** Bytes that start like a request of a known API, so they reach the header and acks checks. */
  const framed = fc
    .tuple(
      fc.constantFrom(...apiByKey.keys(), 999),
      fc.integer({ min: -2, max: 20 }),
      fc.uint8Array({ maxLength: 80 })
    )
    .map(([apiKey, version, rest]) => {
      const header = Buffer.alloc(8)
      header.writeInt16BE(apiKey, 0)
      header.writeInt16BE(version, 2)
      header.writeInt32BE(77, 4)
      return frame(Buffer.concat([header, rest]))
    })
  const chunks = fc.array(
    fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)),
      framed
    ),
    { minLength: 1, maxLength: 6 }
  )

  it('never take the process down, and other connections keep working', async () => {
    const backend = await broker()
    const { port, listener } = await listen(backend, [backend], { maxFrameBytes: 4096 })
    const good = await client(port)
    await fc.assert(
      fc.asyncProperty(chunks, fc.boolean(), async (parts, viaBrokerPort) => {
        const bad = await WireClient.connect(viaBrokerPort ? port + 2 : port)
        for (const part of parts) bad.write(part)
        // Long enough for the gateway to act on the bytes: close, forward, or wait for more.
        await bad.closesWithin(30)
        bad.destroy()
        const { body } = await good.roundTrip(apis.metadata, 12)
        expect(body.brokers).toHaveLength(1)
        await eventually(() => listener.connections() === 1)
      }),
      { numRuns: 60 }
    )
  })
})
