// One topic's trouble does not stall the others, and a backend known to be down is answered at
// once: proved with real brokers and a real `weir start` process. kafkajs is configured to retry
// long (retries with a 1 s backoff, 30 s request timeouts), so every answer that arrives well
// before those retries could have ended came from Weir's own knowledge (its topic cache, its
// circuit breaker), not from kafkajs giving up. The client deadlines below are those bounds, not
// measures of speed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDedicatedKafka, type DedicatedKafka } from '../../support/dedicated-kafka.ts'
import { createTopic, stack, uniqueName } from '../../support/kafka.ts'
import { idSource, postEvents, readTopicIds, tally, type Attempt } from '../../support/load.ts'
import { startWeirProcess } from '../../support/weir-process.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Far below what kafkajs's retries take with this config (well over 30 s), far above a normal answer. */
const DEADLINE_MS = 10_000

/** The Kafka client libraries a backend cluster can use (`client`): each passes every test here. */
const clients = ['kafkajs', 'platformatic'] as const
type Client = (typeof clients)[number]

function weirConfig(bootstrap: string, client: Client, extra = ''): string {
  return `backendClusters:
  - name: main
    bootstrapServers: ${bootstrap}
    client: ${client}
    connectionTimeoutMs: 1000
    requestTimeoutMs: 30000
    health: { intervalMs: 300, timeoutMs: 1000 }
    producer: { lingerMs: 0, retries: 8, retryBackoffMs: 1000 }
virtualClusters:
  - name: vc
    backendCluster: main
listeners:
  - name: public
    kind: http
    port: \${PORT}
    routes:
      - path: /sync/{name}
        virtualCluster: vc
        topic: { from: path, name: name, allowed: ['*'] }
        delivery: { mode: sync, ackTimeoutMs: 30000 }
      - path: /async/{name}
        virtualCluster: vc
        topic: { from: path, name: name, allowed: ['*'] }
        delivery: { mode: async }
logging:
  level: info
${extra}`
}

describe.each(clients)('a topic that does not exist (%s client)', (library) => {
  it('is answered 404 from the topic cache while a concurrent POST to a topic that exists gets its 202', async () => {
    const topic = await createTopic('lane-good')
    const weir = await startWeirProcess(weirConfig(stack().bootstrap, library))
    const nextId = idSource('lane')
    const post = (name: string) =>
      postEvents(`${weir.url}/sync/${name}`, [nextId()], { batch: false, timeoutMs: DEADLINE_MS })
    expect((await post(topic)).status, weir.tail()).toBe(202)

    // Three rounds, as the issue saw it: each time a missing topic first, a good one right after.
    const seen: string[] = []
    for (let round = 0; round < 3; round++) {
      const missing = uniqueName('lane-missing')
      const bad = post(missing)
      await sleep(5)
      const good = await Promise.all(Array.from({ length: 5 }, () => post(topic)))
      expect(tally(good), weir.tail()).toEqual({ '202': 5 })
      const answer = await bad
      expect(answer.status, weir.tail()).toBe(404)
      expect(answer.headers?.get('content-type')).toBe('application/problem+json')
      expect(answer.body?.detail).toBe(`topic "${missing}" does not exist`)
      const slowest = Math.max(...good.map((a) => a.doneAt - a.sentAt))
      seen.push(`404 in ${answer.doneAt - answer.sentAt} ms, slowest 202 in ${slowest} ms`)
    }
    // Many missing topics at once: each answered, none held up, none sent to the producer.
    const many = await Promise.all(
      Array.from({ length: 40 }, (_, i) => post(`${uniqueName('lane-gone')}-${i}`))
    )
    expect(tally(many), weir.tail()).toEqual({ '404': 40 })
    const slowest404 = Math.max(...many.map((a) => a.doneAt - a.sentAt))
    console.info(
      `[missing topic] ${seen.join('; ')}; 40 missing topics at once: slowest 404 in ${slowest404} ms`
    )
    expect(
      weir.logs.filter((l) => l.msg === 'produce failed'),
      weir.tail()
    ).toEqual([])
    weir.child.kill('SIGKILL')
  })

  it('is answered during SIGTERM, and the process exits 0 within its shutdown grace period', async () => {
    const topic = await createTopic('lane-sigterm')
    const graceMs = 5000
    const weir = await startWeirProcess(
      weirConfig(stack().bootstrap, library, `shutdownGraceMs: ${graceMs}\n`)
    )
    const nextId = idSource('sigterm')
    const attempts: Attempt[] = []
    let running = true
    const client = async (i: number) => {
      while (running) {
        const name = i % 2 === 0 ? topic : uniqueName('sigterm-missing')
        attempts.push(
          await postEvents(`${weir.url}/sync/${name}`, [nextId()], {
            batch: false,
            timeoutMs: 30_000,
          })
        )
      }
    }
    const clients = Array.from({ length: 8 }, (_, i) => client(i))
    await sleep(2000)
    const signalledAt = Date.now()
    weir.child.kill('SIGTERM')
    const exit = await Promise.race([weir.exited, sleep(graceMs + DEADLINE_MS).then(() => 'hung')])
    running = false
    await Promise.all(clients)
    const exitedAfter = Date.now() - signalledAt
    console.info(
      `[SIGTERM under missing-topic load] exited ${exit} ${exitedAfter} ms after SIGTERM (grace ${graceMs} ms); requests ${JSON.stringify(tally(attempts))}`
    )
    expect(exit, `${weir.tail()}\nexited ${exitedAfter} ms after SIGTERM`).toBe(0)
    const before = attempts.filter((a) => a.sentAt < signalledAt)
    expect(before.some((a) => a.status === 404)).toBe(true)
    expect(before.some((a) => a.status === 202)).toBe(true)
    for (const a of attempts) expect([202, 404, 503, 'error']).toContain(a.status)
  })
})

