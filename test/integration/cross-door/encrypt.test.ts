// One encrypt configuration, every door: a record produced over HTTP and one over Kafka Produce
// (the `email` field sealed by the policy, whoever writes), each read over Kafka Fetch,
// WebSocket, SSE, long-poll and a view by alice (the ACL allows her `decrypt`) and bob (it does
// not): clear for alice, ciphertext (a sealed string, still a string) for bob, on every door. A
// plain consumer straight from the broker sees ciphertext. A reply (written sealed through the
// Kafka listener) reads clear for alice and sealed for bob. Java (kafka-clients) and librdkafka
// (confluent-kafka) consumers through Weir are handed clear records for alice, sealed for bob.
// A KMS that does not answer fails the produce with the retriable error on both doors (HTTP 503,
// Kafka REQUEST_TIMED_OUT) and writes nothing. With the KMS down and the data key not cached,
// alice's reads fail retriably on every door (long-poll 503, WebSocket 1011, an SSE problem event,
// Kafka KAFKA_STORAGE_ERROR, a view 503) rather than hand her ciphertext or skip records. A KEK
// deleted makes its records unreadable, on a fresh node at once and on the running one after
// `dataKeys.ttlMs`.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel, type Producer } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../../src/policy/secrets.ts'
import { startTestGateway, waitReady } from '../../support/gateway.ts'
import { createTopic, endOffsetSum, testKafka, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'
import { connectSse, connectWs, Inbox, wsUrl } from '../../support/stream-clients.ts'
import { runJavaCompat } from '../../compat/java/run.ts'
import { runPythonCompat } from '../../compat/python/run.ts'
import { basic } from './doors.ts'
import { consumeUntilCrash, firstSseEvent, viewAnswerOnceHeld } from './unreadable.ts'

type User = 'alice' | 'bob'
type Shown = Record<string, unknown>

const EMAIL = 'jane@example.com'
const SEALED = /^weir-enc:v1:[A-Za-z0-9_-]+$/
const users = ['alice', 'bob'] as const
const readDoors = ['Kafka Fetch', 'WebSocket', 'SSE', 'long-poll', 'view'] as const
type ReadDoor = (typeof readDoors)[number]

describe('one encrypt configuration on every door', () => {
  let url = ''
  let kafkaPort = 0
  let topic = ''
  let down = ''
  let keyring = ''
  let config = ''
  let replies = ''
  let asks = ''
  /** Each user's request, whose reply holds the sealed field. */
  const replyIds = {} as Record<User, string>
  const written = { http: uniqueName('http'), kafka: uniqueName('kafka') }
  const producers: Producer[] = []

  const kafka = (user: User) =>
    new Kafka({
      clientId: `cross-door-encrypt-${user}`,
      brokers: [`127.0.0.1:${kafkaPort}`],
      sasl: { mechanism: 'plain', username: user, password: `${user}-password` },
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    })

  const produceHttp = (to: string, name: string) =>
    fetch(`${url}${to === topic ? '/orders' : `/topics/${to}`}`, {
      method: 'POST',
      headers: { ...basic('alice'), 'content-type': 'application/json' },
      body: JSON.stringify({ name, email: EMAIL }),
    })

  const produceKafka = async (to: string, name: string, headers?: Record<string, string>) => {
    const producer = kafka('alice').producer()
    producers.push(producer)
    await producer.connect()
    const value = JSON.stringify({ name, email: EMAIL })
    await producer.send({ topic: to, messages: [{ key: name, value, headers }] })
  }

  beforeAll(async () => {
    topic = await createTopic('encrypt-orders', 1, { 'cleanup.policy': 'compact' })
    replies = await createTopic('encrypt-replies')
    asks = await createTopic('encrypt-asks')
    down = await createTopic('encrypt-kms-down')
    const dir = mkdtempSync(join(tmpdir(), 'weir-keyring-'))
    keyring = join(dir, 'keyring.yaml')
    writeFileSync(keyring, `keys:\n  orders: ${randomBytes(32).toString('base64')}\n`)
    const userList = await Promise.all(
      users.map(
        async (u) => `{ username: ${u}, passwordHash: '${await hashPassword(`${u}-password`)}' }`
      )
    )
    kafkaPort = await freePortRange(3)
    config = `dataKeys: { ttlMs: 2000 }
kms:
  - { name: local, kind: keyring, file: '${keyring}' }
  # Nothing listens on port 9: every call fails at once, as a KMS that is down.
  - { name: unreachable, kind: aws, region: eu-west-1, endpoint: 'http://127.0.0.1:9', maxAttempts: 1, requestTimeoutMs: 2000, credentials: { accessKeyId: test, secretAccessKey: test } }
virtualClusters:
  - name: shop
    backendCluster: main
    authentication:
      - kind: basic
        users: [${userList.join(', ')}]
    policies: [who, sealed, sealed-down]
policies:
  - name: who
    kind: acl
    rules:
      - { principals: ['*'], names: ['*'], operations: [produce, consume, describe] }
      - { principals: ['*'], resource: group, names: ['*'], operations: [consume, describe] }
      - { principals: [alice], names: ['${topic}', '${replies}'], operations: [decrypt] }
  - name: sealed
    kind: encrypt
    topics: ['${topic}', '${replies}']
    kms: local
    kekId: orders
    fields: { pointers: [/email] }
  - name: sealed-down
    kind: encrypt
    topics: ['${down}']
    kms: unreachable
    kekId: alias/orders
    value: true
listeners:
  - name: public
    kind: http
    port: 0
    topicsEndpoint: { virtualCluster: shop, allowed: ['*'] }
    requests: { secret: cross-door-encrypt-secret-0123456789abcdef }
    routes:
      - { path: /orders, virtualCluster: shop, topic: '${topic}', key: { from: body, pointer: /name } }
      - { path: /ask, virtualCluster: shop, topic: '${asks}', reply: { topic: '${replies}' } }
    views:
      - { name: orders, virtualCluster: shop, topic: '${topic}' }
    streams:
      - path: /streams/{topic}
        virtualCluster: shop
        topics: { from: path, name: topic, allowed: ['*'] }
        start: earliest
  - name: kafka
    kind: kafka
    virtualCluster: shop
    port: ${kafkaPort}
`
    const started = await startTestGateway(config)
    url = started.url
    await waitReady(url)
    const res = await produceHttp(topic, written.http)
    expect(res.status, await res.clone().text()).toBe(202)
    await produceKafka(topic, written.kafka)
    for (const user of users) {
      const asked = await fetch(`${url}/ask`, {
        method: 'POST',
        headers: { ...basic(user), 'content-type': 'application/json', prefer: 'respond-async' },
        body: '{"ask":1}',
      })
      expect(asked.status).toBe(202)
      replyIds[user] = ((await asked.json()) as { id: string }).id
      await produceKafka(replies, `reply-${user}`, { 'weir-correlation-id': replyIds[user] })
    }
  }, 60_000)

  afterAll(async () => {
    await Promise.all(producers.map((p) => p.disconnect()))
  })

  /** Every value a door delivers until both written records came, by name. */
  const both = async (next: () => Promise<Shown[]>): Promise<Map<string, Shown>> => {
    const seen = new Map<string, Shown>()
    while (!seen.has(written.http) || !seen.has(written.kafka)) {
      for (const value of await next()) seen.set(value.name as string, value)
    }
    return seen
  }

  const streamPath = () => `/streams/${topic}`

  /** Polls with the cursor each answer gives until both records came. */
  const longPoll = (base: string, user: User) => {
    let cursor = ''
    return both(async () => {
      const query = `wait=5000&max=10${cursor === '' ? '' : `&cursor=${cursor}`}`
      const res = await fetch(`${base}${streamPath()}?${query}`, { headers: basic(user) })
      const body = (await res.json()) as { records: { value: Shown }[]; cursor: string }
      cursor = encodeURIComponent(body.cursor)
      return body.records.map((r) => r.value)
    })
  }

  const read: Record<ReadDoor, (user: User) => Promise<Map<string, Shown>>> = {
    'Kafka Fetch': async (user) => {
      const consumer = kafka(user).consumer({ groupId: uniqueName('encrypt-fetch') })
      const delivered = new Inbox<Shown>()
      await consumer.connect()
      try {
        await consumer.subscribe({ topic, fromBeginning: true })
        await consumer.run({
          eachMessage: async ({ message }) => {
            delivered.push(JSON.parse(String(message.value)) as Shown)
            // A reader given clear text is not told the record was sealed.
            if (user === 'alice') expect(message.headers?.['weir-encryption']).toBeUndefined()
          },
        })
        return await both(async () => [await delivered.next(undefined, 30_000)])
      } finally {
        await consumer.disconnect()
      }
    },
    WebSocket: async (user) => {
      const client = await connectWs(wsUrl(url, streamPath()), { headers: basic(user) })
      try {
        return await both(async () => [
          (await client.frames.next((f) => f.type === 'record')).value as Shown,
        ])
      } finally {
        client.ws.close()
      }
    },
    SSE: async (user) => {
      const client = await connectSse(`${url}${streamPath()}`, basic(user))
      try {
        return await both(async () => {
          const event = await client.events.next((e) => e.event === 'record')
          return [(JSON.parse(event.data) as { value: Shown }).value]
        })
      } finally {
        client.close()
      }
    },
    'long-poll': (user) => longPoll(url, user),
    view: (user) =>
      both(async () => {
        const shown: Shown[] = []
        for (const name of [written.http, written.kafka]) {
          const res = await fetch(`${url}/views/orders/${name}`, { headers: basic(user) })
          if (res.status === 404) await new Promise((resolve) => setTimeout(resolve, 100))
          else {
            expect(res.headers.get('cache-control')).toBe('private, no-cache')
            shown.push((await res.json()) as Shown)
          }
        }
        return shown
      }),
  }

  const table = readDoors.flatMap((door) => users.map((user) => ({ door, user })))

  it.each(table)(
    '$door by $user',
    async ({ door, user }) => {
      const shown = await read[door](user)
      for (const name of [written.http, written.kafka]) {
        const email = shown.get(name)?.email
        if (user === 'alice') expect(email).toBe(EMAIL)
        else expect(email).toMatch(SEALED)
      }
    },
    40_000
  )

  it.each(users)(
    'a reply read by %s',
    async (user) => {
      let res = await fetch(`${url}/requests/${replyIds[user]}`, { headers: basic(user) })
      for (let i = 0; i < 100 && res.status === 202; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        res = await fetch(`${url}/requests/${replyIds[user]}`, { headers: basic(user) })
      }
      expect(res.status).toBe(200)
      const { email } = (await res.json()) as Shown
      if (user === 'alice') expect(email).toBe(EMAIL)
      else expect(email).toMatch(SEALED)
    },
    40_000
  )

  it('a plain consumer straight from the broker sees ciphertext, and the header', async () => {
    const consumer = testKafka('encrypt-backend').consumer({ groupId: uniqueName('backend') })
    const delivered = new Inbox<{ value: Shown; header: boolean }>()
    await consumer.connect()
    try {
      await consumer.subscribe({ topic, fromBeginning: true })
      await consumer.run({
        eachMessage: async ({ message }) => {
          const value = JSON.parse(String(message.value)) as Shown
          delivered.push({ value, header: message.headers?.['weir-encryption'] !== undefined })
        },
      })
      const stored = await delivered.take(2, undefined, 30_000)
      expect(stored.map((s) => s.value.name).sort()).toEqual([written.http, written.kafka].sort())
      for (const { value, header } of stored) {
        expect(value.email).toMatch(SEALED)
        expect(header).toBe(true)
      }
    } finally {
      await consumer.disconnect()
    }
  }, 40_000)

  it('the KMS down: HTTP produce answers 503 and Kafka Produce REQUEST_TIMED_OUT; nothing written', async () => {
    const res = await produceHttp(down, uniqueName('down'))
    expect(res.status).toBe(503)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    await expect(produceKafka(down, uniqueName('down'))).rejects.toMatchObject({
      cause: { type: 'REQUEST_TIMED_OUT', retriable: true },
    })
    expect(await endOffsetSum(down)).toBe(0)
  }, 40_000)

  /** What a real client's read scenario printed: each record's value and header names. */
  type ClientRead = { records?: { value: string; headers: string[] }[]; error?: string }

  const clients = {
    Java: async (user: User): Promise<ClientRead> => {
      const out = await runJavaCompat(`127.0.0.1:${kafkaPort}`, ['read'], 100_000, {
        clientProperties: {
          'security.protocol': 'SASL_PLAINTEXT',
          'sasl.mechanism': 'PLAIN',
          'sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="${user}" password="${user}-password";`,
        },
        settings: { 'read.topic': topic, 'read.group': uniqueName('java-read'), 'read.count': '2' },
      })
      return out.read as ClientRead
    },
    librdkafka: async (user: User): Promise<ClientRead> => {
      const out = await runPythonCompat(`127.0.0.1:${kafkaPort}`, ['read'], 100_000, {
        config: {
          'security.protocol': 'SASL_PLAINTEXT',
          'sasl.mechanism': 'PLAIN',
          'sasl.username': user,
          'sasl.password': `${user}-password`,
        },
        read: { topic, group: uniqueName('librdkafka-read'), count: 2 },
      })
      return out.read as ClientRead
    },
  }

  it.each(
    (['Java', 'librdkafka'] as const).flatMap((client) => users.map((user) => ({ client, user })))
  )(
    '$client consumer through Weir, as $user',
    async ({ client, user }) => {
      const read = await clients[client](user)
      expect(read.error).toBeUndefined()
      const records = read.records ?? []
      const names = records.map((r) => (JSON.parse(r.value) as Shown).name)
      expect(names.sort()).toEqual([written.http, written.kafka].sort())
      for (const { value, headers } of records) {
        const email = (JSON.parse(value) as Shown).email
        if (user === 'alice') expect([email, headers]).toEqual([EMAIL, []])
        else expect([email, headers]).toEqual([expect.stringMatching(SEALED), ['weir-encryption']])
      }
    },
    120_000
  )

  // A fresh node, so no data key is cached, with the keyring file gone (the KMS does not answer):
  // alice's reads fail retriably on every door rather than hand her ciphertext or skip records,
  // and bob, who reads the sealed strings anyway, is not held up.
  describe('the KMS down and the data key not cached', () => {
    let fresh = ''
    let freshPort = 0
    beforeAll(async () => {
      renameSync(keyring, `${keyring}.away`)
      freshPort = await freePortRange(3)
      const started = await startTestGateway(
        config.replace(`port: ${kafkaPort}`, `port: ${freshPort}`)
      )
      fresh = started.url
      await waitReady(fresh)
    }, 40_000)
    afterAll(() => renameSync(`${keyring}.away`, keyring))

    const KMS_UNAVAILABLE = 'https://weir.dev/problems/kms-unavailable'

    it('long-poll: 503 with Retry-After, the cursor not moved; bob reads sealed', async () => {
      const res = await fetch(`${fresh}${streamPath()}?wait=2000&max=10`, {
        headers: basic('alice'),
      })
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('1')
      expect(await res.json()).toMatchObject({ type: KMS_UNAVAILABLE })
      for (const value of (await longPoll(fresh, 'bob')).values()) {
        expect(value.email).toMatch(SEALED)
      }
    }, 40_000)

    it('WebSocket: closed 1011 naming the KMS', async () => {
      const client = await connectWs(wsUrl(fresh, streamPath()), { headers: basic('alice') })
      expect(await client.closed).toMatchObject({
        code: 1011,
        reason: expect.stringMatching(/KMS/i),
      })
      expect(client.frames.items.filter((f) => f.type === 'record')).toEqual([])
    }, 40_000)

    it('SSE: a kms-unavailable problem event, and no record', async () => {
      const event = await firstSseEvent(`${fresh}${streamPath()}`, basic('alice'), 30_000)
      expect(event.event).toBe('problem')
      expect(JSON.parse(event.data)).toMatchObject({ type: KMS_UNAVAILABLE })
    }, 40_000)

    it('Kafka Fetch: the partition answered KAFKA_STORAGE_ERROR (retried by clients), no record', async () => {
      const consumer = new Kafka({
        clientId: 'cross-door-encrypt-kms-down',
        brokers: [`127.0.0.1:${freshPort}`],
        sasl: { mechanism: 'plain', username: 'alice', password: 'alice-password' },
        retry: { retries: 0 },
        logLevel: logLevel.NOTHING,
      }).consumer({ groupId: uniqueName('encrypt-kms-down'), retry: { retries: 0 } })
      const { error, delivered } = await consumeUntilCrash(consumer, topic)
      // kafkajs retries it (retriable), here not at all: the crash carries the partition's code.
      expect(error).toMatchObject({
        name: 'KafkaJSNumberOfRetriesExceeded',
        cause: { type: 'KAFKA_STORAGE_ERROR', retriable: true },
      })
      expect(delivered).toEqual([])
    }, 40_000)

    it('a view: 503 kms-unavailable once the view holds the records', async () => {
      const res = await viewAnswerOnceHeld(`${fresh}/views/orders/${written.http}`, basic('alice'))
      expect(res.status).toBe(503)
      expect(await res.json()).toMatchObject({ type: KMS_UNAVAILABLE })
      const bob = await fetch(`${fresh}/views/orders/${written.http}`, { headers: basic('bob') })
      expect(((await bob.json()) as Shown).email).toMatch(SEALED)
    }, 40_000)
  })

  // Last: it deletes the key. A node that never held the data key asks the keyring, which no
  // longer has the KEK; the running node, which holds it, asks again after dataKeys.ttlMs (2 s
  // here) and stops decrypting then.
  it('a KEK deleted from the keyring: its records are unreadable (crypto-shredding)', async () => {
    writeFileSync(keyring, 'keys: {}\n')
    const other = await freePortRange(3)
    const { url: fresh } = await startTestGateway(
      config.replace(`port: ${kafkaPort}`, `port: ${other}`)
    )
    await waitReady(fresh)
    const shown = await longPoll(fresh, 'alice')
    for (const value of shown.values()) expect(value.email).toMatch(SEALED)
    const deadline = Date.now() + 20_000
    let running = [...(await longPoll(url, 'alice')).values()]
    while (running.some((v) => v.email === EMAIL) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      running = [...(await longPoll(url, 'alice')).values()]
    }
    for (const value of running) expect(value.email).toMatch(SEALED)
  }, 40_000)
})
