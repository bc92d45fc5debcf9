// Rate limits on the Kafka path, against the real broker: kafkajs producing as fast as it can, as
// a principal limited to far less, runs at the limit. The gateway throttles as a broker quota does
// (throttle_time_ms in the responses, which kafkajs honours, and a muted connection), never by
// refusing or dropping: no error, no reconnection. Fetch bytes are limited the same way, charged
// on the responses.
import { Kafka, logLevel, type logCreator } from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Gateway } from '../../../src/gateway.ts'
import { hashPassword } from '../../../src/policy/secrets.ts'
import { apis, ZERO_UUID, type ProduceResponse } from '../../../src/protocol/index.ts'
import { createRecordBatch, encodeRecordBatch } from '../../../src/protocol/records/index.ts'
import { WireClient } from '../../kafka-listener/support/wire-client.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, testKafka, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'

const LIMIT = 50_000 // record bytes per second, per principal
const VALUE = Buffer.alloc(1000, 'x')
const BATCH = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: VALUE }))
const BATCH_BYTES = BATCH.length * VALUE.length
const PRODUCE_MS = 6000

/** What kafkajs says about its connections and the throttling it applies. */
interface ClientLog {
  throttles: number[]
  connects: number
  serverCloses: number
  /** Errors about connections (group coordinator retries and the like are the broker's own). */
  connectionErrors: string[]
}

function watchedClient(user: string, port: number): { kafka: Kafka; log: ClientLog } {
  const log: ClientLog = { throttles: [], connects: 0, serverCloses: 0, connectionErrors: [] }
  const creator: logCreator =
    () =>
    ({ level, log: entry }) => {
      const message = String(entry.message)
      const throttle = /Client side throttling in effect for (\d+)ms/.exec(message)
      if (throttle) log.throttles.push(Number(throttle[1]))
      if (message === 'Connecting') log.connects++
      if (message === 'Kafka server has closed connection') log.serverCloses++
      const error = entry.error === undefined ? '' : String(entry.error)
      if (
        level === logLevel.ERROR &&
        /connect|socket|closed|timed? ?out|ECONN/i.test(message + error)
      ) {
        log.connectionErrors.push(`${message} ${error}`)
      }
    }
  const kafka = new Kafka({
    clientId: `quota-${user}`,
    brokers: [`127.0.0.1:${port}`],
    sasl: { mechanism: 'plain', username: user, password: `${user}-password` },
    logLevel: logLevel.DEBUG,
    logCreator: creator,
  })
  return { kafka, log }
}

/** Bytes per second over the samples after `skipMs` (the burst allowance is spent by then). */
function steadyRate(samples: readonly { at: number; bytes: number }[], skipMs: number): number {
  const start = (samples[0]?.at ?? 0) + skipMs
  const steady = samples.filter((s) => s.at > start)
  const first = steady[0]
  const last = steady.at(-1)
  if (first === undefined || last === undefined || last === first) return NaN
  // Bytes after the first steady sample, over the time they took.
  const bytes = steady.slice(1).reduce((sum, s) => sum + s.bytes, 0)
  return bytes / ((last.at - first.at) / 1000)
}

