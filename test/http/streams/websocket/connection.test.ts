import type { WebSocket } from 'ws'
import { describe, expect, it } from 'vitest'
import {
  StreamConnection,
  type ConnectionContext,
} from '../../../../src/http/streams/websocket/connection.ts'
import { serializeRecord } from '../../../../src/stream/record-json.ts'
import type { StreamRecord } from '../../../../src/stream/record.ts'
import type { StreamSession } from '../../../../src/stream/session.ts'
import { flush, silentLogger } from '../../../stream/fakes.ts'
import {
  maskedEndpoint,
  personRecord,
  reader,
  readers,
  subscriberSession,
} from '../fanout-fixtures.ts'

interface Sent {
  data: string | Buffer
  binary: boolean | undefined
  /** How deep the socket was corked when ws was handed the frame. */
  corked: number
}

/** A ws socket and the socket under it, recording frames and corks. */
function fakeClient() {
  const sent: Sent[] = []
  const socket = { depth: 0, flushes: 0 }
  const ws = {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 0,
    on: () => ws,
    send(data: string | Buffer, options?: { binary?: boolean }) {
      sent.push({ data, binary: options?.binary, corked: socket.depth })
    },
    close: () => undefined,
  }
  const corkable = {
    cork: () => void socket.depth++,
    uncork: () => {
      socket.depth--
      if (socket.depth === 0) socket.flushes++
    },
  }
  return { ws: ws as unknown as WebSocket, sent, socket, corkable }
}

async function connect(session: StreamSession) {
  const client = fakeClient()
  const context = {
    service: { open: async () => session, authorize: () => undefined },
    endpoint: session.endpoint,
    params: {},
    principal: reader(0),
    topics: ['orders'],
    logger: silentLogger(),
    socket: client.corkable,
    onClose: () => undefined,
  }
  const connection = new StreamConnection(client.ws, context as unknown as ConnectionContext)
  await connection.start({ topics: ['orders'] })
  client.sent.length = 0 // welcome, subscribed
  client.socket.flushes = 0
  return client
}

/** The frame as it was written before it was shared: the record's JSON with its type spliced in. */
const textFrame = (record: StreamRecord) =>
  `{"type":"record",${serializeRecord(record).json.slice(1)}`

describe('WebSocket record frames for many subscribers', () => {
  it('sends every subscriber of one rendering the same bytes, encoded once, as text', async () => {
    const endpoint = maskedEndpoint()
    const sessions = readers.map((who) => subscriberSession(endpoint, who))
    const clients = await Promise.all(sessions.map(connect))
    const record = personRecord(0)
    for (const session of sessions) session.deliver(record) // as the hub does
    await flush()

    const frames = clients.map((c) => c.sent.map((s) => s.data))
    expect(frames.map((f) => f.length)).toEqual([1, 1, 1, 1, 1])
    const [carol, bob, carol2, bob2, dave] = [0, 1, 2, 3, 4].map(
      (i) => frames[i]?.[0] as Buffer
    ) as [Buffer, Buffer, Buffer, Buffer, Buffer]
    // A principal's connections share its rendering's bytes; bob's are the clear rendering's.
    expect(carol).toBeInstanceOf(Buffer)
    expect(carol2).toBe(carol)
    expect(bob2).toBe(bob)
    expect(dave).not.toBe(carol)
    const rendering = (i: number) => endpoint.render(record, reader(i)) as StreamRecord
    expect(carol.toString('utf8')).toBe(textFrame(rendering(0)))
    expect(bob.toString('utf8')).toBe(textFrame(rendering(1)))
    expect(dave.toString('utf8')).toBe(textFrame(rendering(4)))
    expect(JSON.parse(bob.toString('utf8'))).toMatchObject({
      type: 'record',
      value: { email: 'jane@example.com' },
    })
    expect(JSON.parse(carol.toString('utf8'))).toMatchObject({
      value: { email: 'j***@example.com' },
    })
    expect(clients.flatMap((c) => c.sent.map((s) => s.binary))).toEqual(readers.map(() => false))
  })

  it('writes the records of a batch while the socket is held, flushed once as the turn ends', async () => {
    const session = subscriberSession(maskedEndpoint(), reader(1))
    const client = await connect(session)
    for (let offset = 0; offset < 3; offset++) session.deliver(personRecord(offset)) // one batch
    expect(client.sent.map((s) => JSON.parse(s.data.toString()).offset)).toEqual(['0', '1', '2'])
    expect(client.sent.every((s) => s.corked === 1)).toBe(true)
    expect(client.socket.flushes).toBe(0)
    await new Promise((resolve) => setImmediate(resolve))
    expect(client.socket).toEqual({ depth: 0, flushes: 1 })
  })
})
