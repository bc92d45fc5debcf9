// What Weir promises when things go wrong, proved against real brokers: an accepted record is never
// lost, whether Weir is stopped under load or its broker is restarted or frozen under load; a
// record for a missing topic fails alone; a repeated request with an Idempotency-Key is produced
// once. Every request is accounted for by the ids of the events it carried, and the topic is read
// back to the end.
import { Agent } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDedicatedKafka, type DedicatedKafka } from '../../support/dedicated-kafka.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, endOffsetSum, stack, testKafka, uniqueName } from '../../support/kafka.ts'
import {
  acceptedCount,
  idSource,
  occurrences,
  postEvents,
  postEventsHeld,
  readTopicIds,
  tally,
  type Attempt,
} from '../../support/load.ts'
import { startWeirProcess } from '../../support/weir-process.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The Kafka client libraries a backend cluster can use (`client`): each passes every test here. */
const clients = ['kafkajs', 'platformatic'] as const
type Client = (typeof clients)[number]

function weirConfig(
  bootstrap: string,
  producer: string,
  routes: string,
  { requestTimeoutMs = 5000, client }: { requestTimeoutMs?: number; client: Client }
): string {
  return `backendClusters:
  - name: main
    bootstrapServers: ${bootstrap}
    client: ${client}
    connectionTimeoutMs: 1000
    requestTimeoutMs: ${requestTimeoutMs}
    producer:
${producer.replace(/^/gm, '      ')}
virtualClusters:
  - name: vc
    backendCluster: main
listeners:
  - name: public
    kind: http
    port: \${PORT}
    routes:
${routes.replace(/^/gm, '      ')}
logging:
  level: info
`
}

function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[items[i], items[j]] = [items[j] as T, items[i] as T]
  }
  return items
}

/** The ids of the 202'd requests that are missing from the topic. */
function lost(attempts: readonly Attempt[], inTopic: ReadonlySet<string>): string[] {
  return attempts
    .filter((a) => a.status === 202)
    .flatMap((a) => a.ids.filter((id) => !inTopic.has(id)))
}

const describeOutcome = (attempts: readonly Attempt[]) => JSON.stringify(tally(attempts))

describe.each(clients)('async delivery across SIGTERM (%s client)', (library) => {
  it('keeps every record it answered 202 for, refuses work once stopping, and exits 0', async () => {
    const topic = await createTopic('drain', 3)
    // Small batches so that records are still buffered when the signal comes: 2,000 records take
    // about a hundred round trips to the broker.
    const weir = await startWeirProcess(
      weirConfig(
        stack().bootstrap,
        'lingerMs: 5\nmaxBatchRecords: 20',
        `- path: /events\n  virtualCluster: vc\n  topic: ${topic}\n  delivery: { mode: async }`,
        { client: library }
      )
    )
    const url = `${weir.url}/events`
    const nextId = idSource('drain')
    // 200 requests, 100 of one event and 100 batches of 19: 2,000 events, in random order.
    const plan = shuffled([...Array<number>(100).fill(1), ...Array<number>(100).fill(19)])
    const attempts: Attempt[] = []
    let shutdownAt = Infinity
    const shuttingDown = weir
      .waitForLog((l) => l.msg === 'shutting down', 30_000)
      .then((l) => {
        shutdownAt = l.seenAt
        return l
      })
    // One connection of its own, kept busy across the signal by a request whose body is only
    // finished once Weir says it is stopping; the next request on it (keep-alive) comes after.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const held = postEventsHeld(url, [nextId()], {
      batch: false,
      agent,
      hold: shuttingDown,
      timeoutMs: 20_000,
    })
    await sleep(200) // the server has the request's head and waits for the rest
    let signalledAt = 0
    let inTopicAtSignal: Promise<number> | undefined
    let next = 0
    const client = async () => {
      while (next < plan.length) {
        const size = plan[next++] ?? 1
        const ids = Array.from({ length: size }, nextId)
        attempts.push(await postEvents(url, ids, { batch: size > 1, timeoutMs: 20_000 }))
        if (attempts.length === 60 && signalledAt === 0) {
          signalledAt = Date.now()
          weir.child.kill('SIGTERM')
          inTopicAtSignal = endOffsetSum(topic)
        }
      }
    }
    await Promise.all(Array.from({ length: 25 }, client))
    await shuttingDown
    const heldAttempt = await held
    attempts.push(heldAttempt)
    const reused = await postEventsHeld(url, [nextId()], { batch: false, agent, timeoutMs: 20_000 })
    attempts.push(reused)
    agent.destroy()
    // A few more on new connections, whatever the timing of the ones above.
    for (let i = 0; i < 5; i++) {
      attempts.push(await postEvents(url, [nextId()], { batch: false, timeoutMs: 20_000 }))
    }
    const exitCode = await weir.exited
    expect(exitCode, weir.tail()).toBe(0)
    const drained = weir.logs.find((l) => l.msg === 'async delivery drained')
    expect(drained?.undelivered ?? 0, weir.tail()).toBe(0)
    expect(weir.logs.some((l) => l.msg === 'gateway stopped')).toBe(true)

    const inTopic = await readTopicIds(testKafka(), topic)
    const inTopicSet = new Set(inTopic)
    const accepted = acceptedCount(attempts)
    const afterShutdown = attempts.filter((a) => a.sentAt > shutdownAt)
    const extra = inTopic.filter(
      (id) => !attempts.some((a) => a.status === 202 && a.ids.includes(id))
    )
    const duplicates = [...occurrences(inTopic)].filter(([, n]) => n > 1)
    console.info(
      `[SIGTERM] requests ${describeOutcome(attempts)}; records answered 202: ${accepted}; ` +
        `in topic at SIGTERM (approx.): ${await inTopicAtSignal}; in topic after exit: ${inTopic.length}; ` +
        `requests sent after "shutting down": ${describeOutcome(afterShutdown)}; ` +
        `shutdown logged ${shutdownAt - signalledAt} ms after SIGTERM; extra records: ${extra.length}; ` +
        `held request: ${describeOutcome([heldAttempt])}, the next one on its connection: ${describeOutcome([reused])}`
    )

    // Each answer is a 202, a 503, or no answer at all (the listener closed).
    for (const a of attempts) expect([202, 503, 'error']).toContain(a.status)
    expect(attempts.filter((a) => a.status === 'error' && a.error === 'timeout')).toEqual([])
    // Every 202 says how many records it took; each of them is in the topic, once.
    for (const a of attempts.filter((x) => x.status === 202))
      expect(a.body?.count).toBe(a.ids.length)
    expect(accepted).toBeGreaterThan(0)
    expect(lost(attempts, inTopicSet)).toEqual([])
    expect(duplicates).toEqual([])
    // Records nobody was told about may be there only for requests that got no answer at all.
    const unanswered = new Set(attempts.filter((a) => a.status === 'error').flatMap((a) => a.ids))
    expect(extra.filter((id) => !unanswered.has(id))).toEqual([])
    // Once Weir said it is stopping, nothing more is accepted.
    expect(afterShutdown.length).toBeGreaterThan(0)
    expect(afterShutdown.filter((a) => a.status === 202).map((a) => a.ids)).toEqual([])
  })
})

