import { describe, expect, it } from 'vitest'
import {
  KafkaAccessLogSink,
  type KafkaSinkSettings,
  type SinkKafka,
  type SinkProducer,
} from '../../../src/observability/access-log/kafka-sink.ts'
import { createLogger } from '../../../src/observability/logger.ts'

const settings = (over: Partial<KafkaSinkSettings> = {}): KafkaSinkSettings => ({
  name: 'log',
  topic: 'access',
  compression: 'gzip',
  acks: 'leader',
  timeoutMs: 1000,
  batch: { maxRecords: 3, maxBytes: 1024 * 1024, lingerMs: 5 },
  bufferRecords: 10,
  retries: { maxAttempts: 3, backoffMs: 1, maxBackoffMs: 5 },
  ...over,
})

interface Sent {
  topic: string
  acks: string
  compression: string
  messages: { value: string }[]
}

/** A Kafka client stand-in: `failures` sends fail before the next ones succeed. */
function fakeKafka(options: { failures?: number; connect?: () => Promise<void> } = {}) {
  const sent: Sent[] = []
  let failures = options.failures ?? 0
  let producers = 0
  const kafka: SinkKafka = {
    producer: (): SinkProducer => {
      producers++
      return {
        connect: options.connect ?? (async () => undefined),
        disconnect: async () => undefined,
        send: async (records, { acks, compression }) => {
          if (failures > 0) {
            failures--
            throw new Error('broker down')
          }
          const messages = records.map((r) => ({ value: r.value.toString() }))
          sent.push({ topic: records[0]!.topic, acks, compression, messages })
          return []
        },
      }
    },
  }
  return { kafka, sent, producers: () => producers }
}

function counters() {
  const counts = { sent: 0, dropped: 0 }
  return {
    counts,
    events: {
      sent: (_: string, n: number) => (counts.sent += n),
      dropped: (_: string, n: number) => (counts.dropped += n),
    },
  }
}

const logger = createLogger({ level: 'silent', pretty: false })
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5))
}

describe('KafkaAccessLogSink', () => {
  it('batches by count and linger, with the configured compression and acks', async () => {
    const { kafka, sent } = fakeKafka()
    const { counts, events } = counters()
    const sink = new KafkaAccessLogSink(settings(), () => kafka, events, logger)
    for (let i = 0; i < 4; i++) sink.offer({ n: i })
    await until(() => counts.sent === 4)
    expect(sent.map((s) => s.messages.length)).toEqual([3, 1])
    expect(sent[0]).toMatchObject({ topic: 'access', acks: 'leader', compression: 'gzip' })
    expect(JSON.parse(sent[0]!.messages[0]!.value)).toEqual({ n: 0 })
    await sink.close(100)
  })

  it('retries a failed batch with a new producer, then succeeds', async () => {
    const { kafka, sent, producers } = fakeKafka({ failures: 2 })
    const { counts, events } = counters()
    const sink = new KafkaAccessLogSink(settings(), () => kafka, events, logger)
    sink.offer({ n: 1 })
    await until(() => counts.sent === 1)
    expect(sent).toHaveLength(1)
    expect(producers()).toBe(3)
    expect(counts.dropped).toBe(0)
    await sink.close(100)
  })

  it('drops (and counts) a batch once its attempts are used up', async () => {
    const { kafka } = fakeKafka({ failures: 100 })
    const { counts, events } = counters()
    const sink = new KafkaAccessLogSink(settings(), () => kafka, events, logger)
    sink.offer({ n: 1 })
    await until(() => counts.dropped === 1)
    expect(counts).toEqual({ sent: 0, dropped: 1 })
    await sink.close(100)
  })

  it('once down, drops what is queued and what arrives until the next probe, then recovers', async () => {
    const { kafka, sent, producers } = fakeKafka({ failures: 3 })
    const { counts, events } = counters()
    const sink = new KafkaAccessLogSink(
      settings({ retries: { maxAttempts: 3, backoffMs: 1, maxBackoffMs: 200 } }),
      () => kafka,
      events,
      logger
    )
    sink.offer({ n: 1 })
    await until(() => counts.dropped === 1)
    // Down: records are refused on arrival, and no producer is made for them.
    const made = producers()
    expect(sink.offer({ n: 2 })).toBe(false)
    expect(sink.buffered).toBe(0)
    expect(producers()).toBe(made)
    // After the backoff period, the next record probes; the cluster is back, so it is sent.
    await new Promise((resolve) => setTimeout(resolve, 220))
    expect(sink.offer({ n: 3 })).toBe(true)
    await until(() => counts.sent === 1)
    expect(sent.flatMap((s) => s.messages.map((m) => JSON.parse(m.value)))).toEqual([{ n: 3 }])
    expect(counts.dropped).toBe(2)
    await sink.close(100)
  })

  it('never blocks: a sink that cannot connect buffers up to its bound and drops the rest', async () => {
    // connect never resolves: the destination is dead.
    const { kafka } = fakeKafka({ connect: () => new Promise(() => undefined) })
    const { counts, events } = counters()
    const sink = new KafkaAccessLogSink(
      settings({ bufferRecords: 5, batch: { maxRecords: 100, maxBytes: 1 << 20, lingerMs: 1 } }),
      () => kafka,
      events,
      logger
    )
    // offer() is synchronous: it answers at once whether the record was taken.
    const taken = Array.from({ length: 1000 }, (_, i) => sink.offer({ n: i }))
    await until(() => sink.buffered === 0)
    // The first five were taken into a batch; the next five wait in the buffer.
    for (let i = 0; i < 20; i++) sink.offer({ late: i })
    expect(taken.filter(Boolean)).toHaveLength(5)
    expect(sink.buffered).toBe(5)
    expect(counts.dropped).toBe(995 + 15)
    await sink.close(20)
    expect(counts.dropped).toBe(995 + 15 + 5)
  })
})
