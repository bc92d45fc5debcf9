// One namespace on every door. A virtual cluster with a prefix and an exposed topic: the exposed
// topic keeps its own name and the tenant's own topics live under the prefix, whichever door a
// client comes through. Each backend topic is seeded with a record naming it, and each has a
// decoy beside it (the prefixed twin of an exposed topic, which the namespace hides), so a door
// that maps a name differently from the others reads or writes the decoy and the row fails.
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopicNamed, testKafka, uniqueName } from '../../support/kafka.ts'
import { readTopic } from '../../support/load.ts'
import { freePortRange } from '../../support/ports.ts'
import { connectSse, connectWs, produceRecords, wsUrl } from '../../support/stream-clients.ts'

const prefix = `${uniqueName('ns')}.`
/** Exposed: the client name is the backend name. */
const shared = uniqueName('ref-data')
const replies = uniqueName('replies')
/** The tenant's own: backend `prefix + orders`. */
const orders = 'orders'
const backendOf: Record<string, string> = {
  [shared]: shared,
  [replies]: replies,
  [orders]: `${prefix}${orders}`,
}
/** Hidden from the tenant: the prefixed twins of the exposed topics. */
const decoys = [`${prefix}${shared}`, `${prefix}${replies}`]
const secret = 'cross-door-namespace-secret-0123456789abcdef'

let url = ''
let kafkaPort = 0

const seed = (backend: string) => ({ key: 'seed', value: { at: backend } })

function tenantKafka(): Kafka {
  return new Kafka({
    clientId: 'cross-door-namespace',
    brokers: [`127.0.0.1:${kafkaPort}`],
    retry: { retries: 2 },
    logLevel: logLevel.NOTHING,
  })
}

async function kafkaProduce(topic: string, message: { value: string; headers?: object }) {
  const producer = tenantKafka().producer()
  await producer.connect()
  try {
    await producer.send({ topic, acks: -1, messages: [message as { value: string }] })
  } finally {
    await producer.disconnect()
  }
}

/** Writes one record through a door under a client name; returns its id. */
type Write = (client: string, id: string) => Promise<void>
/** Reads the seed record through a door under a client name: the topic it names and its value. */
type Read = (client: string) => Promise<{ topic?: unknown; value: unknown }>
/** Names a topic the tenant must not see through a door: the HTTP status it answers. */
type Refuse = (client: string) => Promise<number>

const post = (path: string, body: object, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })

const writeDoors: Record<string, Write> = {
  'HTTP produce': async (client, id) => {
    const res = await post(`/topics/${client}`, { id })
    expect(res.status, await res.clone().text()).toBe(202)
  },
  'request-reply': async (client, id) => {
    const res = await post(`/ask/${client}`, { id }, { prefer: 'respond-async' })
    expect(res.status, await res.clone().text()).toBe(202)
  },
  'Kafka Produce': (client, id) => kafkaProduce(client, { value: JSON.stringify({ id }) }),
}