describe.each(clients)('a broker outage under load (a broker of its own, %s client)', (library) => {
  let broker: DedicatedKafka
  beforeAll(async () => {
    broker = await startDedicatedKafka('resilience')
  }, 90_000)
  afterAll(async () => {
    await broker?.destroy()
  }, 60_000)

  /** Stopped for 3 s after 4 s of load, then started again on the same folder and ports. */
  const restart: Disruption = async (mark) => {
    await sleep(4000)
    mark('broker stop began')
    await broker.stop()
    mark('broker stopped')
    await sleep(3000)
    mark('broker start began')
    await broker.start()
    mark('broker ready')
  }
  /**
   * Frozen (SIGSTOP) after 3 s of load, until Weir has answered a 5xx (its sends timed out) and
   * `moreMs` longer; then it runs again and takes the requests that were waiting on the socket,
   * although Weir had given them up. With `moreMs` > 0, Weir also reconnects to the frozen broker.
   */
  const stall =
    (moreMs: number): Disruption =>
    async (mark, attempts) => {
      await sleep(3000)
      mark('broker paused')
      const pausedAt = Date.now()
      broker.pause()
      try {
        const deadline = Date.now() + 20_000
        while (Date.now() < deadline) {
          if (attempts.some((a) => a.status !== 202 && a.doneAt > pausedAt)) break
          await sleep(50)
        }
        mark('first 5xx')
        await sleep(moreMs)
      } finally {
        broker.resume()
      }
      mark('broker resumed')
    }

  it.each([
    ['restart', 'sync', restart],
    ['restart', 'async', restart],
    ['brief stall', 'sync', stall(0)],
    ['brief stall', 'async', stall(0)],
    ['long stall', 'sync', stall(3000)],
    ['long stall', 'async', stall(3000)],
  ] as const)(
    '%s, %s route: every 202 is in the topic, every other answer is a 5xx, and it recovers',
    async (name, mode, disruption) => {
      const topic = await broker.createTopic(`${name.replace(' ', '-')}-${mode}`, 3)
      const delivery = mode === 'sync' ? '{ mode: sync, ackTimeoutMs: 5000 }' : '{ mode: async }'
      const weir = await startWeirProcess(
        weirConfig(
          broker.bootstrap,
          'lingerMs: 5\nretries: 2\nretryBackoffMs: 100',
          `- path: /events\n  virtualCluster: vc\n  topic: ${topic}\n  delivery: ${delivery}`,
          { requestTimeoutMs: 1500, client: library }
        )
      )
      const { attempts, backAt, recoveredAt, timeline } = await underLoad(
        `${weir.url}/events`,
        `${name.replace(' ', '-')}-${mode}`,
        disruption
      )

      weir.child.kill('SIGTERM')
      const exitCode = await weir.exited
      const inTopic = await readTopicIds(broker.kafka(), topic)
      const inTopicSet = new Set(inTopic)
      const ok = attempts.filter((a) => a.status === 202)
      const okIds = new Set(ok.flatMap((a) => a.ids))
      const duplicates = [...occurrences(inTopic)].filter(([, n]) => n > 1).map(([id]) => id)
      const refusedIds = new Set(attempts.filter((a) => a.status !== 202).flatMap((a) => a.ids))
      const landedAnyway = inTopic.filter((id) => refusedIds.has(id)).length
      const replaced = weir.logs.filter((l) => l.msg.startsWith('idempotent producer replaced'))
      const drained = weir.logs.find((l) => l.msg === 'async delivery drained')
      const resent = Number(drained?.resent ?? 0)
      console.info(
        `[${name} ${mode}] ${timeline}; requests ${describeOutcome(attempts)}; ` +
          `records answered 202: ${acceptedCount(attempts)}; records in topic: ${inTopic.length}; ` +
          `records of 5xx'd requests in the topic anyway: ${landedAnyway}; ` +
          `duplicated ids: ${duplicates.length} (of 202'd records: ${duplicates.filter((id) => okIds.has(id)).length}); ` +
          `producer replacements: ${replaced.length}; records resent by async delivery: ${resent}; first 202 to a request sent after the broker was back: ` +
          `${recoveredAt === undefined ? 'never' : `${recoveredAt - backAt} ms`}`
      )

      expect(exitCode, weir.tail()).toBe(0)
      // No hang, no connection error, no 500: a 202 or a 503/504.
      const allowed = mode === 'sync' ? [202, 503, 504] : [202, 503]
      const unexpected = attempts.filter((a) => !allowed.includes(a.status as number))
      expect(
        unexpected.map((a) => ({ status: a.status, error: a.error, body: a.body })),
        weir.tail()
      ).toEqual([])
      expect(ok.length).toBeGreaterThan(0)
      // The outage was felt: sync requests were answered 5xx; async ones were taken into the
      // buffer through it (it had room) and sent again until the broker was back.
      if (mode === 'sync') expect(attempts.some((a) => a.status !== 202)).toBe(true)
      else expect(resent, weir.tail()).toBeGreaterThan(0)
      expect(lost(attempts, inTopicSet), weir.tail()).toEqual([])
      // A record answered 202 is written twice only when async delivery sent it again after a
      // failure whose outcome was unknown, and Weir counts every such resend.
      const twice = duplicates.filter((id) => okIds.has(id))
      if (mode === 'sync') expect(twice).toEqual([])
      else expect(twice.length, weir.tail()).toBeLessThanOrEqual(resent)
      // Back within 30 s of the broker, and then steadily so.
      expect(recoveredAt, weir.tail()).toBeDefined()
      expect((recoveredAt ?? Infinity) - backAt).toBeLessThan(30_000)
      const settled = attempts.filter((a) => a.sentAt > (recoveredAt ?? Infinity) + 3000)
      expect(settled.length).toBeGreaterThan(0)
      expect(tally(settled), weir.tail()).toEqual({ '202': settled.length })
    },
    90_000
  )
})