describe.each(clients)('a backend cluster that is down (own broker, %s client)', (library) => {
  let broker: DedicatedKafka
  beforeAll(async () => {
    broker = await startDedicatedKafka('fail-fast')
  }, 90_000)
  afterAll(async () => {
    await broker?.destroy()
  }, 60_000)

  it('answers sync produce and /readyz 503 at once, buffers async records, and recovers after the probe', async () => {
    const topic = await broker.createTopic('outage', 1)
    const weir = await startWeirProcess(weirConfig(broker.bootstrap, library))
    const nextId = idSource('outage')
    const post = (mode: 'sync' | 'async', timeoutMs = DEADLINE_MS) =>
      postEvents(`${weir.url}/${mode}/${topic}`, [nextId()], { batch: false, timeoutMs })
    const readyz = () => fetch(`${weir.url}/readyz`, { signal: AbortSignal.timeout(DEADLINE_MS) })
    expect((await post('sync')).status, weir.tail()).toBe(202)
    expect((await post('async')).status, weir.tail()).toBe(202)
    expect((await readyz()).status).toBe(200)

    await broker.stop()
    // The background check finds out without any request's help; /readyz says so.
    let ready = await readyz()
    for (const until = Date.now() + 20_000; ready.status === 200 && Date.now() < until;) {
      await sleep(100)
      ready = await readyz()
    }
    expect(ready.status).toBe(503)
    expect(await ready.json()).toMatchObject({ title: 'Backend unreachable' })
    const askedAt = Date.now()
    const again503 = await readyz()
    const readyMs = Date.now() - askedAt
    expect(again503.status).toBe(503)
    const refused = await post('sync')
    console.info(
      `[outage] sync POST answered ${refused.status} in ${refused.doneAt - refused.sentAt} ms, /readyz 503 in ${readyMs} ms (requestTimeoutMs and ackTimeoutMs 30000)`
    )
    expect(refused.status, weir.tail()).toBe(503)
    expect(Number(refused.headers?.get('retry-after'))).toBeGreaterThan(0)
    expect(refused.body?.detail).toMatch(/^backend cluster "main" is down .*nothing was sent/)
    // Async keeps accepting into its bounded buffer; these records are delivered after the outage.
    const buffered = await Promise.all(Array.from({ length: 3 }, () => post('async')))
    expect(tally(buffered), weir.tail()).toEqual({ '202': 3 })

    await broker.start()
    // The probe closes the circuit: sync produce is taken again.
    let again = await post('sync', 30_000)
    for (const until = Date.now() + 30_000; again.status === 503 && Date.now() < until;) {
      await sleep(200)
      again = await post('sync', 30_000)
    }
    expect(again.status, weir.tail()).toBe(202)
    expect(weir.logs.some((l) => l.msg === 'backend cluster is up: circuit closed')).toBe(true)
    expect((await readyz()).status).toBe(200)
    weir.child.kill('SIGTERM')
    expect(await weir.exited, weir.tail()).toBe(0)
    const inTopic = new Set(await readTopicIds(broker.kafka(), topic))
    expect(buffered.flatMap((a) => a.ids).filter((id) => !inTopic.has(id))).toEqual([])
  }, 120_000)

  it('stops within shutdownGraceMs while the broker is frozen, and says what it could not deliver', async () => {
    const topic = await broker.createTopic('frozen', 1)
    const graceMs = 3000
    const weir = await startWeirProcess(
      weirConfig(broker.bootstrap, library, `shutdownGraceMs: ${graceMs}\n`)
    )
    const nextId = idSource('frozen')
    const post = (mode: 'sync' | 'async') =>
      postEvents(`${weir.url}/${mode}/${topic}`, [nextId()], { batch: false, timeoutMs: 60_000 })
    expect((await post('sync')).status, weir.tail()).toBe(202) // connected, nothing buffered
    broker.pause()
    try {
      // Taken into the buffer; kafkajs waits up to requestTimeoutMs (30 s) for the frozen broker.
      const buffered = await Promise.all(Array.from({ length: 5 }, () => post('async')))
      expect(tally(buffered), weir.tail()).toEqual({ '202': 5 })
      const stuck = post('sync') // in flight when the signal comes
      await sleep(200)
      const signalledAt = Date.now()
      weir.child.kill('SIGTERM')
      const exit = await Promise.race([
        weir.exited,
        sleep(graceMs + DEADLINE_MS).then(() => 'hung'),
      ])
      console.info(
        `[SIGTERM, broker frozen] exited ${exit} ${Date.now() - signalledAt} ms after SIGTERM (grace ${graceMs} ms)`
      )
      // Accepted records were left undelivered: the exit code says so, and the log says how many.
      expect(exit, weir.tail()).toBe(1)
      const late = weir.logs.find((l) => l.msg.startsWith('shutdown grace period passed'))
      expect(late?.undelivered, weir.tail()).toBe(5)
      expect((await stuck).status).toBe('error') // its connection was closed
    } finally {
      broker.resume()
    }
  }, 120_000)
})
