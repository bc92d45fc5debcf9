// Load for resilience tests: requests whose events each carry a unique id, an exact record of how
// every request ended, and a reader that takes a whole topic back so the two can be compared.
import { request, type Agent } from 'node:http'
import type { Kafka, KafkaMessage } from 'kafkajs'
import { uniqueName } from './kafka.ts'

export interface Attempt {
  /** The ids of the events this request carried. */
  ids: string[]
  /** The HTTP status, or 'error' when no response came (connection refused or reset, timeout). */
  status: number | 'error'
  error?: string
  body?: Record<string, unknown>
  headers?: Headers
  sentAt: number
  doneAt: number
}

/** Hands out event ids unique to one test: `<prefix>-<random>-<n>`. */
export function idSource(prefix: string): () => string {
  const run = uniqueName(prefix)
  let next = 0
  return () => `${run}-${next++}`
}

/**
 * POSTs one event (a JSON object) or, with `batch`, a JSON array of them; every event is
 * `{ id, ... }`. Never throws: a failure is an Attempt with status 'error'.
 */
export async function postEvents(
  url: string,
  ids: string[],
  options: { batch: boolean; timeoutMs: number; headers?: Record<string, string> }
): Promise<Attempt> {
  const events = ids.map((id) => ({ id, payload: 'x'.repeat(64) }))
  const sentAt = Date.now()
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: JSON.stringify(options.batch ? events : events[0]),
      signal: AbortSignal.timeout(options.timeoutMs),
    })
    const text = await res.text()
    let body: Record<string, unknown> | undefined
    try {
      body = JSON.parse(text) as Record<string, unknown>
    } catch {
      body = { text }
    }
    return { ids, status: res.status, body, headers: res.headers, sentAt, doneAt: Date.now() }
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } }
    const error =
      e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.cause?.message ?? e.message)
    return { ids, status: 'error', error, sentAt, doneAt: Date.now() }
  }
}

/**
 * Like postEvents, over `agent` (so a test controls which connection a request rides on), with the
 * body sent in two halves: the second only once `hold` resolves. The request is then in flight, as
 * the server sees it, for as long as the test wants.
 */
export function postEventsHeld(
  url: string,
  ids: string[],
  options: { batch: boolean; agent: Agent; hold?: Promise<unknown>; timeoutMs: number }
): Promise<Attempt> {
  const events = ids.map((id) => ({ id, payload: 'x'.repeat(64) }))
  const body = Buffer.from(JSON.stringify(options.batch ? events : events[0]))
  const sentAt = Date.now()
  return new Promise((resolve) => {
    const fail = (err: Error & { code?: string }) =>
      resolve({ ids, status: 'error', error: err.code ?? err.message, sentAt, doneAt: Date.now() })
    const req = request(
      url,
      {
        method: 'POST',
        agent: options.agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
        timeout: options.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', fail)
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let parsed: Record<string, unknown>
          try {
            parsed = JSON.parse(text) as Record<string, unknown>
          } catch {
            parsed = { text }
          }
          const headers = new Headers()
          for (const [k, v] of Object.entries(res.headers))
            if (typeof v === 'string') headers.set(k, v)
          resolve({
            ids,
            status: res.statusCode ?? 0,
            body: parsed,
            headers,
            sentAt,
            doneAt: Date.now(),
          })
        })
      }
    )
    req.on('error', fail)
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })))
    const half = Math.floor(body.length / 2)
    req.write(body.subarray(0, half))
    void Promise.resolve(options.hold).then(() => req.end(body.subarray(half)))
  })
}

/** How many attempts ended each way, e.g. `{ "202": 180, "503": 12, "error:ECONNREFUSED": 8 }`. */
export function tally(attempts: readonly Attempt[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const a of attempts) {
    const key = a.status === 'error' ? `error:${a.error}` : String(a.status)
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

/** The total of the 202 answers' `count`s (async answers say how many records they buffered). */
export function acceptedCount(attempts: readonly Attempt[]): number {
  return attempts
    .filter((a) => a.status === 202)
    .reduce((sum, a) => sum + (typeof a.body?.count === 'number' ? a.body.count : 1), 0)
}

/**
 * Every record of `topic`, from the first offset to the end offsets read when called, as the `id`
 * fields of their JSON values (in partition order). Fails after `timeoutMs`.
 */
export async function readTopicIds(
  kafka: Kafka,
  topic: string,
  timeoutMs = 30_000
): Promise<string[]> {
  return (await readTopic(kafka, topic, timeoutMs)).map((message) => {
    const value = message.value?.toString() ?? ''
    try {
      return String((JSON.parse(value) as { id: unknown }).id)
    } catch {
      return `<not JSON: ${value.slice(0, 40)}>`
    }
  })
}

/** Every record of `topic` up to the end offsets read when called (in partition order). */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  timeoutMs = 30_000
): Promise<KafkaMessage[]> {
  const admin = kafka.admin()
  await admin.connect()
  let ends: { partition: number; low: number; high: number }[]
  try {
    ends = (await admin.fetchTopicOffsets(topic)).map((o) => ({
      partition: o.partition,
      low: Number(o.low),
      high: Number(o.high),
    }))
  } finally {
    await admin.disconnect()
  }
  const remaining = new Set(ends.filter((e) => e.high > e.low).map((e) => e.partition))
  if (remaining.size === 0) return []
  const highOf = new Map(ends.map((e) => [e.partition, e.high]))

  const messages: KafkaMessage[] = []
  const consumer = kafka.consumer({ groupId: uniqueName('resilience-reader') })
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`reading ${topic}: partitions ${[...remaining]} not read to the end`)),
        timeoutMs
      )
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            messages.push(message)
            if (Number(message.offset) + 1 >= (highOf.get(partition) ?? 0)) {
              remaining.delete(partition)
              if (remaining.size === 0) {
                clearTimeout(timer)
                resolve()
              }
            }
          },
        })
        .catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  return messages
}

/** Counts how often each id occurs. */
export function occurrences(ids: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1)
  return counts
}
