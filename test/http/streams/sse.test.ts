import type { ServerResponse } from 'node:http'
import { describe, expect, it } from 'vitest'
import { recordEvent, streamSse } from '../../../src/http/streams/sse.ts'
import type { Admission } from '../../../src/http/streams/admission.ts'
import { sseEvent } from '../../../src/http/sse-writer.ts'
import { serializeRecord } from '../../../src/stream/record-json.ts'
import type { StreamRecord } from '../../../src/stream/record.ts'
import { consumed, flush } from '../../stream/fakes.ts'
import {
  maskedEndpoint,
  personRecord,
  reader,
  readers,
  subscriberSession,
} from './fanout-fixtures.ts'

/** Just enough of a response to stream events into: what was written, chunk by chunk. */
function fakeResponse() {
  const chunks: Buffer[] = []
  const response = {
    socket: null,
    writeHead: () => response,
    write(chunk: string | Buffer) {
      chunks.push(Buffer.from(chunk))
      return true
    },
    once: () => response,
    end: () => undefined,
  }
  return { response: response as unknown as ServerResponse, chunks }
}

describe('SSE record events for many subscribers', () => {
  it('writes each subscriber its own id line before the event bytes its rendering shares', async () => {
    const endpoint = maskedEndpoint()
    const sessions = readers.map((who) => subscriberSession(endpoint, who, true))
    const outputs = sessions.map((session, i) => {
      const out = fakeResponse()
      const admission: Admission = { principal: reader(i), topics: ['orders'] }
      streamSse(out.response, session, admission, { heartbeatMs: 60_000 })
      return out
    })
    const record = personRecord(4)
    for (const session of sessions) session.deliver(record) // as the hub does
    await flush()

    const rendering = (i: number) => endpoint.render(record, reader(i)) as StreamRecord
    // Byte for byte what each subscriber got before the event was shared: one chunk per event.
    const before = (r: StreamRecord) => sseEvent('record', serializeRecord(r).json, '1~orders~5')
    const written = outputs.map((o) => o.chunks.slice(1).map((c) => c.toString('utf8')))
    expect(written).toEqual(readers.map((_, i) => [before(rendering(i))]))
    expect(JSON.parse(serializeRecord(rendering(1)).json)).toMatchObject({
      value: { email: 'jane@example.com' },
    })
    // One encoding per rendering, whoever reads it.
    expect(recordEvent(rendering(2))).toBe(recordEvent(rendering(0)))
    expect(recordEvent(rendering(3))).toBe(recordEvent(rendering(1)))
    expect(recordEvent(rendering(1))).not.toBe(recordEvent(rendering(0)))
    expect(recordEvent(rendering(1)).toString('utf8')).toBe(
      `event: record\ndata: ${serializeRecord(rendering(1)).json}\n\n`
    )
  })

  it('writes the events of a batch while the socket is held, each its own chunk', async () => {
    const session = subscriberSession(maskedEndpoint(), reader(1), true)
    const out = fakeResponse()
    const calls: string[] = []
    Object.assign(out.response, {
      socket: { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') },
    })
    streamSse(
      out.response,
      session,
      { principal: reader(1), topics: ['orders'] },
      {
        heartbeatMs: 60_000,
      }
    )
    await new Promise((resolve) => setImmediate(resolve))
    calls.length = 0
    for (let offset = 0; offset < 3; offset++) session.deliver(personRecord(offset)) // one batch
    expect(out.chunks.slice(1).map((c) => c.toString().split('\n')[0])).toEqual([
      'id: 1~orders~1',
      'id: 1~orders~2',
      'id: 1~orders~3',
    ])
    expect(calls).toEqual(['cork'])
    await new Promise((resolve) => setImmediate(resolve))
    expect(calls).toEqual(['cork', 'uncork'])
  })

  it('names a tombstone in its shared event', () => {
    const endpoint = maskedEndpoint()
    const tombstone = endpoint.render(consumed(2, { value: null }), reader(1)) as StreamRecord
    expect(recordEvent(tombstone).toString('utf8')).toBe(
      sseEvent('tombstone', serializeRecord(tombstone).json, '')
    )
  })
})
