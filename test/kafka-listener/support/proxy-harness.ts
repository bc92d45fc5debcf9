// ProxyConnections on real sockets without the listener around them: a plain TCP server whose
// every client is paired, as the listener does it, with a connection to a fake broker. Tests
// reach each ProxyConnection (its `pending`, its timeout check) through the client it serves.
import { connect, createServer, type Server } from 'node:net'
import { BrokerMap } from '../../../src/kafka-listener/broker-map.ts'
import { apiVersionsFilter } from '../../../src/kafka-listener/filters/api-versions.ts'
import { brokerAddressFilters } from '../../../src/kafka-listener/filters/broker-addresses.ts'
import type { ResponseFilter } from '../../../src/kafka-listener/filters/types.ts'
import {
  ProxyConnection,
  type ProxyContext,
  type ProxySettings,
} from '../../../src/kafka-listener/proxy-connection.ts'
import { FakeBroker, type FakeBrokerOptions } from './fake-broker.ts'
import { captureLogger, eventually, WireClient, type LogEntry } from './wire-client.ts'

/** What clients are told the broker is: the listener's advertised host and port base. */
export const ADVERTISED_HOST = 'weir.test'
export const BROKER_PORT_BASE = 29_092

export interface ProxyHarness {
  broker: FakeBroker
  brokers: BrokerMap
  entries: LogEntry[]
  /** Connections closed so far (onClose), in order. */
  closed: ProxyConnection[]
  client(): Promise<WireClient>
  /** The ProxyConnection serving `client`. */
  connectionOf(client: WireClient): Promise<ProxyConnection>
  stop(): Promise<void>
}

export async function startProxy(
  settings: Partial<ProxySettings> = {},
  brokerOptions: FakeBrokerOptions = {},
  /** Limits until clients authenticate (none unless given). */
  preAuth?: ProxyContext['preAuth'],
  requestFilters?: ProxyContext['requestFilters']
): Promise<ProxyHarness> {
  const broker = await FakeBroker.start(brokerOptions)
  const { logger, entries } = captureLogger()
  const brokers = new BrokerMap({
    advertisedHost: ADVERTISED_HOST,
    brokerPortBase: BROKER_PORT_BASE,
  })
  const filters = new Map<number, ResponseFilter<unknown>[]>()
  for (const filter of [
    ...brokerAddressFilters,
    apiVersionsFilter(),
  ] as ResponseFilter<unknown>[]) {
    filters.set(filter.apiKey, [...(filters.get(filter.apiKey) ?? []), filter])
  }
  const closed: ProxyConnection[] = []
  const context: ProxyContext = {
    brokers,
    filters,
    settings: {
      maxFrameBytes: 1024 * 1024,
      requestTimeoutMs: 30_000,
      idleTimeoutMs: 60_000,
      ...settings,
    },
    logger,
    onClose: (connection) => closed.push(connection),
    preAuth,
    requestFilters,
  }
  const byClientPort = new Map<number, ProxyConnection>()
  // Kept: a test may stop the broker and still connect to where it was.
  const brokerPort = broker.port
  const server: Server = createServer((client) => {
    const upstream = connect({ host: broker.host, port: brokerPort })
    client.pause()
    upstream.once('connect', () => client.resume())
    byClientPort.set(client.remotePort ?? 0, new ProxyConnection(client, upstream, context))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('not listening')
  const clients: WireClient[] = []

  return {
    broker,
    brokers,
    entries,
    closed,
    async client() {
      const client = await WireClient.connect(address.port)
      clients.push(client)
      return client
    },
    async connectionOf(client) {
      await eventually(() => byClientPort.has(client.socket.localPort ?? -1))
      return byClientPort.get(client.socket.localPort ?? -1) as ProxyConnection
    },
    async stop() {
      for (const client of clients) client.destroy()
      for (const connection of byClientPort.values()) connection.close('test over')
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await broker.close()
    },
  }
}