/** Disrupts the broker, calling `mark` at each step; resolves once the broker is back. */
type Disruption = (mark: (what: string) => void, attempts: readonly Attempt[]) => Promise<void>

/**
 * Four clients post in a loop (one event, or a batch of five, 20 ms apart) through `disruption`,
 * then until a request sent after it gets a 202 (30 s at most), and 5 s more.
 */
async function underLoad(
  url: string,
  prefix: string,
  disruption: Disruption
): Promise<{
  attempts: Attempt[]
  backAt: number
  recoveredAt: number | undefined
  timeline: string
}> {
  const nextId = idSource(prefix)
  const attempts: Attempt[] = []
  let running = true
  const client = async () => {
    while (running) {
      const batch = Math.random() < 0.3
      const ids = Array.from({ length: batch ? 5 : 1 }, nextId)
      attempts.push(await postEvents(url, ids, { batch, timeoutMs: 20_000 }))
      await sleep(20)
    }
  }
  const t0 = Date.now()
  const steps: string[] = []
  const mark = (what: string) => steps.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)}s`)
  const clients = Array.from({ length: 4 }, client)
  let backAt = Infinity
  let recoveredAt: number | undefined
  try {
    await disruption(mark, attempts)
    backAt = Date.now()
    while (Date.now() - backAt < 30_000) {
      recoveredAt = attempts.find((a) => a.sentAt >= backAt && a.status === 202)?.doneAt
      if (recoveredAt !== undefined) break
      await sleep(100)
    }
    if (recoveredAt !== undefined) await sleep(Math.max(0, recoveredAt + 5000 - Date.now()))
  } finally {
    running = false
    await Promise.all(clients)
  }
  mark('load ended')
  return { attempts, backAt, recoveredAt, timeline: steps.join(', ') }
}

describe.each(clients)('a record for a topic that does not exist (%s client)', (library) => {
  it.each(['sync', 'async'] as const)(
    '%s route: does not fail the records batched with it, nor make the backend look down',
    async (mode) => {
      const topic = await createTopic(`neighbour-${mode}`)
      const missing = uniqueName('missing')
      // A long linger, so that the concurrent requests below share one produce request.
      const weir = await startWeirProcess(
        weirConfig(
          stack().bootstrap,
          'lingerMs: 200',
          `- path: /t/{name}\n  virtualCluster: vc\n  topic: { from: path, name: name, allowed: ['*'] }\n  delivery: { mode: ${mode} }`,
          { client: library }
        )
      )
      const nextId = idSource(`neighbour-${mode}`)
      const post = (name: string) =>
        postEvents(`${weir.url}/t/${name}`, [nextId()], { batch: false, timeoutMs: 20_000 })
      const [bad, ...good] = await Promise.all([
        post(missing),
        ...Array.from({ length: 10 }, () => post(topic)),
      ])
      expect(tally(good), weir.tail()).toEqual({ '202': 10 })
      if (mode === 'sync') expect(bad?.status).toBe(404)
      // The backend is fine: more records are taken and written.
      const later = await Promise.all(Array.from({ length: 5 }, () => post(topic)))
      expect(tally(later), weir.tail()).toEqual({ '202': 5 })
      const expected = [...good, ...later].flatMap((a) => a.ids).sort()
      const deadline = Date.now() + 15_000
      while ((await endOffsetSum(topic)) < expected.length && Date.now() < deadline) {
        await sleep(200)
      }
      expect((await readTopicIds(testKafka(), topic)).sort()).toEqual(expected)
      // Async mode keeps retrying the record for the missing topic: no drain to wait for here.
      weir.child.kill('SIGKILL')
    }
  )
})

describe('Idempotency-Key', () => {
  it.each(['sync', 'async'] as const)(
    '%s route: 20 concurrent repeats produce one record and get one answer',
    async (mode) => {
      const topic = await createTopic(`idem-${mode}`)
      const { url } = await startTestGateway(`virtualClusters:
  - name: vc
    backendCluster: main
