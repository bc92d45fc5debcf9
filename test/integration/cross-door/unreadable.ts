// Drivers of the read doors for records a reader cannot be handed (a data key or writer schema
// that cannot be had): what each door answers instead, for encrypt.test.ts and
// mask-registry-down.test.ts.
import type { Consumer } from 'kafkajs'
import { connectSse, type SseEvent } from '../../support/stream-clients.ts'

/**
 * Runs a kafkajs consumer (made with `retry: { retries: 0 }`) on `topic` from the beginning until
 * it crashes: the crash's error, and the records it was handed before (there should be none).
 */
export async function consumeUntilCrash(
  consumer: Consumer,
  topic: string
): Promise<{ error: unknown; delivered: unknown[] }> {
  const delivered: unknown[] = []
  const crashed = new Promise<unknown>((resolve) =>
    consumer.on(consumer.events.CRASH, ({ payload }) => resolve(payload.error))
  )
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }) => void delivered.push(message) })
    return { error: await crashed, delivered }
  } finally {
    await consumer.disconnect()
  }
}

/** The first event after `ready` of an SSE stream, which is then closed. */
export async function firstSseEvent(
  url: string,
  headers: Record<string, string>,
  timeoutMs: number
): Promise<SseEvent> {
  const client = await connectSse(url, headers)
  try {
    return await client.events.next((e) => e.event !== 'ready', timeoutMs)
  } finally {
    client.close()
  }
}

/** A view's answer for a key once the view holds it (it answers 404 until it has read that far). */
export async function viewAnswerOnceHeld(
  url: string,
  headers: Record<string, string>
): Promise<Response> {
  let res = await fetch(url, { headers })
  for (let i = 0; i < 100 && res.status === 404; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    res = await fetch(url, { headers })
  }
  return res
}
