// The Kafka side of the fan-out scenario: a producer that sends numbered records at a fixed rate,
// each carrying its send time, and the baseline, a kafkajs consumer that reads the same records
// straight from the broker and measures produce-to-consume latency the way the subscribers do.
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { Partitioners, type Consumer, type Kafka, type Producer } from 'kafkajs'
import { Histogram, type LatencySummary } from './histogram.ts'

/** Milliseconds since the epoch, to a fraction: the clock the subscriber process reads too. */
export const now = (): number => performance.timeOrigin + performance.now()

/**
 * A record value of `bytes` bytes that starts with its sequence number and send time, so a
 * subscriber finds both without parsing the rest (the padding, random so nothing compresses it).
 */
export function fanoutValue(seq: number, sentAt: number, bytes: number): string {
  const head = `{"seq":${seq},"sentAt":${sentAt},"pad":"`
  const pad = Math.max(0, bytes - head.length - 2)
  return `${head}${randomBytes(pad).toString('base64url').slice(0, pad)}"}`
}

export interface PacedResult {
  sent: number
  /** When the first and the last send started (now() clock). */
  firstAt: number
  lastAt: number
  errors: number
}

/**
 * Sends records `from` .. `to - 1` at `rate` per second, sending whatever is due every
 * millisecond or so in one call, with at most `inFlight` calls unanswered. `at(seq)` is told as
 * each record goes out (the scenario marks its measurement window with it).
 */
export async function producePaced(
  producer: Producer,
  topic: string,
  options: {
    from: number
    to: number
    rate: number
    valueBytes: number
    at?: (seq: number) => void
  }
): Promise<PacedResult> {
  const { from, to, rate, valueBytes } = options
  const inFlight = new Set<Promise<void>>()
  const started = now()
  let next = from
  let errors = 0
  let lastAt = started
  while (next < to) {
    const due = Math.min(to, from + Math.floor(((now() - started) * rate) / 1000) + 1)
    if (due > next) {
      while (inFlight.size >= 8) await Promise.race(inFlight)
      const sentAt = now()
      lastAt = sentAt
      const messages = []
      for (; next < due; next++) {
        options.at?.(next)
        messages.push({ value: fanoutValue(next, sentAt, valueBytes) })
      }
      const send = producer
        .send({ topic, acks: -1, messages })
        .then(
          () => undefined,
          () => {
            errors += messages.length
          }
        )
        .finally(() => inFlight.delete(send))
      inFlight.add(send)
    }
    await sleep(1)
  }
  await Promise.all(inFlight)
  return { sent: to - from, firstAt: started, lastAt, errors }
}

export function fanoutProducer(kafka: Kafka): Producer {
  return kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
}

export interface DirectReport {
  delivered: number
  latency: LatencySummary
  missing: number
  duplicates: number
}

export interface DirectConsumer {
  expect(records: number, measureFrom: number): void
  readonly delivered: number
  report(): DirectReport
  stop(): Promise<void>
}

/**
 * The baseline: a kafkajs consumer in its own group, fetching as Weir's consumer hub does (500 ms
 * longest fetch wait), reading the topic from its beginning. Resolves once it joined the group.
 */
export async function startDirectConsumer(kafka: Kafka, topic: string): Promise<DirectConsumer> {
  const consumer: Consumer = kafka.consumer({
    groupId: `weir-bench-fanout-direct-${randomBytes(4).toString('hex')}`,
    maxWaitTimeInMs: 500,
  })
  let expected = { records: 0, measureFrom: 0 }
  let seen = new Uint8Array(0)
  let latency = new Histogram()
  let delivered = 0
  let duplicates = 0
  let joined: () => void = () => {}
  const join = new Promise<void>((resolve) => (joined = resolve))
  consumer.on(consumer.events.GROUP_JOIN, () => joined())
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ message }) => {
      const received = now()
      delivered++
      const { seq, sentAt } = JSON.parse(String(message.value)) as { seq: number; sentAt: number }
      if (seq >= expected.records) return
      if (seen[seq] === 1) duplicates++
      seen[seq] = 1
      if (seq >= expected.measureFrom) latency.add(received - sentAt)
    },
  })
  await join
  return {
    expect(records, measureFrom) {
      expected = { records, measureFrom }
      seen = new Uint8Array(records)
      latency = new Histogram()
      delivered = 0
      duplicates = 0
    },
    get delivered() {
      return delivered
    },
    report() {
      let missing = 0
      for (let i = 0; i < expected.records; i++) if (seen[i] !== 1) missing++
      return { delivered, latency: latency.summary(), missing, duplicates }
    },
    stop: () => consumer.disconnect(),
  }
}