listeners:
  - name: public
    kind: http
    port: 0
    routes:
      - path: /events
        virtualCluster: vc
        topic: ${topic}
        delivery: { mode: ${mode} }
`)
      const key = `key-${topic}`
      const body = JSON.stringify({ id: 'order-1', amount: 12 })
      const post = (payload: string) =>
        fetch(`${url}/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key },
          body: payload,
        })
      const responses = await Promise.all(Array.from({ length: 20 }, () => post(body)))
      const answers = await Promise.all(
        responses.map(async (r) => ({
          status: r.status,
          replayed: r.headers.get('idempotent-replayed'),
          body: (await r.json()) as Record<string, unknown>,
        }))
      )
      expect(answers.map((a) => a.status)).toEqual(Array<number>(20).fill(202))
      expect(answers.filter((a) => a.replayed === 'true')).toHaveLength(19)
      expect(answers.filter((a) => a.replayed === null)).toHaveLength(1)
      const first = answers[0]?.body
      for (const a of answers) expect(a.body).toEqual(first)
      expect(first).toMatchObject({ topic })

      const kafka = testKafka()
      if (mode === 'async') {
        const deadline = Date.now() + 10_000
        while ((await endOffsetSum(topic, kafka)) < 1 && Date.now() < deadline) await sleep(100)
        await sleep(500) // room for a stray second record to show up
      }
      expect(await readTopicIds(kafka, topic)).toEqual(['order-1'])

      const other = await post(JSON.stringify({ id: 'order-2', amount: 13 }))
      expect(other.status).toBe(422)
      expect(other.headers.get('content-type')).toBe('application/problem+json')
      expect(await endOffsetSum(topic, kafka)).toBe(1)
    }
  )
})
