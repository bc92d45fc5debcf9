// Batch POSTs against the real broker's size limit (max.message.bytes): requests larger than one
// record batch, concurrent requests that together are, records too large for the topic, and
// atomic routes that write a request in a Kafka transaction, all or nothing.
import { describe, expect, it } from 'vitest'
import { ConfigResourceTypes } from 'kafkajs'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, endOffsetSum, stack, testKafka, uniqueName } from '../../support/kafka.ts'

const END = 'END-OF-TEST'

/**
 * What a consumer reads from every partition up to a sentinel record written after the requests:
 * everything those requests left in the topic, and nothing of what came later.
 */
async function readAll(
  topic: string,
  partitions: number,
  isolation: 'read_committed' | 'read_uncommitted' = 'read_committed'
): Promise<{ partition: number; key: string; value: string }[]> {
  const kafka = testKafka()
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({
    topic,
    messages: Array.from({ length: partitions }, (_, partition) => ({ partition, value: END })),
  })
  await producer.disconnect()
  const consumer = kafka.consumer({
    groupId: uniqueName('reader'),
    readUncommitted: isolation === 'read_uncommitted',
  })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen: { partition: number; key: string; value: string }[] = []
  const ended = new Set<number>()
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no end marker after 30 s`)), 30_000)
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const value = String(message.value)
            if (value !== END) {
              seen.push({ partition, key: String(message.key), value })
              return
            }
            ended.add(partition)
            if (ended.size === partitions) {
              clearTimeout(timer)
              resolve()
            }
          },
        })
        .catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  return seen
}

async function setMaxMessageBytes(topic: string, value: number): Promise<void> {
  const admin = testKafka().admin()
  await admin.connect()
  try {
    const resource = { type: ConfigResourceTypes.TOPIC, name: topic }
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        { ...resource, configEntries: [{ name: 'max.message.bytes', value: String(value) }] },
      ],
    })
    // The broker applies it as it reports it: wait until it does.
    for (;;) {
      const { resources } = await admin.describeConfigs({
        resources: [{ ...resource, configNames: ['max.message.bytes'] }],
        includeSynonyms: false,
      })
      if (resources[0]?.configEntries[0]?.configValue === String(value)) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } finally {
    await admin.disconnect()
  }
}

/** `count` JSON events of about `bytes` bytes each, numbered from `from`. */
function events(count: number, bytes: number, from = 0, key?: string): object[] {
  return Array.from({ length: count }, (_, i) => ({
    id: from + i,
    ...(key === undefined ? {} : { k: key }),
    pad: 'x'.repeat(bytes - 40),
  }))
}

/** A gateway with the given routes; `lingerMs` makes concurrent requests wait to share a batch. */
async function gateway(routes: string, lingerMs = 1): Promise<string> {
  const { url } = await startTestGateway(
    `virtualClusters:
  - name: vc
    backendCluster: lingering
listeners:
  - name: public
    kind: http
    port: 0
    maxBodyBytes: 4194304
    routes:
${routes.replace(/^( *)- path: (.*)$/gm, '$1- path: $2\n$1  virtualCluster: vc')}`,
    {},
    `  - name: lingering
    bootstrapServers: ${stack().bootstrap}
    producer: { lingerMs: ${lingerMs} }
`
  )
  return url
}

const post = (url: string, body: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

describe('HTTP batch produce and the topic size limit', () => {
  it('writes a request larger than one record batch, exactly once', async () => {
    const topic = await createTopic('big-batch', 1)
    const url = await gateway(`      - path: /events
        topic: ${topic}
`)
    const body = events(420, 2560)
    expect(JSON.stringify(body).length).toBeGreaterThan(1_048_588)
    const res = await post(`${url}/events`, body)
    expect(res.status, await res.clone().text()).toBe(202)
    expect(await res.json()).toMatchObject({ count: 420 })

    const read = await readAll(topic, 1)
    expect(read.map((r) => (JSON.parse(r.value) as { id: number }).id)).toEqual(
      body.map((_, i) => i)
    )
  })

  it('answers 202 to concurrent requests that together exceed one batch, without duplicates', async () => {
    const topic = await createTopic('concurrent-batches', 1)
    // The three requests are all waiting when the batch is made: 1.15 MB of records in all.
    const url = await gateway(
      `      - path: /events
        topic: ${topic}
`,
      300
    )
    const answers = await Promise.all(
      [0, 1, 2].map((n) => post(`${url}/events`, events(150, 2500, n * 1000)))
    )
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202])

    const ids = (await readAll(topic, 1)).map((r) => (JSON.parse(r.value) as { id: number }).id)
    expect(ids).toHaveLength(450)
    expect(new Set(ids).size).toBe(450)
  })

  it("refuses a record larger than the topic's max.message.bytes before writing any of the request", async () => {
    const topic = await createTopic('small-limit', 1, { 'max.message.bytes': '10000' })
    const url = await gateway(`      - path: /sync
        topic: ${topic}
      - path: /async
        topic: ${topic}
        delivery: { mode: async }
`)
    const body = [...events(3, 500), ...events(1, 12_000, 3), ...events(3, 500, 4)]
    const res = await post(`${url}/sync`, body)
    expect(res.status).toBe(413)
    const problem = (await res.json()) as {
      detail: string
      maxMessageBytes: number
      record: number
    }
    expect(problem.detail).toMatch(
      /^record 3 of 7 takes \d+ bytes in a record batch.*max\.message\.bytes is 10000.*nothing was produced/
    )
    expect(problem).toMatchObject({ maxMessageBytes: 10000, record: 3 })

    // Async delivery refuses it too, rather than answering 202 and retrying it forever.
    const single = await post(`${url}/async`, events(1, 12_000)[0])
    expect(single.status).toBe(413)
    expect(((await single.json()) as { detail: string }).detail).toMatch(/^the record takes/)

    expect(await endOffsetSum(topic)).toBe(0)
  })

  it('writes an atomic request across partitions in one transaction', async () => {
    const topic = await createTopic('atomic', 2)
    const url = await gateway(`      - path: /atomic
        topic: ${topic}
        key: { from: body, pointer: /k }
        delivery: { atomic: true }
`)
    const keys = ['a', 'b', 'c', 'd', 'e', 'f']
    const res = await post(
      `${url}/atomic`,
      keys.flatMap((k, i) => events(2, 300, i * 2, k))
    )
    expect(res.status, await res.clone().text()).toBe(202)
    const { records } = (await res.json()) as { records: { partition: number; offset: string }[] }
    expect(new Set(records.map((r) => r.partition))).toEqual(new Set([0, 1]))

    const read = await readAll(topic, 2)
    expect(
      read.map((r) => (JSON.parse(r.value) as { id: number }).id).sort((x, y) => x - y)
    ).toEqual(Array.from({ length: 12 }, (_, i) => i))
  })

  it('aborts an atomic request that fails in one partition after another was written: nothing is committed', async () => {
    const topic = await createTopic('atomic-abort', 2)
    const url = await gateway(`      - path: /atomic
        topic: ${topic}
        key: { from: body, pointer: /k }
        delivery: { atomic: true }
`)
    // Learn which partition each key goes to (and let the gateway learn the topic's limit).
    const probe = await post(`${url}/atomic`, [{ k: 'a' }, { k: 'b' }, { k: 'c' }, { k: 'd' }])
    expect(probe.status).toBe(202)
    const placed = (await probe.json()) as { records: { partition: number }[] }
    const partitionOf = (i: number) => placed.records[i]?.partition
    const small = ['a', 'b', 'c', 'd'].find((_, i) => partitionOf(i) === 0)
    const large = ['a', 'b', 'c', 'd'].find((_, i) => partitionOf(i) === 1)
    expect([small, large]).not.toContain(undefined)

    // The topic's limit shrinks behind the gateway's back: it still sizes from the old one, so
    // partition 0's batch is taken and partition 1's is refused, in the same produce request.
    await setMaxMessageBytes(topic, 10_000)
    const res = await post(`${url}/atomic`, [
      ...events(1, 6000, 100, small),
      ...events(2, 6000, 200, large),
    ])
    expect(res.status).toBe(413)
    expect(((await res.json()) as { detail: string }).detail).toMatch(
      /MESSAGE_TOO_LARGE.*the transaction was aborted: nothing was written/
    )

    // Partition 0 did take its record: the failure came midway, and only the abort hides it.
    const everything = await readAll(topic, 2, 'read_uncommitted')
    const id = (r: { value: string }) => (JSON.parse(r.value) as { id?: number }).id
    expect(everything.map(id)).toContain(100)
    const committed = await readAll(topic, 2)
    expect(committed.map((r) => r.key).sort()).toEqual(['a', 'b', 'c', 'd'])
    expect(committed.map(id)).not.toContain(100)
  })

  it('aborts an atomic request whose deadline passes before its commit: 504, nothing committed', async () => {
    const topic = await createTopic('atomic-deadline', 2)
    const url = await gateway(`      - path: /atomic
        topic: ${topic}
        key: { from: body, pointer: /k }
        delivery: { atomic: true, ackTimeoutMs: 1 }
`)
    const res = await post(`${url}/atomic`, [
      ...events(50, 500, 0, 'a'),
      ...events(50, 500, 50, 'b'),
    ])
    expect(res.status).toBe(504)
    expect(((await res.json()) as { detail: string }).detail).toBe(
      'the brokers did not acknowledge within 1 ms; the transaction is aborted: nothing was written'
    )
    expect(await readAll(topic, 2)).toEqual([])
  })
})