describe('rate limits on the Kafka listener, as broker quotas', () => {
  let port = 0
  /** A listener on a cluster without authentication (everyone is `anonymous`), same limit. */
  let openPort = 0
  let gateway: Gateway
  let topic = ''

  beforeAll(async () => {
    topic = await createTopic('quota')
    port = await freePortRange(4)
    openPort = await freePortRange(4)
    const started = await startTestGateway(`virtualClusters:
  - name: vc
    backendCluster: main
    authentication:
      - kind: basic
        users:
          - { username: alice, passwordHash: '${await hashPassword('alice-password')}' }
          - { username: bob, passwordHash: '${await hashPassword('bob-password')}' }
    policies: [kafka-quota]
  - name: open
    backendCluster: main
    policies: [kafka-quota]
policies:
  - name: kafka-quota
    kind: rate-limit
    per: principal
    bytesPerSecond: ${LIMIT}
    burstSeconds: 1
listeners:
  - name: health
    kind: http
    port: 0
  - name: kafka
    kind: kafka
    virtualCluster: vc
    port: ${port}
  - name: kafka-open
    kind: kafka
    virtualCluster: open
    port: ${openPort}
`)
    gateway = started.gateway
  })

  it('kafkajs unthrottled, straight to the broker, is far faster than the limit', async () => {
    const producer = testKafka('quota-baseline').producer()
    await producer.connect()
    const baselineTopic = await createTopic('quota-baseline')
    await producer.send({ topic: baselineTopic, messages: BATCH }) // connections and metadata
    const started = performance.now()
    let bytes = 0
    while (performance.now() - started < 1000) {
      await producer.send({ topic: baselineTopic, messages: BATCH })
      bytes += BATCH_BYTES
    }
    await producer.disconnect()
    const rate = bytes / ((performance.now() - started) / 1000)
    console.log(`baseline: kafkajs direct ${Math.round(rate / 1000)} kB/s`)
    expect(rate).toBeGreaterThan(10 * LIMIT)
  })

  it('produce runs at the limit, told by throttle times, with no connection dropped', async () => {
    const { kafka, log } = watchedClient('alice', port)
    const producer = kafka.producer()
    await producer.connect()
    // The first send opens the connection to the partition's leader; from then on, none opens.
    await producer.send({ topic, messages: BATCH })
    const connectsBefore = log.connects
    const gatewayConnections = gateway.kafkaListeners[0]?.connections()
    const samples: { at: number; bytes: number }[] = []
    const started = performance.now()
    while (performance.now() - started < PRODUCE_MS) {
      await producer.send({ topic, messages: BATCH })
      samples.push({ at: performance.now(), bytes: BATCH_BYTES })
    }
    const elapsed = performance.now() - started
    const total = samples.length * BATCH_BYTES
    const steady = steadyRate(samples, 1500)
    console.log(
      `produce: ${total} value bytes in ${Math.round(elapsed)} ms (${Math.round(total / (elapsed / 1000))} B/s overall, ${Math.round(steady)} B/s after the burst; limit ${LIMIT} record B/s); ${log.throttles.length} throttled responses, ${Math.min(...log.throttles)}-${Math.max(...log.throttles)} ms`
    )
    // Record bytes are value bytes plus keys and batch framing: the values alone stay under it.
    expect(steady).toBeGreaterThan(0.75 * LIMIT)
    expect(steady).toBeLessThan(1.05 * LIMIT)
    // Overall: at most the one-second burst on top of the rate.
    expect(total).toBeLessThan(LIMIT * (elapsed / 1000 + 1) + BATCH_BYTES)
    expect(log.throttles.length).toBeGreaterThan(samples.length / 2)
    expect(Math.max(...log.throttles)).toBeLessThan(1500)
    // Same connections throughout: none closed by the gateway, none opened again.
    expect(log.connects).toBe(connectsBefore)
    expect(log.serverCloses).toBe(0)
    expect(log.connectionErrors).toEqual([])
    expect(gateway.kafkaListeners[0]?.connections()).toBe(gatewayConnections)
    await producer.disconnect()
  })

  it('fetch is limited the same way, per principal, charged on the responses', async () => {
    const { kafka, log } = watchedClient('bob', port)
    const consumer = kafka.consumer({
      groupId: uniqueName('quota-group'),
      // Small fetches, so the limit shows across many of them rather than in one large answer.
      maxBytesPerPartition: 16 * 1024,
      maxWaitTimeInMs: 200,
    })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    const admin = kafka.admin()
    await admin.connect()
    const offsets = await admin.fetchTopicOffsets(topic)
    await admin.disconnect()
    const expected = offsets.reduce((sum, p) => sum + Number(p.high), 0)
    const samples: { at: number; bytes: number }[] = []
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${samples.length} records`)), 40_000)
      let records = 0
      void consumer.run({
        eachBatch: async ({ batch }) => {
          const bytes = batch.messages.reduce((sum, m) => sum + (m.value?.length ?? 0), 0)
          samples.push({ at: performance.now(), bytes })
          records += batch.messages.length
          if (records === expected) {
            clearTimeout(timer)
            resolve()
          }
        },
      })
    })
    await consumer.disconnect()
    const steady = steadyRate(samples, 1500)
    const total = samples.reduce((sum, s) => sum + s.bytes, 0)
    const span = ((samples.at(-1)?.at ?? 0) - (samples[0]?.at ?? 0)) / 1000
    console.log(
      `fetch: ${total} value bytes in ${span.toFixed(2)} s (${Math.round(steady)} B/s after the burst; limit ${LIMIT}); ${log.throttles.length} throttled responses, max ${Math.max(...log.throttles)} ms`
    )
    expect(steady).toBeGreaterThan(0.75 * LIMIT)
    expect(steady).toBeLessThan(1.1 * LIMIT)
    expect(log.throttles.length).toBeGreaterThan(0)
    expect(log.serverCloses).toBe(0)
    expect(log.connectionErrors).toEqual([])
  })

  it('a client that ignores throttle times (Produce v5) is held by the muted connection', async () => {
    const client = await WireClient.connect(openPort)
    const records = Array.from({ length: 20 }, () => ({ value: VALUE }))
    const batch = await encodeRecordBatch(createRecordBatch(records))
    const request = {
      ...apis.produce.defaultRequest(),
      acks: 1,
      timeoutMs: 5000,
      topicData: [
        { name: topic, topicId: ZERO_UUID, partitionData: [{ index: 0, records: batch }] },
      ],
    }
    // Ten requests at once, 200 kB against a 50 kB burst: pre-KIP-219 clients do not wait on
    // their own, so the gateway must spread them.
    const started = performance.now()
    for (let i = 0; i < 10; i++) client.send(apis.produce, 5, request)
    const answers: { at: number; body: ProduceResponse }[] = []
    for (let i = 0; i < 10; i++) {
      const { body } = await client.response(apis.produce, 5, 10_000)
      answers.push({ at: performance.now() - started, body })
    }
    const errors = answers.flatMap((a) =>
      a.body.responses.flatMap((t) => t.partitionResponses.map((p) => p.errorCode))
    )
    console.log(
      `produce v5, ${10 * batch.length} record bytes pipelined: answers at ${answers.map((a) => Math.round(a.at)).join(', ')} ms; throttle times ${answers.map((a) => a.body.throttleTimeMs).join(', ')} ms`
    )
    expect(errors.every((code) => code === 0)).toBe(true)
    // The last request may go on once the other nine (minus the burst) are paid for.
    const due = ((9 * batch.length - LIMIT) / LIMIT) * 1000
    expect(answers.at(-1)?.at).toBeGreaterThan(due - 100)
    expect(answers.at(-1)?.at).toBeLessThan(due + 1500)
    expect(answers.some((a) => a.body.throttleTimeMs > 0)).toBe(true)
    expect(client.isClosed).toBe(false)
    client.destroy()
  })
})
