// Helpers for the consumer hub's integration tests: hubs on the test broker with quick group
// timings, subscribers that record what they get, and a producer that writes where told.
import { CompressionTypes, type Message, type Producer } from 'kafkajs'
import { afterAll, afterEach } from 'vitest'
import { BackendCluster } from '../../../../src/config/schema/clusters.ts'
import { BackendClusters } from '../../../../src/kafka/backend-clusters.ts'
import {
  ConsumerHub,
  type ClosedReason,
  type ConsumedRecord,
  type DeliverResult,
  type HubSettings,
  type Subscriber,
} from '../../../../src/kafka/consumer/index.ts'
import { createLogger } from '../../../../src/observability/logger.ts'
import { hideKafkaJsTimerWarning } from '../../../../scripts/local-stack/warnings.ts'
import { stack, testKafka } from '../../../support/kafka.ts'

hideKafkaJsTimerWarning()

export const logger = createLogger({ level: 'silent', pretty: false })

/** Group timings a test can wait for: joins and rebalances settle in about a second. */
export const quick: Partial<HubSettings> = {
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 500,
  rebalanceTimeoutMs: 10_000,
  maxWaitTimeMs: 200,
  lingerMs: 200,
  commitIntervalMs: 100,
  startTimeoutMs: 20_000,
  stopTimeoutMs: 5000,
}

const cleanups: (() => Promise<void>)[] = []

afterEach(async () => {
  await Promise.allSettled(cleanups.splice(0).map((cleanup) => cleanup()))
})

export function newHub(
  settings: Partial<HubSettings> = {},
  cluster: Record<string, unknown> = {}
): ConsumerHub {
  const config = BackendCluster.parse({
    name: 'main',
    bootstrapServers: stack().bootstrap,
    ...cluster,
  })
  const backends = new BackendClusters([config], logger)
  const hub = new ConsumerHub(backends, logger, { ...quick, ...settings })
  cleanups.push(async () => {
    await hub.close()
    await backends.close()
  })
  return hub
}

/** Keeps every record it is given; answers as `answer` says (default: always room). */
export class Collector implements Subscriber {
  readonly records: ConsumedRecord[] = []
  readonly closedWith: ClosedReason[] = []
  readonly #answer: (collector: Collector) => DeliverResult

  constructor(answer: (collector: Collector) => DeliverResult = () => 'ok') {
    this.#answer = answer
  }

  deliver(record: ConsumedRecord): DeliverResult {
    this.records.push(record)
    return this.#answer(this)
  }

  closed(reason: ClosedReason): void {
    this.closedWith.push(reason)
  }

  /** `partition:offset` of each record, in arrival order. */
  ids(): string[] {
    return this.records.map((r) => `${r.partition}:${r.offset}`)
  }

  values(): string[] {
    return this.records.map((r) => String(r.value))
  }
}

export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 15_000
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let producer: Promise<Producer> | undefined

afterAll(async () => {
  const current = producer
  producer = undefined
  await (await current)?.disconnect()
})

/** Writes `messages` (one send, so one batch per partition) and waits for the acks. */
export async function produce(
  topic: string,
  messages: Message[],
  compression = CompressionTypes.None
): Promise<void> {
  producer ??= (async () => {
    // Idempotent: a retried batch must not be written twice. A plain producer did that to a
    // partition of a topic created a moment before (the same batch, CRC and all, at offsets 5-9
    // after 0-4), and tests here count records by offset.
    const p = testKafka().producer({ idempotent: true, maxInFlightRequests: 1 })
    await p.connect()
    return p
  })()
  await (await producer).send({ topic, messages, compression })
}

/** `count` records `<tag>-<i>` spread over `partitions` partitions round-robin. */
export function messages(tag: string, count: number, partitions = 1): Message[] {
  return Array.from({ length: count }, (_, i) => ({
    partition: i % partitions,
    value: `${tag}-${i}`,
  }))
}

/** Committed offsets of a group, by partition. */
export async function committed(groupId: string, topic: string): Promise<Map<number, string>> {
  const admin = testKafka('weir-test-admin').admin()
  await admin.connect()
  try {
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic] })
    return new Map((result?.partitions ?? []).map((p) => [p.partition, p.offset]))
  } finally {
    await admin.disconnect()
  }
}