const readDoors: Record<string, Read> = {
  WebSocket: async (client) => {
    const ws = await connectWs(wsUrl(url, `/streams/${client}`))
    try {
      const frame = await ws.frames.next((f) => f.type === 'record' && f.key === 'seed')
      return { topic: frame.topic, value: frame.value }
    } finally {
      ws.ws.close()
    }
  },
  SSE: async (client) => {
    const sse = await connectSse(`${url}/streams/${client}`)
    try {
      expect(sse.status).toBe(200)
      const event = await sse.events.next(
        (e) => e.event === 'record' && (JSON.parse(e.data) as { key: string }).key === 'seed'
      )
      return JSON.parse(event.data) as { topic: string; value: unknown }
    } finally {
      sse.close()
    }
  },
  'long-poll': async (client) => {
    const res = await fetch(`${url}/streams/${client}?wait=5000`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { records: { key: string; topic: string; value: unknown }[] }
    const record = body.records.find((r) => r.key === 'seed')
    return { topic: record?.topic, value: record?.value }
  },
  view: async (client) => {
    const res = await fetch(`${url}/views/${viewName(client)}/seed`)
    return { value: res.status === 200 ? await res.json() : `HTTP ${res.status}` }
  },
  'Kafka Fetch': async (client) => {
    const consumer = tenantKafka().consumer({ groupId: uniqueName('ns-fetch') })
    await consumer.connect()
    try {
      await consumer.subscribe({ topic: client, fromBeginning: true })
      return await new Promise<{ topic: string; value: unknown }>((resolve) => {
        void consumer.run({
          eachMessage: async ({ topic, message }) => {
            if (message.key?.toString() !== 'seed') return
            resolve({ topic, value: JSON.parse(String(message.value)) })
          },
        })
      })
    } finally {
      await consumer.disconnect()
    }
  },
}

const refuseDoors: Record<string, Refuse> = {
  'HTTP produce': async (client) => (await post(`/topics/${client}`, { id: 'no' })).status,
  'request-reply': async (client) => (await post(`/ask/${client}`, { id: 'no' })).status,
  WebSocket: (client) =>
    connectWs(wsUrl(url, `/streams/${client}`)).then(
      (ws) => {
        ws.ws.close()
        return 101
      },
      (err: { status: number }) => err.status
    ),
  SSE: async (client) => {
    const sse = await connectSse(`${url}/streams/${client}`)
    sse.close()
    return sse.status
  },
  'long-poll': async (client) => (await fetch(`${url}/streams/${client}?wait=0`)).status,
}

const viewName = (client: string) => (client === orders ? 'own' : 'exposed')

describe('one namespace on every door', () => {
  beforeAll(async () => {
    for (const backend of [...Object.values(backendOf), ...decoys]) {
      await createTopicNamed(testKafka('weir-test-admin'), backend)
      await produceRecords(backend, [seed(backend)])
    }
    kafkaPort = await freePortRange(3)
    const started = await startTestGateway(`virtualClusters:
  - name: tenant
    backendCluster: main
    namespace:
      prefix: '${prefix}'
      expose: { topics: ['${shared}', '${replies}'] }
listeners:
  - name: public
    kind: http
    port: 0
    requests: { secret: ${secret}, maxWaitMs: 10000 }
    topicsEndpoint: { virtualCluster: tenant, allowed: ['*'] }
    routes:
      - path: /ask/{topic}
        virtualCluster: tenant
        topic: { from: path, name: topic, allowed: ['*'] }
        reply: { topic: '${replies}', timeoutMs: 8000 }
    streams:
      - path: /streams/{topic}
        virtualCluster: tenant
        topics: { from: path, name: topic, allowed: ['*'] }
        start: earliest
    views:
      - { name: exposed, virtualCluster: tenant, topic: '${shared}' }
      - { name: own, virtualCluster: tenant, topic: ${orders} }
  - name: kafka
    kind: kafka
    virtualCluster: tenant
    port: ${kafkaPort}
`)
    url = started.url
    for (;;) {
      if ((await fetch(`${url}/readyz`)).ok) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  })

  describe.each(Object.keys(writeDoors))('%s', (door) => {
    it.each([shared, orders])('writes client topic %s to its backend topic', async (client) => {
      const id = uniqueName(`${door}-${client}`)
      await writeDoors[door]?.(client, id)
      const expected = backendOf[client] as string
      const holding = []
      for (const backend of [expected, ...decoys]) {
        const records = await readTopic(testKafka(), backend)
        if (records.some((r) => idOf(r) === id)) holding.push(backend)
      }
      expect(holding).toEqual([expected])
    })
  })

  describe.each(Object.keys(readDoors))('%s', (door) => {
    it.each([shared, orders])('reads client topic %s from its backend topic', async (client) => {
      const read = await readDoors[door]?.(client)
      expect(read?.value).toEqual({ at: backendOf[client] })
      // Every door that names the topic of a record names it as the client does.
      if (read?.topic !== undefined) expect(read.topic).toBe(client)
    })
  })

  describe.each(Object.keys(refuseDoors))('%s', (door) => {
    it('answers 404 for a topic the namespace does not let the tenant see', async () => {
      expect(await refuseDoors[door]?.('__consumer_offsets')).toBe(404)
    })
  })

  it('request-reply: the reply-to header names the exposed reply topic, where a Kafka client of the tenant answers', async () => {
    const res = await post(`/ask/${orders}`, { id: 'reply-me' }, { prefer: 'respond-async' })
    expect(res.status).toBe(202)
    const location = res.headers.get('location') ?? ''
    const id = location.split('/').pop() ?? ''
    const request = (await readTopic(testKafka(), backendOf[orders] as string)).find(
      (r) => r.headers?.['weir-correlation-id']?.toString() === id
    )
    expect(request?.headers?.['weir-reply-to']?.toString()).toBe(replies)
    await kafkaProduce(replies, {
      value: JSON.stringify({ answered: true }),
      headers: { 'weir-correlation-id': id, 'weir-status': '201' },
    })
    const fetched = await fetch(`${url}${location}`, { headers: { prefer: 'wait=5' } })
    expect(fetched.status).toBe(201)
    expect(await fetched.json()).toEqual({ answered: true })
  })
})

function idOf(message: KafkaMessage): unknown {
  try {
    return (JSON.parse(String(message.value)) as { id?: unknown }).id
  } catch {
    return undefined
  }
}
