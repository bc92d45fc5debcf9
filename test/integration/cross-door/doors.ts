// Small drivers of every door for the cross-door tables: one request or one held connection of a
// principal, answered in terms a table can compare across doors.
import { apis, ZERO_UUID } from '../../../src/protocol/index.ts'
import {
  defaultFetchPartition,
  defaultFetchRequest,
  defaultFetchTopic,
} from '../../../src/protocol/generated/messages/fetch-request.ts'
import { createRecordBatch, encodeRecordBatch } from '../../../src/protocol/records/index.ts'
import { WireClient } from '../../kafka-listener/support/wire-client.ts'
import { connectSse, connectWs, wsUrl } from '../../support/stream-clients.ts'

/** HTTP Basic credentials of `user`, whose password is `${user}-password`. */
export function basic(user: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${user}-password`).toString('base64')}` }
}

/** An HTTP answer reduced to what a table compares. */
export interface HttpAnswer {
  status: number
  retryAfter: string | null
  contentType: string | null
}

export async function httpAnswer(response: Response): Promise<HttpAnswer> {
  await response.arrayBuffer().catch(() => undefined)
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    contentType: response.headers.get('content-type'),
  }
}

export const httpDoors = {
  /** POST one JSON record to the topics endpoint. */
  produce: (url: string, user: string, topic: string) =>
    fetch(`${url}/topics/${topic}`, {
      method: 'POST',
      headers: { ...basic(user), 'content-type': 'application/json' },
      body: '{"n":1}',
    }).then(httpAnswer),
  /** POST a request to a request-reply route, not waiting for the reply. */
  requestReply: (url: string, user: string, path: string) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { ...basic(user), 'content-type': 'application/json', prefer: 'respond-async' },
      body: '{"n":1}',
    }).then(httpAnswer),
  /** GET one key of a view. */
  view: (url: string, user: string, view: string) =>
    fetch(`${url}/views/${view}/some-key`, { headers: basic(user) }).then(httpAnswer),
  /** A long-poll that answers at once. */
  longPoll: (url: string, user: string, path: string) =>
    fetch(`${url}${path}?wait=0`, { headers: basic(user) }).then(httpAnswer),
}

/** A connection held open, or the refusal of one. */
export interface Held {
  /** 0 when the connection was taken; the HTTP status of the refusal otherwise. */
  refused: number
  /** The refusal's problem document, when one came (for failure messages). */
  problem?: unknown
  close(): void
}

const refused = (status: number, problem?: unknown): Held => ({
  refused: status,
  problem,
  close: () => undefined,
})

export const streamingDoors = {
  websocket: async (url: string, user: string, path: string): Promise<Held> => {
    try {
      const client = await connectWs(wsUrl(url, path), { headers: basic(user) })
      return { refused: 0, close: () => client.ws.close() }
    } catch (err) {
      const { status, body } = err as { status?: number; body?: unknown }
      return refused(status ?? -1, body)
    }
  },
  /** SSE: the stream's, or the reply push of a request-reply listener (`Accept` the same). */
  sse: async (url: string, user: string, path: string): Promise<Held> => {
    const client = await connectSse(`${url}${path}`, basic(user))
    return client.status === 200
      ? { refused: 0, close: () => client.close() }
      : refused(client.status, client.body)
  },
}

/** A Kafka connection logged in with SASL PLAIN as `user` (password `${user}-password`). */
export async function kafkaLogin(port: number, user: string): Promise<WireClient> {
  const client = await WireClient.connect(port)
  const handshake = await client.roundTrip(apis.saslHandshake, 1, { mechanism: 'PLAIN' })
  if (handshake.body.errorCode !== 0) throw new Error(`handshake: ${handshake.body.errorCode}`)
  const auth = await client.roundTrip(apis.saslAuthenticate, 2, {
    authBytes: Buffer.from(`\u0000${user}\u0000${user}-password`),
  })
  if (auth.body.errorCode !== 0) throw new Error(`authenticate: ${auth.body.errorMessage}`)
  return client
}

/** Produce v9 of one record to partition 0: its throttle time and partition error code. */
export async function kafkaProduce(
  client: WireClient,
  topic: string
): Promise<{ throttleTimeMs: number; errorCode: number }> {
  const records = await encodeRecordBatch(createRecordBatch([{ value: Buffer.from('{"n":1}') }]))
  const { body } = await client.roundTrip(apis.produce, 9, {
    ...apis.produce.defaultRequest(),
    acks: 1,
    timeoutMs: 5000,
    topicData: [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }],
  })
  const errorCode = body.responses[0]?.partitionResponses[0]?.errorCode ?? -1
  return { throttleTimeMs: body.throttleTimeMs, errorCode }
}

/** Fetch v12 of partition 0 from offset 0, answered at once: its throttle time and error code. */
export async function kafkaFetch(
  client: WireClient,
  topic: string
): Promise<{ throttleTimeMs: number; errorCode: number }> {
  const { body } = await client.roundTrip(apis.fetch, 12, {
    ...defaultFetchRequest(),
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    topics: [{ ...defaultFetchTopic(), topic, partitions: [{ ...defaultFetchPartition() }] }],
  })
  const errorCode = body.responses[0]?.partitions[0]?.errorCode ?? -1
  return { throttleTimeMs: body.throttleTimeMs, errorCode }
}
